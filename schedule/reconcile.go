package schedule

import (
	"context"
	"errors"
	"time"

	"sqi/etl"
)

// reconcileEvery is the least time between two nightly reconciliations:
// with several replicas, the first to start one does it for all.
const reconcileEvery = 20 * time.Hour

// reconcileJob is the nightly reconciliation; only it logs.
func (s *Scheduler) reconcileJob(ctx context.Context) {
	res, ran, err := s.RunReconcile(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("reconcile failed", "err", err)
	case !ran:
	case res.Repaired() > 0:
		s.log.Warn("reconcile repaired rooms that the incremental etl could not see (docs/etl.md)",
			"rooms_missing", res.Missing, "rooms_changed", res.Changed, "rooms_removed", res.Removed,
			"rooms_checked", res.RoomsChecked, "seconds", res.Seconds)
	}
}

// RunReconcile runs the reconciliation of the last ReconcileDays days
// unless one finished less than 20 hours ago (another replica's); ran is
// false then. While an ETL run holds the lock it waits for it, trying
// every 10 seconds.
func (s *Scheduler) RunReconcile(ctx context.Context) (res etl.ReconcileResult, ran bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.ReconcileTimeout)
	defer cancel()
	for {
		last, found, err := s.db.LastReconcile(ctx)
		if err != nil {
			return res, false, err
		}
		if found && s.now().Sub(last.FinishedAt) < reconcileEvery {
			s.log.Debug("reconcile skipped: one ran recently", "finished_at", last.FinishedAt)
			return res, false, nil
		}
		res, err = s.reconciler.Reconcile(ctx, s.ReconcileDays)
		if s.ObserveReconcile != nil && !errors.Is(err, etl.ErrBusy) {
			s.ObserveReconcile(res, err)
		}
		if !errors.Is(err, etl.ErrBusy) {
			return res, err == nil, err
		}
		select {
		case <-ctx.Done():
			return res, false, ctx.Err()
		case <-time.After(10 * time.Second):
		}
	}
}
