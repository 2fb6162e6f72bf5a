package store

import (
	"context"
	"time"

	"sqi/metrics"
)

// RoomCursor is a position in the (opened_at, room_id) order of a tenant's
// rooms: the last room of a page. The zero cursor is before the first room.
type RoomCursor struct {
	OpenedAt time.Time
	RoomID   string
}

// IsZero reports whether c is before the first room.
func (c RoomCursor) IsZero() bool { return c.OpenedAt.IsZero() && c.RoomID == "" }

// RoomsPage calls fn with at most limit rooms of tenantID opened in
// [start, end) and after the cursor, in (opened_at, room_id) order: keyset
// pagination, so that a page costs the same wherever it starts and an
// export of any length runs as short queries that hold no connection for
// long. A limit of 0 or less means no limit. fn must copy what it keeps.
func (db *DB) RoomsPage(ctx context.Context, tenantID string, start, end time.Time, after RoomCursor, limit int, fn func(*metrics.Room) error) error {
	// The extra opened_at >= $4 lets the planner start the index range scan
	// at the cursor; the row comparison breaks ties within an instant.
	var (
		first = `SELECT ` + roomColumns + ` FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3
ORDER BY opened_at, room_id COLLATE "C" LIMIT $4`
		next = `SELECT ` + roomColumns + ` FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND opened_at < $3
  AND opened_at >= $4 AND (opened_at, room_id COLLATE "C") > ($4, $5)
ORDER BY opened_at, room_id COLLATE "C" LIMIT $6`
	)
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = limit
	}
	var (
		q    = first
		args = []any{tenantID, start, end, lim}
	)
	if !after.IsZero() {
		q, args = next, []any{tenantID, start, end, after.OpenedAt, after.RoomID, lim}
	}
	return scanRooms(ctx, db.Pool, q, args, fn)
}
