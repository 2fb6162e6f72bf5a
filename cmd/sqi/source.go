package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// sourcePool connects to the database that holds chat_events
// (SOURCE_DATABASE_URL, else DATABASE_URL: docs/metrics.md, the event
// feed) and checks that it answers; an error names the variable it came
// from and its host. The caller closes it.
func (e *env) sourcePool(ctx context.Context) (*pgxpool.Pool, error) {
	variable, raw := e.sourceVar(), e.sourceURL()
	if err := e.checkURL(variable, raw); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, e.dbError(variable, raw, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, e.dbError(variable, raw, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, e.dbError(variable, raw, err)
	}
	return pool, nil
}
