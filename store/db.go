// Package store is the service's PostgreSQL storage: migrations, tenant
// configuration, room facts, rejects and ETL state. All SQL on the service's
// own tables lives here; the source feed (chat_events) is read by etl/ and
// written by source/. It must not import api/, reports/ or etl/.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"sqi/migrations"
)

// DB is the service's database.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	// The ETL alone holds up to five connections at once (its lock, two on
	// the source snapshot, a facts writer and a look-up) when the source is
	// this database; the API and the scheduler share the pool with it.
	if cfg.MaxConns < 16 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Migrate applies the embedded migrations that are not applied yet and
// returns how many it applied. Running it again applies nothing.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	defer sqldb.Close()
	return migrate(ctx, sqldb)
}

func migrate(ctx context.Context, sqldb *sql.DB) (int, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, migrations.FS)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}
