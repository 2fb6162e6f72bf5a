package etl

import (
	"context"

	"sqi/metrics"
	"sqi/store"
)

// newBlocks collects, as a run computes rooms, the rooms of the blocks
// that the run writes whole from memory instead of rebuilding them from
// room_facts at its end (store.BlockBuffer). A block (a tenant and a UTC
// date) is new when it has no room in room_facts as the first of the
// run's rooms falls in it: the run has written none of its rooms yet (the
// computer asks before it hands that room to the writer), so every room
// it will hold is one of the run's, and they all pass through here. The
// stream is ordered by tenant: once a tenant's rooms are over, its buffer
// goes to the writer, behind the last of its facts, so that a block is
// written only after all of its rooms are.
//
// Memory: one tenant's rooms of new blocks at a time, at most max; a
// tenant with more (a backlog of many days of a large tenant) has its
// new blocks rebuilt from room_facts at the end of the run, as before.
type newBlocks struct {
	db  *store.DB
	max int
	// all: there were no facts at all when the run began, so every
	// block is new.
	all   bool
	isNew map[store.BlockKey]bool
	buf   *store.BlockBuffer // the current tenant's
	skip  string             // a tenant that went over max
}

// add collects the rooms of b that fall in new blocks and returns the
// buffers of the tenants that b has ended: the caller sends them to the
// writer after b.
func (nb *newBlocks) add(ctx context.Context, b *store.FactsBatch) ([]*store.BlockBuffer, error) {
	if err := nb.classify(ctx, b.Rooms); err != nil {
		return nil, err
	}
	var done []*store.BlockBuffer
	for i := range b.Rooms {
		r := &b.Rooms[i]
		if nb.buf != nil && nb.buf.Tenant() != r.TenantID {
			done = append(done, nb.buf)
			nb.buf = nil
		}
		if r.TenantID == nb.skip || !nb.isNew[blockOf(r)] {
			continue
		}
		if nb.buf == nil {
			nb.buf = store.NewBlockBuffer(r.TenantID)
		}
		nb.buf.Add(r)
		if nb.buf.Rooms() > nb.max {
			nb.buf.Release()
			nb.buf, nb.skip = nil, r.TenantID
		}
	}
	return done, nil
}

// finish returns the last tenant's buffer, if any, at the end of the
// stream.
func (nb *newBlocks) finish() *store.BlockBuffer {
	buf := nb.buf
	nb.buf = nil
	return buf
}

// classify decides, for the blocks of rooms not seen before in the run,
// whether they are new.
func (nb *newBlocks) classify(ctx context.Context, rooms []metrics.Room) error {
	var ask []store.BlockKey
	for i := range rooms {
		k := blockOf(&rooms[i])
		if _, seen := nb.isNew[k]; !seen {
			nb.isNew[k] = nb.all
			ask = append(ask, k)
		}
	}
	if nb.all || len(ask) == 0 {
		return nil
	}
	fresh, err := nb.db.BlocksWithoutFacts(ctx, ask)
	if err != nil {
		return err
	}
	for k := range fresh {
		nb.isNew[k] = true
	}
	return nil
}

func blockOf(r *metrics.Room) store.BlockKey {
	return store.BlockKey{TenantID: r.TenantID, Day: store.BlockDay(r.OpenedAt)}
}
