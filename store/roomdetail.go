package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/metrics"
)

// The drill-down of the API: a page of rooms that match filters on their
// stored text facts, and one room with its rejects and, from the source,
// its events. Filters that depend on the tenant's configuration (outcome,
// wait, business hours) are applied by the caller with the methods of
// metrics.Room, as every export applies them, never with a second
// definition in SQL.

// RoomFilter selects rooms by agent, team, channel and category. A nil
// field does not filter; a pointer to "" selects the rooms without one
// (the null group of a /sqi row).
type RoomFilter struct {
	Agent, Team, Channel, Category *string
}

// Match reports whether room r passes f: the where of f, in Go, for rooms
// read from the blocks.
func (f RoomFilter) Match(r *metrics.Room) bool {
	return (f.Agent == nil || *f.Agent == r.Agent) &&
		(f.Team == nil || *f.Team == r.Team) &&
		(f.Channel == nil || *f.Channel == r.Channel) &&
		(f.Category == nil || *f.Category == r.Category)
}

// where returns the SQL conditions of f on room_facts, numbering its
// parameters from next, and their values.
func (f RoomFilter) where(next int) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	for _, c := range []struct {
		column string
		v      *string
	}{{"agent_id", f.Agent}, {"team_id", f.Team}, {"channel", f.Channel}, {"category", f.Category}} {
		switch {
		case c.v == nil:
		case *c.v == "":
			b.WriteString(" AND " + c.column + " IS NULL")
		default:
			b.WriteString(" AND " + c.column + " = $" + strconv.Itoa(next+len(args)))
			args = append(args, *c.v)
		}
	}
	return b.String(), args
}

// RoomsPageWhere is RoomsPage of the rooms that match f: at most limit
// rooms of tenantID opened in [start, end), after the cursor, in
// (opened_at, room_id) order; 0 or less is no limit. fn must copy what it
// keeps.
func (db *DB) RoomsPageWhere(ctx context.Context, tenantID string, start, end time.Time, after RoomCursor, f RoomFilter, limit int, fn func(*metrics.Room) error) error {
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = limit
	}
	args := []any{tenantID, start, end}
	q := `SELECT ` + roomColumns + ` FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3`
	if !after.IsZero() {
		// The extra opened_at >= $4 lets the planner start the index range
		// scan at the cursor; the row comparison breaks ties.
		q += ` AND opened_at >= $4 AND (opened_at, room_id) > ($4, $5)`
		args = append(args, after.OpenedAt, after.RoomID)
	}
	cond, fargs := f.where(len(args) + 1)
	q += cond
	args = append(args, fargs...)
	q += ` ORDER BY opened_at, room_id LIMIT $` + strconv.Itoa(len(args)+1)
	args = append(args, lim)
	return scanRooms(ctx, db.Pool, q, args, fn)
}

// Room returns the facts of one room; ErrNotFound when the tenant has no
// such room.
func (db *DB) Room(ctx context.Context, tenantID, roomID string) (metrics.Room, error) {
	q := `SELECT ` + roomColumns + ` FROM room_facts WHERE tenant_id = $1 AND room_id = $2`
	var (
		room  metrics.Room
		found bool
	)
	err := scanRooms(ctx, db.Pool, q, []any{tenantID, roomID}, func(r *metrics.Room) error {
		room, found = *r, true
		for i := range metrics.TurnSets {
			p := metrics.TurnSets[i].Turns(&room)
			*p = append([]metrics.Turn(nil), *p...)
		}
		return nil
	})
	if err != nil {
		return metrics.Room{}, err
	}
	if !found {
		return metrics.Room{}, fmt.Errorf("room %q of tenant %q: %w", roomID, tenantID, ErrNotFound)
	}
	return room, nil
}

// RoomReject is one reject of a room: a rejected event (EventID set) or the
// room's contradiction (EventID 0).
type RoomReject struct {
	EventID int64  `json:"event_id"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail"`
}

// RoomRejects lists the rejects of one room, the room's own first, then by
// event id.
func (db *DB) RoomRejects(ctx context.Context, tenantID, roomID string) ([]RoomReject, error) {
	const q = `SELECT COALESCE(event_id, 0), reason, detail FROM rejects
WHERE tenant_id = $1 AND room_id = $2 ORDER BY event_id NULLS FIRST, reason`
	rows, err := db.Pool.Query(ctx, q, tenantID, roomID)
	if err != nil {
		return nil, fmt.Errorf("read room rejects: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RoomReject])
	if err != nil {
		return nil, fmt.Errorf("read room rejects: %w", err)
	}
	return out, nil
}

// Source reads the chat platform's chat_events (SOURCE_DATABASE_URL),
// which the service otherwise only reads through the ETL.
type Source struct {
	Pool *pgxpool.Pool
}

// RoomEvents returns every event of one room in chat_events, in the order
// the facts take them: (occurred_at, event_id). An event whose occurred_at
// is infinite has the zero time.
func (s Source) RoomEvents(ctx context.Context, tenantID, roomID string) ([]metrics.Event, error) {
	const q = `SELECT event_id, type, occurred_at, actor, agent_id, team_id, channel, category, score, created_at
FROM chat_events WHERE tenant_id = $1 AND room_id = $2 ORDER BY occurred_at, event_id`
	rows, err := s.Pool.Query(ctx, q, tenantID, roomID)
	if err != nil {
		return nil, fmt.Errorf("read room events: %w", err)
	}
	defer rows.Close()
	var (
		out      []metrics.Event
		score    pgtype.Int2
		txt      [5]pgtype.Text
		occurred pgtype.Timestamptz
	)
	for rows.Next() {
		e := metrics.Event{TenantID: tenantID, RoomID: roomID}
		if err := rows.Scan(&e.EventID, &e.Type, &occurred, &txt[0], &txt[1], &txt[2], &txt[3], &txt[4], &score, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("read room events: %w", err)
		}
		e.Actor, e.AgentID, e.TeamID, e.Channel, e.Category = txt[0].String, txt[1].String, txt[2].String, txt[3].String, txt[4].String
		e.Score = score.Int16
		if occurred.InfinityModifier == pgtype.Finite {
			e.OccurredAt = occurred.Time
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read room events: %w", err)
	}
	return out, nil
}
