package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	q := `SELECT ` + roomColumns + ` FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3
ORDER BY opened_at, room_id COLLATE "C"`
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
	s := newRoomScan()
	dest := s.dest
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
