package store

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"sqi/internal/pgcopy"
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

const stageFacts = `CREATE TEMP TABLE IF NOT EXISTS stage_room_facts
  (LIKE room_facts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_room_keys
  (tenant_id text, room_id text) ON COMMIT DELETE ROWS`

// upsertFacts writes only the rooms whose facts changed, so that a run
// over events already seen changes nothing.
var upsertFacts = `INSERT INTO room_facts (` + roomColumns + `)
SELECT ` + roomColumns + ` FROM stage_room_facts
ON CONFLICT (tenant_id, room_id) DO UPDATE SET ` + upsertSet() + `
WHERE ` + changedRow()

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

// asyncCommit lets a transaction of the ETL's writes commit without
// waiting for its WAL to reach the disk. Should the server crash first,
// the transaction is lost whole (facts, rejects and their dirty marks
// together), and so is the run's record: etl_state is written last, by a
// transaction that waits (FinishETLRun), and WAL reaches the disk in
// order, so a recorded run's writes are all on disk, and an unrecorded
// run is done again, with the same facts.
const asyncCommit = `SET LOCAL synchronous_commit = off`

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
		if len(rooms) == 0 {
			return 0, nil
		}
		i := 0
		src := &pgcopy.Source{Next: func(b []byte) ([]byte, error) {
			if i == len(rooms) {
				return b, io.EOF
			}
			i++
			return appendRoom(b, rooms[i-1])
		}}
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, src, copyRoomsSQL(table))
		if src.Err != nil {
			return 0, src.Err
		}
		return tag.RowsAffected(), err
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, asyncCommit); err != nil {
			return fmt.Errorf("write facts: %w", err)
		}
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
