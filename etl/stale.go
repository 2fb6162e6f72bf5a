package etl

import (
	"context"

	"sqi/store"
)

// staleChunk is how many stale rooms one ETL run recomputes besides its
// new events: an upgrade's recomputation is spread over runs, newest
// facts untouched.
const staleChunk = 20_000

// RecomputeStale computes again, from their events, up to max rooms whose
// facts are of an older shape than this code's (store.FactsVersion: a
// migration changed what facts hold) and returns how many it took. `sqi
// migrate` calls it until none is left; each ETL run takes a chunk, so an
// upgrade completes even when the migrations were applied by other means.
// It holds the ETL's lock.
func (r *Runner) RecomputeStale(ctx context.Context, max int) (int, error) {
	r.defaults()
	unlock, err := r.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	return r.recomputeStale(ctx, max)
}

// recomputeStale is RecomputeStale under the lock the caller holds.
func (r *Runner) recomputeStale(ctx context.Context, max int) (int, error) {
	keys, err := r.Store.StaleRooms(ctx, max)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	snap, err := r.openSnapshot(ctx)
	if err != nil {
		return 0, err
	}
	defer snap.close(ctx)
	var (
		etlRes Result
		res    ReconcileResult
	)
	p := &pipeline{r: r, tx: snap.tx2, res: &etlRes}
	err = r.reconcileRooms(ctx, p, snap, keys, &res, map[string]int64{})
	if _, berr := r.Store.RebuildBlocks(context.WithoutCancel(ctx), nil); berr != nil && err == nil {
		err = berr
	}
	if err != nil {
		return 0, err
	}
	r.Log.Info("stale facts recomputed", "rooms", len(keys), "facts_version", store.FactsVersion)
	return len(keys), nil
}
