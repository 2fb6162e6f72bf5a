package etl

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"sqi/metrics"
	"sqi/store"
)

// ReconcileResult is what a reconciliation did.
type ReconcileResult struct {
	Since        time.Time        `json:"since"`
	RoomsChecked int64            `json:"rooms_checked"`
	EventsRead   int64            `json:"events_read"`
	Missing      int64            `json:"rooms_missing"` // rooms with events but no facts: now computed
	Changed      int64            `json:"rooms_changed"` // rooms whose facts differed from their events: recomputed
	Removed      int64            `json:"rooms_removed"` // rooms with facts but no event left: deleted
	ByTenant     map[string]int64 `json:"repaired_by_tenant"`
	FeedRejects  int64            `json:"feed_rejects"`
	Seconds      float64          `json:"seconds"`
}

// Repaired is how many rooms the reconciliation wrote.
func (r ReconcileResult) Repaired() int64 { return r.Missing + r.Changed + r.Removed }

// reconcileChunk is how many rooms one read of a reconciliation takes.
const reconcileChunk = 2000

// Reconcile compares, room by room, the last days days of rooms with their
// events in chat_events and recomputes the rooms that differ: rows that
// the incremental extraction could not see (written with an old
// created_at: a backfill, a restore; docs/etl.md). The rooms compared are
// those with facts or rejects opened in the window (read from the
// service database) and those with an event written (created_at) in it
// (an index range scan of the source); each is recomputed from all its
// events under one snapshot and written only when its facts differ, so
// a run over a consistent window writes nothing. It holds the ETL's lock:
// the incremental runs wait for it (ErrBusy).
func (r *Runner) Reconcile(ctx context.Context, days int) (ReconcileResult, error) {
	r.defaults()
	started := r.Now()
	res := ReconcileResult{Since: started.Add(-time.Duration(days) * 24 * time.Hour), ByTenant: map[string]int64{}}
	if days < 1 {
		return res, fmt.Errorf("reconcile: days %d: use 1 or more", days)
	}
	unlock, err := r.lock(ctx)
	if err != nil {
		return res, err
	}
	defer unlock()

	opened, err := r.Store.RoomsOpenedSince(ctx, res.Since)
	if err != nil {
		return res, err
	}
	snap, err := r.openSnapshot(ctx)
	if err != nil {
		return res, err
	}
	defer snap.close(ctx)
	written, err := r.roomsWrittenSince(ctx, snap, res.Since)
	if err != nil {
		return res, err
	}
	keys := mergeKeys(opened, written)
	res.RoomsChecked = int64(len(keys))

	var etlRes Result
	p := &pipeline{r: r, tx: snap.tx2, res: &etlRes}
	p.onWritten = func(b *writeBatch, w store.FactsWritten) {
		fresh := int64(0)
		for i := range b.facts.Rooms {
			rm := &b.facts.Rooms[i]
			if !b.facts.Known[store.RoomKey{TenantID: rm.TenantID, RoomID: rm.RoomID}] {
				fresh++
				res.ByTenant[rm.TenantID]++
			}
		}
		res.Missing += fresh
		res.Changed += w.RoomsChanged - fresh
	}
	removed := map[string]int64{} // written by this goroutine only; ByTenant by the writer's
	err = r.reconcileRooms(ctx, p, snap, keys, &res, removed)
	for t, n := range removed {
		res.ByTenant[t] += n
	}
	res.FeedRejects = etlRes.FeedRejects
	// Whatever was written marked its blocks dirty: rebuild them, failed
	// run or not.
	if _, berr := r.Store.RebuildBlocks(context.WithoutCancel(ctx), nil); berr != nil && err == nil {
		err = berr
	}
	if err != nil {
		return res, err
	}
	finished := r.Now()
	res.Seconds = finished.Sub(started).Seconds()
	run := store.ETLRun{Kind: store.RunReconcile, StartedAt: started, FinishedAt: finished, SnapshotAt: snap.at,
		EventsRead: res.EventsRead, RoomsRecomputed: res.RoomsChecked, RoomsChanged: res.Repaired(), Rejects: etlRes.Rejects}
	if err := r.Store.RecordReconcile(ctx, run); err != nil {
		return res, err
	}
	r.Log.Info("reconcile run", "since", res.Since, "rooms_checked", res.RoomsChecked, "events_read", res.EventsRead,
		"rooms_missing", res.Missing, "rooms_changed", res.Changed, "rooms_removed", res.Removed,
		"feed_rejects", res.FeedRejects, "seconds", res.Seconds)
	return res, nil
}

// reconcileRooms reads the rooms keys chunk by chunk and sends their
// recomputed facts to p's writer.
func (r *Runner) reconcileRooms(ctx context.Context, p *pipeline, snap *snapshot, keys []store.RoomKey, res *ReconcileResult,
	removed map[string]int64) (err error) {
	ctx, stop := p.startWriter(ctx)
	defer func() {
		if werr := stop(); werr != nil {
			err = werr
		}
	}()
	for len(keys) > 0 {
		chunk := keys[:min(reconcileChunk, len(keys))]
		keys = keys[len(chunk):]
		all, err := readRooms(ctx, snap.tx, chunk)
		if err != nil {
			return err
		}
		var (
			rooms   [][]metrics.Event
			present []store.RoomKey
			absent  []store.RoomKey // no event left: deleted if the room is known
		)
		for _, k := range chunk {
			if evs := all[k]; len(evs) > 0 {
				res.EventsRead += int64(len(evs))
				rooms = append(rooms, evs)
			} else if metrics.IDReject(k.TenantID, k.RoomID) == "" {
				absent = append(absent, k)
			}
		}
		rooms, feed := splitBadIDs(rooms)
		for _, evs := range rooms {
			present = append(present, store.RoomKey{TenantID: evs[0].TenantID, RoomID: evs[0].RoomID})
		}
		known, err := r.Store.KnownRooms(ctx, append(slices.Clip(present), absent...))
		if err != nil {
			return err
		}
		for _, k := range absent {
			if known[k] {
				present = append(present, k)
				rooms = append(rooms, nil)
				res.Removed++
				removed[k.TenantID]++
			}
		}
		if err := p.send(ctx, &writeBatch{facts: p.compute(rooms, present, known), feed: feed}); err != nil {
			return err
		}
	}
	return nil
}

// roomsWrittenSince lists the rooms with an event written (created_at)
// at or after since: an index range scan of chat_events_created_at_idx.
func (r *Runner) roomsWrittenSince(ctx context.Context, snap *snapshot, since time.Time) ([]store.RoomKey, error) {
	rows, err := snap.tx.Query(ctx, roomsCreatedSince, since)
	if err != nil {
		return nil, fmt.Errorf("rooms written since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []store.RoomKey
	for rows.Next() {
		var k store.RoomKey
		if err := rows.Scan(&k.TenantID, &k.RoomID); err != nil {
			return nil, fmt.Errorf("rooms written since: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rooms written since: %w", err)
	}
	return out, nil
}

// mergeKeys is the sorted union of two lists of rooms.
func mergeKeys(a, b []store.RoomKey) []store.RoomKey {
	out := append(slices.Clip(a), b...)
	slices.SortFunc(out, func(x, y store.RoomKey) int {
		return cmp.Or(cmp.Compare(x.TenantID, y.TenantID), cmp.Compare(x.RoomID, y.RoomID))
	})
	return slices.Compact(out)
}
