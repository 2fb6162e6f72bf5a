// Package source owns every write to the chat platform's event feed,
// chat_events (docs/metrics.md): bulk COPY for the synthetic generator and the
// NDJSON/CSV importer behind `sqi import`. Nothing else in the service
// writes to that table; etl/ only reads it.
//
// created_at is never written here: every row takes the column's DEFAULT
// now(), the start time of the transaction that writes it, exactly as on
// the chat platform. The ETL's incremental extraction relies on that
// (docs/etl.md): its low watermark is the start of the oldest transaction
// still open, so a row that commits late must carry its transaction's
// start, never an older time of its own. For the same reason a created_at
// column in an imported file is ignored: the row is written now.
//
// Semantically bad events (unknown type or actor, score 7, a room closed
// before it was queued) are written like any other: the ETL must see them
// to count them in its rejects. Only rows that cannot be stored at all (no
// event_id, a timestamp without a zone, ...) are refused, by Import.
//
// It imports metrics for the event type and pgx for the database; it must
// not import store/, etl/, api/ or reports/.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/metrics"
)

// Events is a stream of events read one at a time, in the manner of
// pgx.CopyFromSource: Next advances to the next event and reports whether
// there is one, Event returns it, and Err returns the error that ended the
// stream early (nil at its normal end). A stream that fails aborts the
// COPY that reads it: nothing of it is written.
type Events interface {
	Next() bool
	Event() metrics.Event
	Err() error
}

// Slice returns a stream over events, for tests and small batches.
func Slice(events []metrics.Event) Events { return &sliceEvents{events: events, i: -1} }

type sliceEvents struct {
	events []metrics.Event
	i      int
}

func (s *sliceEvents) Next() bool           { s.i++; return s.i < len(s.events) }
func (s *sliceEvents) Event() metrics.Event { return s.events[s.i] }
func (s *sliceEvents) Err() error           { return nil }

// columns are the chat_events columns that this package writes, in COPY
// order: all of docs/metrics.md but created_at.
var columns = []string{
	"event_id", "tenant_id", "room_id", "type", "occurred_at",
	"actor", "agent_id", "team_id", "channel", "category", "score",
}

var (
	copyEvents = "COPY chat_events (" + strings.Join(columns, ", ") + ") FROM STDIN (FORMAT binary)"
	copyStaged = "COPY staged_events (" + strings.Join(columns, ", ") + ", ord) FROM STDIN (FORMAT binary)"
)

// CopyEvents writes events into chat_events with one COPY, in one
// transaction, and returns how many rows it wrote. It is the fast path: an
// event_id that already exists fails the whole COPY with a unique
// violation (ErrDuplicate); use InsertEvents when that may happen. Empty
// text is written as NULL, and so is a zero score.
func CopyEvents(ctx context.Context, pool *pgxpool.Pool, events Events) (int64, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy chat_events: %w", err)
	}
	defer conn.Release()
	n, err := copyRows(ctx, conn.Conn().PgConn(), copyEvents, eventRows(events, false))
	if err != nil {
		return 0, fmt.Errorf("copy chat_events: %w", translate(err))
	}
	return n, nil
}

// InsertEvents writes the events whose event_id is not yet in chat_events,
// in one transaction: it streams them into a temporary table with COPY,
// then inserts them skipping existing ids. An event_id repeated within
// events is written once, from its first occurrence. It returns how many
// rows it inserted and how many it skipped as duplicates.
func InsertEvents(ctx context.Context, pool *pgxpool.Pool, events Events) (inserted, duplicates int64, err error) {
	copied, inserted, err := insertNew(ctx, pool, eventRows(events, true))
	if err != nil {
		return 0, 0, err
	}
	return inserted, copied - inserted, nil
}

// ErrDuplicate is returned (wrapped) by CopyEvents when an event_id is
// already in chat_events.
var ErrDuplicate = errors.New("event_id already in chat_events")

// ErrNoTable is returned (wrapped) when chat_events does not exist: the
// source database has not been migrated.
var ErrNoTable = errors.New("chat_events does not exist (run sqi migrate on the source database)")

// translate maps the PostgreSQL errors a caller can act on to ours.
func translate(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", ErrDuplicate, pgErr.Detail)
		case "42P01": // undefined_table
			return ErrNoTable
		}
	}
	return err
}

// The staging table of insertNew: chat_events without constraints, plus
// ord, the position of the row in its input, so that the first of several
// rows with one event_id wins.
const createStaging = `
CREATE TEMP TABLE staged_events (
  event_id    bigint      NOT NULL,
  tenant_id   text        NOT NULL,
  room_id     text        NOT NULL,
  type        text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor       text,
  agent_id    text,
  team_id     text,
  channel     text,
  category    text,
  score       smallint,
  ord         bigint      NOT NULL
) ON COMMIT DROP`

// insertStaged leaves created_at to its DEFAULT now(): see the package
// comment.
const insertStaged = `
INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score)
SELECT DISTINCT ON (event_id)
       event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score
  FROM staged_events
 ORDER BY event_id, ord
ON CONFLICT (event_id) DO NOTHING`

// insertNew copies rows (with ord) into a staging table and inserts the
// new ones into chat_events, all in one transaction. It returns how many
// rows it staged and how many it inserted.
func insertNew(ctx context.Context, pool *pgxpool.Pool, next func() (row, error)) (copied, inserted int64, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	if _, err := tx.Exec(ctx, createStaging); err != nil {
		return 0, 0, fmt.Errorf("create staged_events: %w", err)
	}
	copied, err = copyRows(ctx, tx.Conn().PgConn(), copyStaged, next)
	if err != nil {
		return 0, 0, fmt.Errorf("copy staged_events: %w", err)
	}
	tag, err := tx.Exec(ctx, insertStaged)
	if err != nil {
		return 0, 0, fmt.Errorf("insert chat_events: %w", translate(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	return copied, tag.RowsAffected(), nil
}

// copyRows runs one COPY ... FROM STDIN (FORMAT binary) fed by next. An
// error of next aborts the COPY and is returned as is.
func copyRows(ctx context.Context, conn *pgconn.PgConn, sql string, next func() (row, error)) (int64, error) {
	r := &rowEncoder{next: next}
	tag, err := conn.CopyFrom(ctx, r, sql)
	if r.err != nil {
		return 0, r.err
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// eventRows reads events as rows; with ord, numbered from 1.
func eventRows(events Events, ord bool) func() (row, error) {
	var n int64
	return func() (row, error) {
		if !events.Next() {
			if err := events.Err(); err != nil {
				return row{}, err
			}
			return row{}, io.EOF
		}
		e := events.Event()
		r := row{
			eventID: e.EventID, tenantID: e.TenantID, roomID: e.RoomID, typ: e.Type, occurredAt: e.OccurredAt,
			actor: e.Actor, agentID: e.AgentID, teamID: e.TeamID, channel: e.Channel, category: e.Category,
			score: e.Score, hasScore: e.Score != 0,
		}
		if ord {
			n++
			r.ord = n
		}
		return r, nil
	}
}
