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
// Memory: about one block (what a rebuild from room_facts holds too),
// whatever the backlog. A tenant's rooms come in room id order, the days
// of a backlog mixed: while they are few (Runner.BlockRooms) the rooms of
// all of its new days are kept; past that, only those of the day with the
// most rooms so far, and the other days are rebuilt from room_facts at the
// end of the run (full), as before. A day's backlog falls mostly on one
// UTC date, which stays in memory.
type newBlocks struct {
	db      *store.DB
	several int // Runner.BlockRooms
	// all: there were no facts at all when the run began, so every
	// block is new.
	all   bool
	isNew map[store.BlockKey]bool
	buf   *store.BlockBuffer // the current tenant's
	// full: the new blocks dropped from memory, for the end of the run
	// to rebuild whole from room_facts.
	full map[store.BlockKey]bool
}

func newNewBlocks(db *store.DB, several int, all bool) *newBlocks {
	return &newBlocks{db: db, several: several, all: all, isNew: map[store.BlockKey]bool{}, full: map[store.BlockKey]bool{}}
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
		k := blockOf(r)
		if !nb.isNew[k] || nb.full[k] {
			continue
		}
		if nb.buf == nil {
			nb.buf = store.NewBlockBuffer(r.TenantID)
		}
		if nb.buf.Rooms() >= nb.several {
			if nb.buf.NumDays() > 1 {
				for _, d := range nb.buf.KeepLargestDay() {
					nb.full[store.BlockKey{TenantID: r.TenantID, Day: d}] = true
				}
			}
			if !nb.buf.Holds(k.Day) {
				nb.full[k] = true // another day beside the one kept
				continue
			}
		}
		nb.buf.Add(r)
	}
	return done, nil
}

// patchKeys are the rooms of b that the end of the run must know to patch
// the blocks they leave or join (store.BlockHint): the rooms that had
// facts before (their old block loses them) and the new rooms of blocks
// that are not new. A new room of a new block needs no patch: its block
// is written whole, from memory or from room_facts (full). Keeping only
// these keeps the run's memory flat over a backlog of new days. Call it
// after add.
func (nb *newBlocks) patchKeys(b *store.FactsBatch) []store.RoomKey {
	var keys []store.RoomKey
	for _, k := range b.Keys {
		if b.Known[k] {
			keys = append(keys, k)
		}
	}
	for i := range b.Rooms {
		r := &b.Rooms[i]
		k := store.RoomKey{TenantID: r.TenantID, RoomID: r.RoomID}
		if !b.Known[k] && !nb.isNew[blockOf(r)] {
			keys = append(keys, k)
		}
	}
	return keys
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
