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

// ETLRun is what one run did.
type ETLRun struct {
	StartedAt, FinishedAt time.Time
	EventsRead            int64
	RoomsRecomputed       int64
	Rejects               int64
}

// FinishETLRun records a run and advances the state, in one transaction:
// only a run whose facts are all written moves the state on.
func (db *DB) FinishETLRun(ctx context.Context, s ETLState, run ETLRun) error {
	const (
		upsert = `INSERT INTO etl_state (id, snapshot_xmin, low_watermark, updated_at)
VALUES (1, $1, $2, now())
ON CONFLICT (id) DO UPDATE SET snapshot_xmin = $1, low_watermark = $2, updated_at = now()`
		insert = `INSERT INTO etl_runs (started_at, finished_at, events_read, rooms_recomputed, rejects, seconds)
VALUES ($1, $2, $3, $4, $5, $6)`
	)
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsert, int64(s.SnapshotXmin), s.LowWatermark); err != nil {
			return fmt.Errorf("write etl state: %w", err)
		}
		secs := run.FinishedAt.Sub(run.StartedAt).Seconds()
		if _, err := tx.Exec(ctx, insert, run.StartedAt, run.FinishedAt, run.EventsRead, run.RoomsRecomputed, run.Rejects, secs); err != nil {
			return fmt.Errorf("record etl run: %w", err)
		}
		return nil
	})
}

// LastETLRun returns the most recent recorded run; Found is false before
// the first one.
func (db *DB) LastETLRun(ctx context.Context) (run ETLRun, found bool, err error) {
	const q = `SELECT started_at, finished_at, events_read, rooms_recomputed, rejects
FROM etl_runs ORDER BY id DESC LIMIT 1`
	err = db.Pool.QueryRow(ctx, q).Scan(&run.StartedAt, &run.FinishedAt, &run.EventsRead, &run.RoomsRecomputed, &run.Rejects)
	if errors.Is(err, pgx.ErrNoRows) {
		return ETLRun{}, false, nil
	}
	if err != nil {
		return ETLRun{}, false, fmt.Errorf("last etl run: %w", err)
	}
	return run, true, nil
}
