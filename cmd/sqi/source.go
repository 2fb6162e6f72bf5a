package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/store"
)

// sourcePool connects to the database that holds chat_events
// (SOURCE_DATABASE_URL, else DATABASE_URL: docs/metrics.md, the event
// feed) and checks that it answers. The caller closes it.
func (e *env) sourcePool(ctx context.Context) (*pgxpool.Pool, error) {
	return e.openPool(ctx, e.sourceVar(), e.sourceURL())
}

// openPool connects to the database that variable names and checks that
// it answers; an error names the variable and the host, never the
// password.
func (e *env) openPool(ctx context.Context, variable, raw string) (*pgxpool.Pool, error) {
	if err := e.checkURL(variable, raw); err != nil {
		return nil, err
	}
	pool, err := store.OpenPool(ctx, variable, raw, 4)
	if err != nil {
		return nil, e.dbError(variable, raw, err)
	}
	return pool, nil
}
