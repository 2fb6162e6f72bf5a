package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// StaleRooms lists up to limit rooms whose facts are of an older shape
// than FactsVersion (migrations/00006_facts_instants.sql): they must be
// computed again from their events.
func (db *DB) StaleRooms(ctx context.Context, limit int) ([]RoomKey, error) {
	const q = `SELECT tenant_id, room_id FROM room_facts WHERE facts_version < $1
ORDER BY tenant_id, room_id LIMIT $2`
	rows, err := db.Pool.Query(ctx, q, FactsVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("stale rooms: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RoomKey, error) {
		var k RoomKey
		err := r.Scan(&k.TenantID, &k.RoomID)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("stale rooms: %w", err)
	}
	return keys, nil
}
