// Package etl is the incremental extraction: it reads new chat events from
// the source database in Apache Arrow batches, recomputes the facts of every
// room they touch from all of that room's events (metrics.ComputeRoom) and
// writes them through the store. It owns the SQL that reads chat_events;
// docs/etl.md explains why no committed row is missed. It must not import
// api/ or reports/.
package etl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/metrics"
	"sqi/store"
)

// ErrBusy is returned when another ETL run holds the lock.
var ErrBusy = errors.New("another ETL run is in progress")

// Runner runs the ETL.
type Runner struct {
	Source *pgxpool.Pool // the database that holds chat_events
	Store  *store.DB

	// BatchEvents is how many new events one Arrow batch holds; memory is
	// bounded by it, whatever the backlog. Default 50,000.
	BatchEvents int
	// BlockRooms is how many rooms of one tenant's new blocks (days
	// without facts before the run) a run keeps in memory over several
	// days, to write those blocks without reading the rooms back from
	// room_facts; past it, only the day with the most rooms is kept, and
	// the tenant's other new days are rebuilt from room_facts at the end
	// of the run. Memory holds about one block, whatever the backlog.
	// Default 8,192.
	BlockRooms int
	// MaxTxnAge bounds how long a writer's transaction may stay open when
	// the source role cannot see other sessions' xact_start (docs/etl.md).
	// Default 1 hour.
	MaxTxnAge time.Duration

	Log *slog.Logger
	Now func() time.Time
	// changed holds the rooms the current run wrote (set under the
	// ETL's lock), so that their blocks are patched, not rebuilt whole.
	changed map[store.RoomKey]bool
	// full holds the blocks the current run leaves to be rebuilt whole
	// from room_facts (newBlocks).
	full map[store.BlockKey]bool

	// Observe, when set, is called after every run with its result or
	// error (Prometheus metrics in `sqi serve`).
	Observe func(Result, error)
	// Progress, when set, is called during a run after each batch of
	// events is computed, with the events and the rooms computed so far.
	// It runs on the pipeline's computing goroutine, one call at a time,
	// and must return quickly.
	Progress func(eventsRead, roomsComputed int64)
}

// Result is what one run did.
type Result struct {
	EventsRead      int64 `json:"events_read"`
	RoomsRecomputed int64 `json:"rooms_recomputed"`
	RoomsChanged    int64 `json:"rooms_changed"`
	Rejects         int64 `json:"rejects"`
	// FeedRejects counts the events whose tenant or room id the API
	// cannot address (metrics.IDReject): no facts, a row of feed_rejects.
	FeedRejects   int64   `json:"feed_rejects"`
	BlocksRebuilt int     `json:"blocks_rebuilt"`
	Seconds       float64 `json:"seconds"`

	// blocksFromMemory counts the blocks of BlocksRebuilt that the run
	// wrote from the rooms it computed (newBlocks), for the run log.
	blocksFromMemory int
}

func (r *Runner) defaults() {
	if r.BatchEvents <= 0 {
		r.BatchEvents = 50_000
	}
	if r.BlockRooms <= 0 {
		r.BlockRooms = 8_192
	}
	if r.MaxTxnAge <= 0 {
		r.MaxTxnAge = time.Hour
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// RunOnce processes every pending event, then returns.
func (r *Runner) RunOnce(ctx context.Context) (Result, error) {
	r.defaults()
	res, err := r.runOnce(ctx)
	if r.Observe != nil {
		r.Observe(res, err)
	}
	return res, err
}

// lock takes the ETL's advisory lock (store.LockETL), which keeps runs
// and reconciliations from overlapping on one replica or many; ErrBusy
// when another holds it. The returned function releases it.
func (r *Runner) lock(ctx context.Context) (func(), error) {
	l, ok, err := r.Store.TryAdvisoryLock(ctx, store.LockETL)
	if err != nil {
		return nil, fmt.Errorf("etl lock: %w", err)
	}
	if !ok {
		return nil, ErrBusy
	}
	return func() {
		if err := l.Unlock(context.WithoutCancel(ctx)); err != nil {
			r.Log.Warn("etl unlock", "err", err)
		}
	}, nil
}

func (r *Runner) runOnce(ctx context.Context) (Result, error) {
	started := r.Now()
	unlock, err := r.lock(ctx)
	if err != nil {
		return Result{}, err
	}
	defer unlock()

	// Blocks left dirty by a run that died are rebuilt whole; the others
	// from their stored version and the rooms this run writes.
	leftover, err := r.Store.DirtyBlocks(ctx)
	if err != nil {
		return Result{}, err
	}
	r.changed, r.full = map[store.RoomKey]bool{}, leftover
	defer func() { r.changed, r.full = nil, nil }()
	prev, err := r.Store.ETLState(ctx)
	if err != nil {
		return Result{}, err
	}
	next, snapAt, res, err := r.extract(ctx, prev)
	if err != nil {
		// Batches written before the failure have marked their blocks
		// dirty: rebuild them now, so that /sqi and the reports agree with
		// room_facts without waiting for a run that succeeds.
		if _, berr := r.Store.RebuildBlocks(context.WithoutCancel(ctx), nil); berr != nil {
			r.Log.Error("rebuild blocks after a failed run", "err", berr)
		}
		return res, err
	}
	// Facts of an older shape (after an upgrade) are computed again, a
	// chunk per run.
	if _, err := r.recomputeStale(ctx, staleChunk); err != nil {
		return res, err
	}
	blocksAt := r.Now()
	rebuilt, err := r.Store.RebuildBlocks(ctx, &store.BlockHint{Changed: r.changed, Full: r.full})
	if err != nil {
		return res, err
	}
	res.BlocksRebuilt += rebuilt
	finished := r.Now()
	res.Seconds = finished.Sub(started).Seconds()
	run := store.ETLRun{StartedAt: started, FinishedAt: finished, SnapshotAt: snapAt, EventsRead: res.EventsRead,
		RoomsRecomputed: res.RoomsRecomputed, RoomsChanged: res.RoomsChanged, Rejects: res.Rejects}
	if err := r.Store.FinishETLRun(ctx, next, run); err != nil {
		return res, err
	}
	r.Log.Info("etl run", "events_read", res.EventsRead, "rooms_recomputed", res.RoomsRecomputed,
		"rooms_changed", res.RoomsChanged, "rejects", res.Rejects, "feed_rejects", res.FeedRejects, "seconds", res.Seconds,
		"blocks_rebuilt", res.BlocksRebuilt, "blocks_from_memory", res.blocksFromMemory,
		"blocks_seconds", finished.Sub(blocksAt).Seconds())
	return res, nil
}

// extract reads the events that are new since prev, recomputes their
// rooms and returns the state to record once everything is written, and
// the instant the source snapshot was taken (on the runner's clock, read
// just before: every row committed before it is in the snapshot).
func (r *Runner) extract(ctx context.Context, prev store.ETLState) (store.ETLState, time.Time, Result, error) {
	var res Result
	low, err := r.lowWatermark(ctx)
	if err != nil {
		return store.ETLState{}, time.Time{}, res, err
	}
	snap, err := r.openSnapshot(ctx)
	if err != nil {
		return store.ETLState{}, time.Time{}, res, err
	}
	defer snap.close(ctx)

	empty, err := r.Store.FactsEmpty(ctx)
	if err != nil {
		return store.ETLState{}, time.Time{}, res, err
	}
	p := &pipeline{r: r, tx: snap.tx2, res: &res, empty: empty, incremental: prev.Found,
		blocks: newNewBlocks(r.Store, r.BlockRooms, empty)}
	err = p.run(ctx, snap.conn.Conn().PgConn(), newEventsCopy(prev))
	for k := range p.blocks.full {
		r.full[k] = true
	}
	if err != nil {
		return store.ETLState{}, time.Time{}, res, err
	}
	if err := snap.tx.Commit(ctx); err != nil {
		return store.ETLState{}, time.Time{}, res, fmt.Errorf("source snapshot: %w", err)
	}
	return store.ETLState{SnapshotXmin: uint64(snap.xmin), LowWatermark: low, Found: true}, snap.at, res, nil
}

// snapshot is a REPEATABLE READ, READ ONLY view of the source shared by
// two connections: the first streams (COPY), the second reads rooms' other
// events meanwhile.
type snapshot struct {
	conn, conn2 *pgxpool.Conn
	tx, tx2     pgx.Tx
	xmin        int64
	at          time.Time // the runner's clock just before the snapshot was taken
}

func (r *Runner) openSnapshot(ctx context.Context) (_ *snapshot, err error) {
	s := &snapshot{}
	defer func() {
		if err != nil {
			s.close(ctx) // what was opened before the failure
		}
	}()
	if s.conn, err = r.Source.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("source connection: %w", err)
	}
	if s.tx, err = s.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		return nil, fmt.Errorf("source snapshot: %w", err)
	}
	var exported string
	s.at = r.Now()
	if err := s.tx.QueryRow(ctx, snapshotXmin).Scan(&s.xmin, &exported); err != nil {
		return nil, fmt.Errorf("source snapshot: %w", err)
	}
	if _, err := s.tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
		return nil, fmt.Errorf("source work_mem: %w", err)
	}
	if s.conn2, err = r.Source.Acquire(ctx); err != nil {
		return nil, fmt.Errorf("source connection: %w", err)
	}
	if s.tx2, err = s.conn2.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		return nil, fmt.Errorf("source snapshot: %w", err)
	}
	if _, err := s.tx2.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+exported+"'"); err != nil {
		return nil, fmt.Errorf("share source snapshot: %w", err)
	}
	return s, nil
}

// close ends both transactions (a rollback after a commit does nothing)
// and gives the connections back.
func (s *snapshot) close(ctx context.Context) {
	bg := context.WithoutCancel(ctx)
	if s.tx2 != nil {
		_ = s.tx2.Rollback(bg)
	}
	if s.conn2 != nil {
		s.conn2.Release()
	}
	if s.tx != nil {
		_ = s.tx.Rollback(bg)
	}
	if s.conn != nil {
		s.conn.Release()
	}
}

// lowWatermark returns the created_at from which the next run must read:
// no transaction that is still open now, or that opens later, can write a
// row with an earlier created_at (docs/etl.md). It is read before the
// snapshot is taken, so that a transaction open when the snapshot is taken
// is one this query saw, or one that started after it.
func (r *Runner) lowWatermark(ctx context.Context) (time.Time, error) {
	var (
		now               time.Time
		oldest            *time.Time
		canSee            bool
		replica, prepared bool
	)
	if err := r.Source.QueryRow(ctx, oldestTransaction).Scan(&now, &oldest, &canSee, &replica, &prepared); err != nil {
		return time.Time{}, fmt.Errorf("oldest open transaction: %w", err)
	}
	switch {
	case replica:
		r.Log.Warn("the source is a standby: the primary's open transactions cannot be seen; assuming none stays open longer than MaxTxnAge",
			"max_txn_age", r.MaxTxnAge.String())
		return now.Add(-r.MaxTxnAge), nil
	case prepared:
		r.Log.Warn("the source has prepared (two-phase) transactions; assuming none stays open longer than MaxTxnAge",
			"max_txn_age", r.MaxTxnAge.String())
		return now.Add(-r.MaxTxnAge), nil
	}
	if !canSee {
		r.Log.Warn("the source role cannot see other sessions' transactions (grant pg_read_all_stats); assuming none stays open longer than MaxTxnAge",
			"max_txn_age", r.MaxTxnAge.String())
		return now.Add(-r.MaxTxnAge), nil
	}
	if oldest != nil && oldest.Before(now) {
		return *oldest, nil
	}
	return now, nil
}

// readRooms reads every event of the rooms keys, by room.
func readRooms(ctx context.Context, tx pgx.Tx, keys []store.RoomKey) (map[store.RoomKey][]metrics.Event, error) {
	tenants := make([]string, len(keys))
	rooms := make([]string, len(keys))
	for i, k := range keys {
		tenants[i], rooms[i] = k.TenantID, k.RoomID
	}
	rows, err := tx.Query(ctx, roomEvents, tenants, rooms)
	if err != nil {
		return nil, fmt.Errorf("read room events: %w", err)
	}
	all := make(map[store.RoomKey][]metrics.Event, len(keys))
	var (
		e        metrics.Event
		score    pgtype.Int2
		txt      [5]pgtype.Text
		occurred pgtype.Timestamptz
	)
	dest := []any{&e.EventID, &e.TenantID, &e.RoomID, &e.Type, &occurred,
		&txt[0], &txt[1], &txt[2], &txt[3], &txt[4], &score}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read room events: %w", err)
		}
		e.Actor, e.AgentID, e.TeamID, e.Channel, e.Category = txt[0].String, txt[1].String, txt[2].String, txt[3].String, txt[4].String
		e.Score = score.Int16
		e.OccurredAt = time.Time{} // ±infinity: rejected by metrics.Check
		if occurred.InfinityModifier == pgtype.Finite {
			e.OccurredAt = occurred.Time
		}
		k := store.RoomKey{TenantID: e.TenantID, RoomID: e.RoomID}
		all[k] = append(all[k], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read room events: %w", err)
	}
	return all, nil
}
