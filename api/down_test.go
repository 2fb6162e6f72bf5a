package api_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/store"
)

// unreachableDB is a real client of a PostgreSQL address where nothing
// listens: the database is down. Tests never use a fake store.
func unreachableDB(t *testing.T) *store.DB {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &store.DB{Pool: pool}
}
