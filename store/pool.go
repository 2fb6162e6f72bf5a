package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Ping checks that the database answers (the API's readiness check).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// PoolStat returns the connection pool's statistics (Prometheus).
func (db *DB) PoolStat() *pgxpool.Stat { return db.Pool.Stat() }
