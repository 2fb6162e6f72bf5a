package etl

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"sqi/metrics"
	"sqi/store"
)

// pipeline turns the COPY stream's rows into room facts in three stages,
// each on a goroutine of its own, so that reading, computing and writing
// overlap (on two cores, the server's COPY never waits for Go to compute):
//
//  1. the reader (the goroutine that pgconn's CopyTo writes into) parses
//     the stream into Arrow batches (copyReader);
//  2. the computer cuts each batch into rooms, reads the earlier events of
//     known rooms again and computes their facts (metrics.ComputeRoom);
//  3. the writer writes each batch of facts in one transaction
//     (store.WriteFacts), and the blocks that the run makes whole from
//     the rooms it computed (newBlocks).
//
// Between two stages waits at most one batch, so memory is bounded by a
// few batches whatever the backlog: a stage that falls behind holds the
// one before it back, down to the server's COPY (TCP back-pressure).
type pipeline struct {
	r   *Runner
	tx  pgx.Tx
	res *Result

	cut     cutter
	rejects []metrics.Reject
	tenants map[string]string // interned tenant ids, the writer's
	// blocks, when set, collects the rooms of new blocks (newBlocks).
	blocks *newBlocks

	// onWritten, when set, sees every facts batch once it is written
	// (the reconciliation counts what it repaired).
	onWritten func(*writeBatch, store.FactsWritten)

	// empty: the service database had no facts or rejects when the run
	// began, so no room is known. incremental: not the first run, so a
	// known room's earlier events are not in the stream.
	empty, incremental bool
	computed           int64 // rooms computed so far, for Runner.Progress

	writes  chan *writeBatch
	written chan error
	cancel  context.CancelFunc
}

// writeBatch is what the writer writes at once: the facts of a batch of
// rooms and the events of rooms whose ids the API cannot address, or a
// tenant's new blocks.
type writeBatch struct {
	facts *store.FactsBatch
	feed  []store.FeedReject
	// patch: the rooms of facts that the run's end patches blocks with
	// (newBlocks.patchKeys); all of them when nil.
	patch  []store.RoomKey
	blocks *store.BlockBuffer
}

// eventBatch is one parsed batch of the stream; last marks the end of the
// stream (after which no room goes on).
type eventBatch struct {
	rec  arrowRecord
	last bool
}

func (p *pipeline) run(ctx context.Context, conn *pgconn.PgConn, copySQL string) (err error) {
	// A failed write or computation stops the stream at once (cancel);
	// the run's error is the first stage's that failed, not the
	// cancellation it caused in the others.
	ctx, stop := p.startWriter(ctx)
	defer func() {
		if werr := stop(); werr != nil {
			err = werr
		}
	}()
	batches := make(chan eventBatch, 1)
	computed := make(chan error, 1)
	go func() {
		err := p.computeAll(ctx, batches)
		if err != nil {
			p.cancel()
		}
		computed <- err
	}()

	bb := newBatchBuilder(p.r.BatchEvents)
	hand := func(last bool) error {
		select {
		case batches <- eventBatch{rec: bb.flush(), last: last}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	cr := newCopyReader(bb, p.r.BatchEvents, func() error { return hand(false) })
	_, rerr := conn.CopyTo(ctx, cr, copySQL)
	if rerr != nil {
		rerr = fmt.Errorf("read events: %w", rerr)
	} else {
		rerr = hand(true)
	}
	// Without a last batch (a failed read), the computer leaves the room
	// that may go on uncomputed; the batches before it are written.
	close(batches)
	if cerr := <-computed; cerr != nil {
		return cerr
	}
	p.res.EventsRead = cr.rows
	return rerr
}

// computeAll is the computer: it cuts each batch into rooms and sends
// their facts to the writer.
func (p *pipeline) computeAll(ctx context.Context, batches <-chan eventBatch) error {
	var events int64
	for b := range batches {
		events += b.rec.NumRows()
		p.cut.cut(b.rec, b.last)
		b.rec.Release()
		if err := p.flushRooms(ctx, p.cut.rooms); err != nil {
			return err
		}
		if b.last && p.blocks != nil {
			if err := p.sendBlocks(ctx, p.blocks.finish()); err != nil {
				return err
			}
		}
		if p.r.Progress != nil {
			p.r.Progress(events, p.computed)
		}
	}
	return nil
}

// cutter cuts batches, ordered by room, into the events of each room, in
// one buffer of events per batch that it reuses: a room is a slice of it.
// The last room of a batch may go on in the next one: its events move to
// the front of the buffer, before the next batch's.
type cutter struct {
	buf   []metrics.Event
	carry int // the events at the end of buf of the room that may go on
	rooms [][]metrics.Event
}

// cut cuts rec into c.rooms, which are valid until the next cut. The
// events' strings alias the batch's buffers, Go slices left to the
// garbage collector: they stay valid after the batch is released.
func (c *cutter) cut(rec arrowRecord, last bool) {
	cols := colsOf(rec)
	n := int(rec.NumRows())
	held := c.buf[len(c.buf)-c.carry:]
	if need := c.carry + n; cap(c.buf) >= need {
		c.buf = c.buf[:need]
	} else {
		c.buf = make([]metrics.Event, need, need+need/8) // room for the next carry
	}
	copy(c.buf, held)
	for i := range n {
		cols.event(i, &c.buf[c.carry+i])
	}
	c.rooms = c.rooms[:0]
	start := 0
	for i := 1; i < len(c.buf); i++ {
		if c.buf[i].RoomID != c.buf[start].RoomID || c.buf[i].TenantID != c.buf[start].TenantID {
			c.rooms = append(c.rooms, c.buf[start:i:i])
			start = i
		}
	}
	c.carry = len(c.buf) - start
	if last && c.carry > 0 {
		c.rooms = append(c.rooms, c.buf[start:])
		c.carry = 0
	}
}

// startWriter starts the writer goroutine. The returned context ends
// when a stage fails; stop waits for the writes sent so far and returns
// the first write error.
func (p *pipeline) startWriter(ctx context.Context) (context.Context, func() error) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.writes, p.written = make(chan *writeBatch), make(chan error, 1)
	go p.writer(ctx)
	return ctx, func() error {
		close(p.writes)
		err := <-p.written
		p.cancel()
		return err
	}
}

// writer writes the batches it receives, one at a time; after the first
// error it only drains. It reports on written when writes is closed.
func (p *pipeline) writer(ctx context.Context) {
	var err error
	for b := range p.writes {
		if err != nil {
			continue
		}
		if err = p.write(ctx, b); err != nil {
			p.cancel()
		}
	}
	p.written <- err
}

func (p *pipeline) write(ctx context.Context, b *writeBatch) error {
	if b.blocks != nil {
		n, err := p.r.Store.WriteBlocks(ctx, b.blocks)
		b.blocks.Release()
		p.res.BlocksRebuilt += n
		p.res.blocksFromMemory += n
		return err
	}
	if len(b.feed) > 0 {
		n, err := p.r.Store.WriteFeedRejects(ctx, b.feed)
		if err != nil {
			return err
		}
		p.res.FeedRejects += n
	}
	if b.facts == nil {
		return nil
	}
	w, err := p.r.Store.WriteFacts(ctx, b.facts)
	if err != nil {
		return err
	}
	p.res.RoomsRecomputed += int64(len(b.facts.Keys))
	if p.r.changed != nil {
		patch := b.patch
		if patch == nil {
			patch = b.facts.Keys
		}
		for _, k := range patch {
			// Copies: the keys alias the batch's Arrow buffers, which a
			// key kept until the end of the run would keep whole.
			p.r.changed[store.RoomKey{TenantID: p.intern(k.TenantID), RoomID: strings.Clone(k.RoomID)}] = true
		}
	}
	p.res.RoomsChanged += w.RoomsChanged
	p.res.Rejects += int64(len(b.facts.Rejects))
	if p.onWritten != nil {
		p.onWritten(b, w)
	}
	return nil
}

// flushRooms completes rooms with their earlier events, computes their
// facts and sends them to the writer. rooms may be changed.
func (p *pipeline) flushRooms(ctx context.Context, rooms [][]metrics.Event) error {
	if len(rooms) == 0 {
		return nil
	}
	rooms, feed := splitBadIDs(rooms)
	keys := make([]store.RoomKey, len(rooms))
	for i, evs := range rooms {
		keys[i] = store.RoomKey{TenantID: evs[0].TenantID, RoomID: evs[0].RoomID}
	}
	known := map[store.RoomKey]bool{}
	if !p.empty && len(keys) > 0 {
		var err error
		if known, err = p.r.Store.KnownRooms(ctx, keys); err != nil {
			return err
		}
	}
	// A first run reads every event already: nothing to read again.
	if len(known) > 0 && p.incremental {
		if err := p.reread(ctx, rooms, keys, known); err != nil {
			return err
		}
	}
	facts := p.compute(rooms, keys, known)
	var (
		done  []*store.BlockBuffer
		patch []store.RoomKey
	)
	if p.blocks != nil && facts != nil {
		var err error
		if done, err = p.blocks.add(ctx, facts); err != nil {
			return err
		}
		patch = p.blocks.patchKeys(facts)
		if patch == nil {
			patch = []store.RoomKey{}
		}
	}
	if err := p.send(ctx, &writeBatch{facts: facts, feed: feed, patch: patch}); err != nil {
		return err
	}
	for _, buf := range done {
		if err := p.sendBlocks(ctx, buf); err != nil {
			return err
		}
	}
	return nil
}

// splitBadIDs takes out the rooms whose tenant or room id the API cannot
// address: their events become feed rejects, never facts.
func splitBadIDs(rooms [][]metrics.Event) (good [][]metrics.Event, feed []store.FeedReject) {
	good = rooms[:0:0]
	for _, evs := range rooms {
		reason := metrics.IDReject(evs[0].TenantID, evs[0].RoomID)
		if reason == "" {
			good = append(good, evs)
			continue
		}
		for _, e := range evs {
			feed = append(feed, store.FeedReject{TenantID: e.TenantID, RoomID: e.RoomID, EventID: e.EventID,
				Reason: reason, OccurredAt: e.OccurredAt})
		}
	}
	return good, feed
}

// compute turns rooms (each all the events of one room; nil for a known
// room that has no event left) into the batch the writer writes.
func (p *pipeline) compute(rooms [][]metrics.Event, keys []store.RoomKey, known map[store.RoomKey]bool) *store.FactsBatch {
	if len(keys) == 0 {
		return nil
	}
	b := &store.FactsBatch{Keys: keys, Known: known, Rooms: make([]metrics.Room, 0, len(rooms))}
	for i, evs := range rooms {
		if len(evs) == 0 {
			continue // the writer deletes what the room had
		}
		room, rej, ok := metrics.ComputeRoom(evs, p.rejects)
		p.rejects = rej
		opened := room.OpenedAt
		if !ok {
			opened = evs[0].OccurredAt // sorted: the earliest event
		}
		for _, j := range rej {
			b.Rejects = append(b.Rejects, store.RejectRow{RoomKey: keys[i], OpenedAt: opened, Reject: j})
		}
		if ok {
			b.Rooms = append(b.Rooms, room)
		}
	}
	p.computed += int64(len(rooms))
	return b
}

// send hands a batch to the writer goroutine.
func (p *pipeline) send(ctx context.Context, b *writeBatch) error {
	if b.facts == nil && len(b.feed) == 0 {
		return nil
	}
	select {
	case p.writes <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// intern returns a copy of tenant, the same for every key.
func (p *pipeline) intern(tenant string) string {
	if t, ok := p.tenants[tenant]; ok {
		return t
	}
	if p.tenants == nil {
		p.tenants = map[string]string{}
	}
	t := strings.Clone(tenant)
	p.tenants[t] = t
	return t
}

// sendBlocks encodes a tenant's new blocks and hands them to the writer,
// which writes them after the facts sent before.
func (p *pipeline) sendBlocks(ctx context.Context, buf *store.BlockBuffer) error {
	if buf == nil {
		return nil
	}
	if err := buf.Encode(); err != nil {
		buf.Release()
		return err
	}
	select {
	case p.writes <- &writeBatch{blocks: buf}:
		return nil
	case <-ctx.Done():
		buf.Release()
		return ctx.Err()
	}
}

// reread replaces the events of the known rooms with all of their events:
// a room touched by a new event is recomputed from everything it has.
func (p *pipeline) reread(ctx context.Context, rooms [][]metrics.Event, keys []store.RoomKey, known map[store.RoomKey]bool) error {
	var want []store.RoomKey
	for k := range known {
		want = append(want, k)
	}
	all, err := readRooms(ctx, p.tx, want)
	if err != nil {
		return err
	}
	for i, k := range keys {
		if known[k] {
			rooms[i] = all[k]
		}
	}
	return nil
}
