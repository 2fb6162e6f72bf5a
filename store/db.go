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

// Open connects to the database at url (DATABASE_URL) and checks that it
// answers.
func Open(ctx context.Context, url string) (*DB, error) { return OpenAs(ctx, "DATABASE_URL", url) }

// OpenAs is Open for the database of the variable name (READ_DATABASE_URL
// for a standby), which its errors name. They never hold the password
// (pgx masks it).
func OpenAs(ctx context.Context, name, url string) (*DB, error) {
	pool, err := OpenPool(ctx, name, url, 16)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool}, nil
}

// OpenPool connects a pool to the database of the variable name at url,
// of at least minConns connections unless the URL sets pool_max_conns,
// and checks that it answers.
func OpenPool(ctx context.Context, name, url string, minConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	// The ETL alone holds up to five connections at once (its lock, two on
	// the source snapshot, a facts writer and a look-up) when the source is
	// this database; the API and the scheduler share the pool with it.
	if cfg.MaxConns < minConns && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = minConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s %s:%d/%s: %w", name, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return pool, nil
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
