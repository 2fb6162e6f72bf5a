package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"sqi/metrics"
)

// RoomKey names a room.
type RoomKey struct{ TenantID, RoomID string }

// RejectRow is a rejected event or room, with the room it belongs to.
type RejectRow struct {
	RoomKey
	OpenedAt time.Time
	metrics.Reject
}

// FactsBatch is what one ETL batch recomputed: the facts of its rooms,
// their rejects, and every room key of the batch (a room may have rejects
// but no facts when none of its events is usable). Known marks the rooms
// that had facts or rejects before (KnownRooms); the others are written
// with a plain COPY.
type FactsBatch struct {
	Keys    []RoomKey
	Rooms   []metrics.Room
	Rejects []RejectRow
	Known   map[RoomKey]bool
}

// FactsWritten counts what WriteFacts changed.
type FactsWritten struct {
	RoomsChanged int64
}

const roomColumns = `tenant_id, room_id, opened_at, queued_at, assigned_at, closed_at,
  agent_id, team_id, channel, category,
  wait_s, first_response_s, assigned_response_s, handle_s, wrapup_s,
  dropped, transfers, score,
  reply_s, reply_agent, customer_reply_s, customer_reply_agent,
  invalid_reason, events, rejected_events`

var roomColumnNames = []string{"tenant_id", "room_id", "opened_at", "queued_at", "assigned_at", "closed_at",
	"agent_id", "team_id", "channel", "category",
	"wait_s", "first_response_s", "assigned_response_s", "handle_s", "wrapup_s",
	"dropped", "transfers", "score",
	"reply_s", "reply_agent", "customer_reply_s", "customer_reply_agent",
	"invalid_reason", "events", "rejected_events"}

const stageFacts = `CREATE TEMP TABLE IF NOT EXISTS stage_room_facts
  (LIKE room_facts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_room_keys
  (tenant_id text, room_id text) ON COMMIT DELETE ROWS`

// upsertFacts writes only the rooms whose facts changed, so that a run
// over events already seen changes nothing.
const upsertFacts = `INSERT INTO room_facts (` + roomColumns + `)
SELECT ` + roomColumns + ` FROM stage_room_facts
ON CONFLICT (tenant_id, room_id) DO UPDATE SET
  opened_at = EXCLUDED.opened_at, queued_at = EXCLUDED.queued_at,
  assigned_at = EXCLUDED.assigned_at, closed_at = EXCLUDED.closed_at,
  agent_id = EXCLUDED.agent_id, team_id = EXCLUDED.team_id,
  channel = EXCLUDED.channel, category = EXCLUDED.category,
  wait_s = EXCLUDED.wait_s, first_response_s = EXCLUDED.first_response_s,
  assigned_response_s = EXCLUDED.assigned_response_s, handle_s = EXCLUDED.handle_s,
  wrapup_s = EXCLUDED.wrapup_s, dropped = EXCLUDED.dropped,
  transfers = EXCLUDED.transfers, score = EXCLUDED.score,
  reply_s = EXCLUDED.reply_s, reply_agent = EXCLUDED.reply_agent,
  customer_reply_s = EXCLUDED.customer_reply_s,
  customer_reply_agent = EXCLUDED.customer_reply_agent,
  invalid_reason = EXCLUDED.invalid_reason, events = EXCLUDED.events,
  rejected_events = EXCLUDED.rejected_events, computed_at = now()
WHERE (room_facts.opened_at, room_facts.queued_at, room_facts.assigned_at, room_facts.closed_at,
  room_facts.agent_id, room_facts.team_id, room_facts.channel, room_facts.category,
  room_facts.wait_s, room_facts.first_response_s, room_facts.assigned_response_s,
  room_facts.handle_s, room_facts.wrapup_s, room_facts.dropped, room_facts.transfers,
  room_facts.score, room_facts.reply_s, room_facts.reply_agent, room_facts.customer_reply_s,
  room_facts.customer_reply_agent, room_facts.invalid_reason, room_facts.events,
  room_facts.rejected_events)
IS DISTINCT FROM (EXCLUDED.opened_at, EXCLUDED.queued_at, EXCLUDED.assigned_at, EXCLUDED.closed_at,
  EXCLUDED.agent_id, EXCLUDED.team_id, EXCLUDED.channel, EXCLUDED.category,
  EXCLUDED.wait_s, EXCLUDED.first_response_s, EXCLUDED.assigned_response_s,
  EXCLUDED.handle_s, EXCLUDED.wrapup_s, EXCLUDED.dropped, EXCLUDED.transfers,
  EXCLUDED.score, EXCLUDED.reply_s, EXCLUDED.reply_agent, EXCLUDED.customer_reply_s,
  EXCLUDED.customer_reply_agent, EXCLUDED.invalid_reason, EXCLUDED.events,
  EXCLUDED.rejected_events)`

// For the known rooms of a batch: a room with keys but no facts (no usable
// event) loses facts it may have had; rejects are replaced as a whole; the
// blocks of their old opened_at are marked dirty (a late room_opened can
// move a room to another day).
const (
	deleteStaleFacts = `DELETE FROM room_facts f USING stage_room_keys k
WHERE f.tenant_id = k.tenant_id AND f.room_id = k.room_id
  AND NOT EXISTS (SELECT 1 FROM stage_room_facts s WHERE s.tenant_id = k.tenant_id AND s.room_id = k.room_id)`
	deleteRejects = `DELETE FROM rejects r USING stage_room_keys k
WHERE r.tenant_id = k.tenant_id AND r.room_id = k.room_id`
	markOldDirty = `INSERT INTO blocks_dirty (tenant_id, day)
SELECT DISTINCT f.tenant_id, (f.opened_at AT TIME ZONE 'UTC')::date
FROM room_facts f JOIN stage_room_keys k ON f.tenant_id = k.tenant_id AND f.room_id = k.room_id
ON CONFLICT DO NOTHING`
	markNewDirty = `INSERT INTO blocks_dirty (tenant_id, day)
SELECT * FROM unnest($1::text[], $2::date[]) ON CONFLICT DO NOTHING`
	insertTenants = `INSERT INTO tenants (tenant_id)
SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`
)

// WriteFacts replaces the facts and rejects of the batch's rooms and marks
// their blocks dirty, in one transaction.
func (db *DB) WriteFacts(ctx context.Context, b *FactsBatch) (FactsWritten, error) {
	var (
		w            FactsWritten
		knownKeys    []RoomKey
		fresh, known []*metrics.Room
		tenants      []string
		dirtyT       []string
		dirtyD       []time.Time
		seenTenant   = map[string]bool{}
		seenDirty    = map[RoomKey]bool{} // (tenant, day) as a key
	)
	for _, k := range b.Keys {
		if b.Known[k] {
			knownKeys = append(knownKeys, k)
		}
		if !seenTenant[k.TenantID] {
			seenTenant[k.TenantID] = true
			tenants = append(tenants, k.TenantID)
		}
	}
	for i := range b.Rooms {
		r := &b.Rooms[i]
		if b.Known[RoomKey{r.TenantID, r.RoomID}] {
			known = append(known, r)
		} else {
			fresh = append(fresh, r)
		}
		day := r.OpenedAt.UTC().Truncate(24 * time.Hour)
		if k := (RoomKey{r.TenantID, day.Format(time.DateOnly)}); !seenDirty[k] {
			seenDirty[k] = true
			dirtyT, dirtyD = append(dirtyT, r.TenantID), append(dirtyD, day)
		}
	}
	copyRooms := func(tx pgx.Tx, table string, rooms []*metrics.Room) (int64, error) {
		return tx.CopyFrom(ctx, pgx.Identifier{table}, roomColumnNames,
			pgx.CopyFromSlice(len(rooms), func(i int) ([]any, error) { return roomValues(rooms[i]), nil }))
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if len(knownKeys) > 0 {
			if _, err := tx.Exec(ctx, stageFacts); err != nil {
				return fmt.Errorf("stage tables: %w", err)
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stage_room_keys"}, []string{"tenant_id", "room_id"},
				pgx.CopyFromSlice(len(knownKeys), func(i int) ([]any, error) {
					return []any{knownKeys[i].TenantID, knownKeys[i].RoomID}, nil
				})); err != nil {
				return fmt.Errorf("copy room keys: %w", err)
			}
			if _, err := tx.Exec(ctx, markOldDirty); err != nil {
				return fmt.Errorf("mark blocks dirty: %w", err)
			}
			if _, err := copyRooms(tx, "stage_room_facts", known); err != nil {
				return fmt.Errorf("copy room facts: %w", err)
			}
			tag, err := tx.Exec(ctx, upsertFacts)
			if err != nil {
				return fmt.Errorf("upsert room facts: %w", err)
			}
			w.RoomsChanged += tag.RowsAffected()
			if _, err := tx.Exec(ctx, deleteStaleFacts); err != nil {
				return fmt.Errorf("delete stale facts: %w", err)
			}
			if _, err := tx.Exec(ctx, deleteRejects); err != nil {
				return fmt.Errorf("delete rejects: %w", err)
			}
		}
		n, err := copyRooms(tx, "room_facts", fresh)
		if err != nil {
			return fmt.Errorf("copy new room facts: %w", err)
		}
		w.RoomsChanged += n
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"rejects"},
			[]string{"tenant_id", "room_id", "event_id", "reason", "detail", "opened_at"},
			pgx.CopyFromSlice(len(b.Rejects), func(i int) ([]any, error) {
				r := &b.Rejects[i]
				var id any
				if r.EventID != 0 {
					id = r.EventID
				}
				return []any{r.TenantID, r.RoomID, id, r.Reason, r.Detail, r.OpenedAt}, nil
			})); err != nil {
			return fmt.Errorf("copy rejects: %w", err)
		}
		if _, err := tx.Exec(ctx, markNewDirty, dirtyT, dirtyD); err != nil {
			return fmt.Errorf("mark blocks dirty: %w", err)
		}
		if _, err := tx.Exec(ctx, insertTenants, tenants); err != nil {
			return fmt.Errorf("insert tenants: %w", err)
		}
		return nil
	})
	return w, err
}

func roomValues(r *metrics.Room) []any {
	return []any{
		r.TenantID, r.RoomID, r.OpenedAt, nullTime(r.QueuedAt), nullTime(r.AssignedAt), nullTime(r.ClosedAt),
		nullText(r.Agent), nullText(r.Team), nullText(r.Channel), nullText(r.Category),
		nullFloat(r.Wait), nullFloat(r.FirstResponse), nullFloat(r.AssignedResponse), nullFloat(r.Handle), nullFloat(r.Wrapup),
		r.Dropped, r.Transfers, nullScore(r.Score),
		turnSeconds(r.Replies), turnAgents(r.Replies), turnSeconds(r.CustomerReplies), turnAgents(r.CustomerReplies),
		nullText(r.InvalidReason), r.Events, r.RejectedEvents,
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullFloat(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

func nullScore(s int16) any {
	if s == 0 {
		return nil
	}
	return s
}

func turnSeconds(ts []metrics.Turn) []pgtype.Float8 {
	out := make([]pgtype.Float8, len(ts))
	for i, t := range ts {
		out[i] = pgtype.Float8{Float64: t.Seconds, Valid: t.Answered()}
	}
	return out
}

func turnAgents(ts []metrics.Turn) []pgtype.Text {
	out := make([]pgtype.Text, len(ts))
	for i, t := range ts {
		out[i] = pgtype.Text{String: t.Agent, Valid: t.Agent != ""}
	}
	return out
}

// KnownRooms returns which of keys already have facts or rejects: their
// earlier events were processed by an earlier run, so the ETL must re-read
// all of their events.
func (db *DB) KnownRooms(ctx context.Context, keys []RoomKey) (map[RoomKey]bool, error) {
	const q = `SELECT k.tenant_id, k.room_id
FROM unnest($1::text[], $2::text[]) AS k(tenant_id, room_id)
WHERE EXISTS (SELECT 1 FROM room_facts f WHERE f.tenant_id = k.tenant_id AND f.room_id = k.room_id)
   OR EXISTS (SELECT 1 FROM rejects r WHERE r.tenant_id = k.tenant_id AND r.room_id = k.room_id)`
	tenants := make([]string, len(keys))
	rooms := make([]string, len(keys))
	for i, k := range keys {
		tenants[i], rooms[i] = k.TenantID, k.RoomID
	}
	rows, err := db.Pool.Query(ctx, q, tenants, rooms)
	if err != nil {
		return nil, fmt.Errorf("known rooms: %w", err)
	}
	known := make(map[RoomKey]bool)
	var k RoomKey
	_, err = pgx.ForEachRow(rows, []any{&k.TenantID, &k.RoomID}, func() error {
		known[k] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("known rooms: %w", err)
	}
	return known, nil
}

// FactsEmpty reports whether there are no room facts and no rejects at all
// (before the first run): the ETL then knows that no room was seen before.
func (db *DB) FactsEmpty(ctx context.Context) (bool, error) {
	const q = `SELECT NOT EXISTS (SELECT 1 FROM room_facts) AND NOT EXISTS (SELECT 1 FROM rejects)`
	var empty bool
	if err := db.Pool.QueryRow(ctx, q).Scan(&empty); err != nil {
		return false, fmt.Errorf("facts empty: %w", err)
	}
	return empty, nil
}
