package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RoomsOpenedSince lists the rooms that have facts or rejects opened at
// or after since, by tenant then room: the rooms a reconciliation
// compares with their events. It reads the (tenant_id, opened_at)
// indexes one tenant at a time.
func (db *DB) RoomsOpenedSince(ctx context.Context, since time.Time) ([]RoomKey, error) {
	const q = `SELECT t.tenant_id, x.room_id FROM tenants t
CROSS JOIN LATERAL (
  SELECT f.room_id FROM room_facts f WHERE f.tenant_id = t.tenant_id AND f.opened_at >= $1
  UNION
  SELECT r.room_id FROM rejects r WHERE r.tenant_id = t.tenant_id AND r.opened_at >= $1
) x`
	rows, err := db.Pool.Query(ctx, q, since)
	if err != nil {
		return nil, fmt.Errorf("rooms opened since %s: %w", since.Format(time.RFC3339), err)
	}
	var (
		out []RoomKey
		k   RoomKey
	)
	_, err = pgx.ForEachRow(rows, []any{&k.TenantID, &k.RoomID}, func() error {
		out = append(out, k)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rooms opened since %s: %w", since.Format(time.RFC3339), err)
	}
	return out, nil
}
