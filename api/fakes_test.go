package api_test

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// nopStore is a store with nothing in it whose calls fail with err when
// it is set: for the tests that need no database, or a broken one.
type nopStore struct{ err error }

func (s nopStore) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	if s.err != nil {
		return store.Tenant{}, s.err
	}
	return store.Tenant{}, store.ErrNotFound
}

func (s nopStore) Tenants(ctx context.Context) ([]store.Tenant, error) { return nil, s.err }

func (s nopStore) PutTenant(ctx context.Context, c metrics.Config) error { return s.err }

func (s nopStore) RoomsPage(ctx context.Context, tenantID string, start, end time.Time, after store.RoomCursor, limit int, fn func(*metrics.Room) error) error {
	return s.err
}

func (s nopStore) RejectCounts(ctx context.Context, tenantID string, start, end time.Time) ([]store.RejectCount, error) {
	return nil, s.err
}

func (s nopStore) APIKey(ctx context.Context, id string) (store.APIKey, error) {
	if s.err != nil {
		return store.APIKey{}, s.err
	}
	return store.APIKey{}, store.ErrNotFound
}

func (s nopStore) LastETLRun(ctx context.Context) (store.ETLRun, bool, error) {
	return store.ETLRun{}, false, s.err
}

func (s nopStore) Ping(ctx context.Context) error { return s.err }

func (s nopStore) PoolStat() *pgxpool.Stat { return nil }

func nopStats(ctx context.Context, cfg *metrics.Config, q query.Query) (*query.Result, error) {
	return &query.Result{Query: q, Config: *cfg}, nil
}
