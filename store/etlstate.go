package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ETLState is where the incremental extraction stands (docs/etl.md): the
// xmin of the source snapshot of the last run, and the created_at below
// which every row was visible to it.
type ETLState struct {
	SnapshotXmin uint64
	LowWatermark time.Time
	Found        bool // false before the first run
}

// ETLState returns the state of the last run.
func (db *DB) ETLState(ctx context.Context) (ETLState, error) {
	const q = `SELECT snapshot_xmin, low_watermark FROM etl_state WHERE id = 1`
	var s ETLState
	var xmin int64
	err := db.Pool.QueryRow(ctx, q).Scan(&xmin, &s.LowWatermark)
	if errors.Is(err, pgx.ErrNoRows) {
		return ETLState{}, nil
	}
	if err != nil {
		return ETLState{}, fmt.Errorf("read etl state: %w", err)
	}
	s.SnapshotXmin, s.Found = uint64(xmin), true
	return s, nil
}

// Kinds of ETL run (etl_runs.kind).
const (
	RunIncremental = "incremental" // the extraction of new events
	RunReconcile   = "reconcile"   // the comparison of a window of rooms with their events
)

// ETLRun is what one run did.
type ETLRun struct {
	Kind                  string // RunIncremental when empty
	StartedAt, FinishedAt time.Time
	// SnapshotAt is when the run's source snapshot was taken (read on the
	// runner's clock just before): every row committed before it was
	// processed by the run. Runs recorded before migration 00005 give
	// their StartedAt, which is earlier.
	SnapshotAt      time.Time
	EventsRead      int64
	RoomsRecomputed int64
	RoomsChanged    int64
	Rejects         int64
}

// FinishETLRun records a run and advances the state, in one transaction:
// only a run whose facts are all written moves the state on.
func (db *DB) FinishETLRun(ctx context.Context, s ETLState, run ETLRun) error {
	const (
		upsert = `INSERT INTO etl_state (id, snapshot_xmin, low_watermark, updated_at)
VALUES (1, $1, $2, now())
ON CONFLICT (id) DO UPDATE SET snapshot_xmin = $1, low_watermark = $2, updated_at = now()`
		insert = `INSERT INTO etl_runs (kind, started_at, finished_at, snapshot_at, events_read, rooms_recomputed, rooms_changed, rejects, seconds)
VALUES ('incremental', $1, $2, $3, $4, $5, $6, $7, $8)`
	)
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsert, int64(s.SnapshotXmin), s.LowWatermark); err != nil {
			return fmt.Errorf("write etl state: %w", err)
		}
		secs := run.FinishedAt.Sub(run.StartedAt).Seconds()
		if _, err := tx.Exec(ctx, insert, run.StartedAt, run.FinishedAt, run.SnapshotAt, run.EventsRead, run.RoomsRecomputed,
			run.RoomsChanged, run.Rejects, secs); err != nil {
			return fmt.Errorf("record etl run: %w", err)
		}
		return nil
	})
}

// RecordReconcile records a reconciliation run (etl_runs.kind
// reconcile); it does not move the incremental state.
func (db *DB) RecordReconcile(ctx context.Context, run ETLRun) error {
	const q = `INSERT INTO etl_runs (kind, started_at, finished_at, snapshot_at, events_read, rooms_recomputed, rooms_changed, rejects, seconds)
VALUES ('reconcile', $1, $2, $3, $4, $5, $6, $7, $8)`
	secs := run.FinishedAt.Sub(run.StartedAt).Seconds()
	if _, err := db.Pool.Exec(ctx, q, run.StartedAt, run.FinishedAt, run.SnapshotAt, run.EventsRead, run.RoomsRecomputed,
		run.RoomsChanged, run.Rejects, secs); err != nil {
		return fmt.Errorf("record reconcile run: %w", err)
	}
	return nil
}

// LastETLRun returns the most recent incremental run; found is false
// before the first one.
func (db *DB) LastETLRun(ctx context.Context) (run ETLRun, found bool, err error) {
	return db.lastRun(ctx, RunIncremental)
}

// LastReconcile returns the most recent reconciliation run.
func (db *DB) LastReconcile(ctx context.Context) (run ETLRun, found bool, err error) {
	return db.lastRun(ctx, RunReconcile)
}

func (db *DB) lastRun(ctx context.Context, kind string) (run ETLRun, found bool, err error) {
	const q = `SELECT kind, started_at, finished_at, COALESCE(snapshot_at, started_at), events_read, rooms_recomputed,
  rooms_changed, rejects
FROM etl_runs WHERE kind = $1 ORDER BY id DESC LIMIT 1`
	err = db.Pool.QueryRow(ctx, q, kind).Scan(&run.Kind, &run.StartedAt, &run.FinishedAt, &run.SnapshotAt, &run.EventsRead,
		&run.RoomsRecomputed, &run.RoomsChanged, &run.Rejects)
	if errors.Is(err, pgx.ErrNoRows) {
		return ETLRun{}, false, nil
	}
	if err != nil {
		return ETLRun{}, false, fmt.Errorf("last %s run: %w", kind, err)
	}
	return run, true, nil
}
