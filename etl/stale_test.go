package etl_test

import (
	"context"
	"testing"

	"sqi/etl"
	fx "sqi/internal/fixture"
	"sqi/internal/pgtest"
)

// TestRecomputeStale: rooms whose facts a migration left in an older shape
// (facts_version below the code's; their turns' instants gone, as
// migration 00006 leaves them) are computed again from their events, by a
// chunk per ETL run and by RecomputeStale, and end exactly as before.
func TestRecomputeStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	fx.Load(t, db, fx.AcmeDay)
	before := dump(t, db)
	const spoil = `UPDATE room_facts SET facts_version = 1, reply_opened_at = '{}', reply_answered_at = '{}', reply_agent = '{}',
  customer_reply_opened_at = '{}', customer_reply_answered_at = '{}', customer_reply_agent = '{}'`
	for _, how := range []string{"an ETL run", "RecomputeStale"} {
		tag, err := db.Pool.Exec(ctx, spoil)
		if err != nil || tag.RowsAffected() == 0 {
			t.Fatalf("spoil: %v", err)
		}
		r := &etl.Runner{Source: db.Pool, Store: db}
		if how == "an ETL run" {
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			n, err := r.RecomputeStale(ctx, 3) // a chunk smaller than the rooms
			if err != nil || n != 3 {
				t.Fatalf("RecomputeStale = %d, %v; want 3", n, err)
			}
			for n > 0 {
				if n, err = r.RecomputeStale(ctx, 3); err != nil {
					t.Fatal(err)
				}
			}
		}
		var stale int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM room_facts WHERE facts_version < 2`).Scan(&stale); err != nil || stale != 0 {
			t.Fatalf("%s: %d rooms still stale (%v)", how, stale, err)
		}
		if after := dump(t, db); after != before {
			t.Errorf("%s: the facts computed again differ from the first ones:\n%s\nwant\n%s", how, after, before)
		}
	}
}
