package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// RunRef names a finished incremental ETL run: the live view and the
// alerts are computed once per run, on the data of its snapshot.
type RunRef struct {
	ID         int64
	SnapshotAt time.Time // every event committed before it is in the facts
	FinishedAt time.Time
}

// LatestRun returns the most recent incremental ETL run; found is false
// before the first one. It is one index look-up: replicas ask it every
// second to learn that another replica's run has finished.
func (db *DB) LatestRun(ctx context.Context) (run RunRef, found bool, err error) {
	const q = `SELECT id, COALESCE(snapshot_at, started_at), finished_at FROM etl_runs
WHERE kind = 'incremental' ORDER BY id DESC LIMIT 1`
	err = db.Pool.QueryRow(ctx, q).Scan(&run.ID, &run.SnapshotAt, &run.FinishedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return RunRef{}, false, nil
	}
	if err != nil {
		return RunRef{}, false, fmt.Errorf("latest etl run: %w", err)
	}
	return run, true, nil
}

// OpenRoom is where a room that is not closed stands: its routing state
// (metrics.StateWaiting or metrics.StateInProgress), the instant of the
// event that set it, and its agent.
type OpenRoom struct {
	State   string
	StateAt time.Time
	Agent   string
}

// OpenRooms calls fn with every room of tenantID opened at or after since
// that is not closed, has a routing state and whose times do not
// contradict each other (room_facts_open_idx holds only rooms not closed).
func (db *DB) OpenRooms(ctx context.Context, tenantID string, since time.Time, fn func(OpenRoom) error) error {
	const q = `SELECT state, state_at, agent_id FROM room_facts
WHERE tenant_id = $1 AND opened_at >= $2 AND closed_at IS NULL
  AND invalid_reason IS NULL AND state IS NOT NULL AND state_at IS NOT NULL`
	rows, err := db.Pool.Query(ctx, q, tenantID, since)
	if err != nil {
		return fmt.Errorf("read open rooms: %w", err)
	}
	var (
		r     OpenRoom
		agent pgtype.Text
	)
	_, err = pgx.ForEachRow(rows, []any{&r.State, &r.StateAt, &agent}, func() error {
		r.Agent = agent.String
		return fn(r)
	})
	if err != nil {
		return fmt.Errorf("read open rooms: %w", err)
	}
	return nil
}
