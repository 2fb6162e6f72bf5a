package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/store"
)

// sourcePool connects to the database that holds chat_events
// (SOURCE_DATABASE_URL, else DATABASE_URL: SPEC §2) and checks that it
// answers. The caller closes it.
func (e *env) sourcePool(ctx context.Context) (*pgxpool.Pool, error) {
	return openPool(ctx, "SOURCE_DATABASE_URL", e.sourceURL())
}

// openPool connects to the database of the variable name.
func openPool(ctx context.Context, name, url string) (*pgxpool.Pool, error) {
	return store.OpenPool(ctx, name, url, 4)
}
