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

// Rooms calls fn with each room of tenantID opened in [start, end), in
// opened_at order. The room passed to fn is reused: fn must copy what it
// keeps.
func (db *DB) Rooms(ctx context.Context, tenantID string, start, end time.Time, fn func(*metrics.Room) error) error {
	return roomRows(ctx, db.Pool, tenantID, start, end, fn)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func roomRows(ctx context.Context, db querier, tenantID string, start, end time.Time, fn func(*metrics.Room) error) error {
	const q = `SELECT ` + roomColumns + ` FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3
ORDER BY opened_at, room_id`
	return scanRooms(ctx, db, q, []any{tenantID, start, end}, fn)
}

// scanRooms runs a query of roomColumns and calls fn with each room, one
// reused value.
func scanRooms(ctx context.Context, db querier, q string, args []any, fn func(*metrics.Room) error) error {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read room facts: %w", err)
	}
	defer rows.Close()
	var s roomScan
	dest := s.dest()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read room facts: %w", err)
		}
		if err := fn(s.room()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read room facts: %w", err)
	}
	return nil
}

// roomScan holds the scan targets of one room_facts row.
type roomScan struct {
	r                                 metrics.Room
	queued, assigned, closed          pgtype.Timestamptz
	agent, team, channel, category    pgtype.Text
	wait, first, assignedResp, handle pgtype.Float8
	wrapup                            pgtype.Float8
	score                             pgtype.Int2
	replyS, custS                     []pgtype.Float8
	replyAgent, custAgent             []pgtype.Text
	invalid                           pgtype.Text
	transfers, events, rejected       int32
}

func (s *roomScan) dest() []any {
	return []any{&s.r.TenantID, &s.r.RoomID, &s.r.OpenedAt, &s.queued, &s.assigned, &s.closed,
		&s.agent, &s.team, &s.channel, &s.category,
		&s.wait, &s.first, &s.assignedResp, &s.handle, &s.wrapup,
		&s.r.Dropped, &s.transfers, &s.score,
		&s.replyS, &s.replyAgent, &s.custS, &s.custAgent,
		&s.invalid, &s.events, &s.rejected}
}

func (s *roomScan) room() *metrics.Room {
	r := &s.r
	r.QueuedAt, r.AssignedAt, r.ClosedAt = s.queued.Time, s.assigned.Time, s.closed.Time
	r.Agent, r.Team, r.Channel, r.Category = s.agent.String, s.team.String, s.channel.String, s.category.String
	r.Wait, r.FirstResponse, r.AssignedResponse = f(s.wait), f(s.first), f(s.assignedResp)
	r.Handle, r.Wrapup = f(s.handle), f(s.wrapup)
	r.Transfers, r.Events, r.RejectedEvents = int(s.transfers), int(s.events), int(s.rejected)
	r.Score = s.score.Int16
	r.InvalidReason = s.invalid.String
	r.Replies = turns(r.Replies[:0], s.replyS, s.replyAgent)
	r.CustomerReplies = turns(r.CustomerReplies[:0], s.custS, s.custAgent)
	return r
}

func f(v pgtype.Float8) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

func turns(dst []metrics.Turn, secs []pgtype.Float8, agents []pgtype.Text) []metrics.Turn {
	for i := range secs {
		t := metrics.Turn{Seconds: f(secs[i])}
		if i < len(agents) {
			t.Agent = agents[i].String
		}
		dst = append(dst, t)
	}
	return dst
}

// RejectCount is the number of rejects of one reason.
type RejectCount struct {
	Reason string `json:"reason"`
	Kind   string `json:"kind"` // "event" or "room"
	Count  int64  `json:"count"`
}

// RejectCounts counts the rejects of tenantID's rooms opened in
// [start, end) by reason.
func (db *DB) RejectCounts(ctx context.Context, tenantID string, start, end time.Time) ([]RejectCount, error) {
	const q = `SELECT reason, CASE WHEN event_id IS NULL THEN 'room' ELSE 'event' END, count(*)
FROM rejects WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3
GROUP BY 1, 2 ORDER BY 1, 2`
	rows, err := db.Pool.Query(ctx, q, tenantID, start, end)
	if err != nil {
		return nil, fmt.Errorf("count rejects: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RejectCount])
	if err != nil {
		return nil, fmt.Errorf("count rejects: %w", err)
	}
	return out, nil
}
