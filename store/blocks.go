package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"sqi/metrics"
)

// A block holds the facts of one tenant's rooms opened on one UTC date as
// two compressed Arrow IPC streams: the rooms, and their turns (each
// pointing at its room by index). Queries read blocks, not room_facts rows
// (migrations/00002_room_blocks.sql).

var (
	tsType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

	// blockRoomSchema has one column per metrics.BlockFields entry.
	blockRoomSchema = func() *arrow.Schema {
		fields := make([]arrow.Field, len(metrics.BlockFields))
		for i, f := range metrics.BlockFields {
			fields[i] = arrow.Field{Name: f.Name, Type: blockType(f), Nullable: f.Nullable()}
		}
		return arrow.NewSchema(fields, nil)
	}()

	blockTurnSchema = arrow.NewSchema([]arrow.Field{
		{Name: "room", Type: arrow.PrimitiveTypes.Int32},
		{Name: "customer", Type: arrow.FixedWidthTypes.Boolean}, // a customer reply turn
		// null when the turn's agent is the room's (almost always): a turn
		// whose agent is "" belongs to a room whose agent is "" too.
		{Name: "agent_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "opened_at", Type: tsType},
		{Name: "answered_at", Type: tsType, Nullable: true}, // null: unanswered
	}, nil)
)

// blockType is the Arrow type of a block column.
func blockType(f *metrics.RoomField) arrow.DataType {
	switch f.Kind {
	case metrics.FieldTime:
		return tsType
	case metrics.FieldSeconds:
		return arrow.PrimitiveTypes.Float64
	case metrics.FieldCount:
		if f.SmallInt() {
			return arrow.PrimitiveTypes.Int16
		}
		return arrow.PrimitiveTypes.Int32
	case metrics.FieldBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// blockBuilder builds the two records of a block.
type blockBuilder struct {
	rooms, turns *array.RecordBuilder
	n            int32
}

func newBlockBuilder() *blockBuilder {
	return &blockBuilder{
		rooms: array.NewRecordBuilder(memory.DefaultAllocator, blockRoomSchema),
		turns: array.NewRecordBuilder(memory.DefaultAllocator, blockTurnSchema),
	}
}

func (b *blockBuilder) release() { b.rooms.Release(); b.turns.Release() }

func (b *blockBuilder) add(r *metrics.Room) {
	for i, f := range metrics.BlockFields {
		bl := b.rooms.Field(i)
		c := f.Fact(r)
		if c.Null {
			bl.AppendNull()
			continue
		}
		switch bl := bl.(type) {
		case *array.TimestampBuilder:
			bl.Append(arrow.Timestamp(c.T.UnixMicro()))
		case *array.Float64Builder:
			bl.Append(c.F)
		case *array.Int32Builder:
			bl.Append(int32(c.I))
		case *array.Int16Builder:
			bl.Append(int16(c.I))
		case *array.BooleanBuilder:
			bl.Append(c.B)
		case *array.StringBuilder:
			bl.Append(c.S)
		}
	}
	t := b.turns.Fields()
	for _, set := range metrics.TurnSets {
		for _, turn := range *set.Turns(r) {
			t[0].(*array.Int32Builder).Append(b.n)
			t[1].(*array.BooleanBuilder).Append(set.Customer)
			if turn.Agent == r.Agent || turn.Agent == "" {
				t[2].AppendNull()
			} else {
				t[2].(*array.StringBuilder).Append(turn.Agent)
			}
			t[3].(*array.TimestampBuilder).Append(arrow.Timestamp(turn.OpenedAt.UnixMicro()))
			if turn.Answered() {
				t[4].(*array.TimestampBuilder).Append(arrow.Timestamp(turn.AnsweredAt.UnixMicro()))
			} else {
				t[4].AppendNull()
			}
		}
	}
	b.n++
}

// encode returns the two IPC streams.
func (b *blockBuilder) encode() (rooms, turns []byte, err error) {
	rr, tr := b.rooms.NewRecordBatch(), b.turns.NewRecordBatch()
	defer rr.Release()
	defer tr.Release()
	return encodeRecords(rr, tr)
}

// encodeRecords writes the rooms and turns records of a block as two
// LZ4-compressed IPC streams, each compressed by two goroutines.
func encodeRecords(rooms, turns arrow.RecordBatch) (roomsIPC, turnsIPC []byte, err error) {
	enc := func(rec arrow.RecordBatch) ([]byte, error) {
		var buf bytes.Buffer
		w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()), ipc.WithLZ4(), ipc.WithCompressConcurrency(2))
		if err := w.Write(rec); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if roomsIPC, err = enc(rooms); err != nil {
		return nil, nil, fmt.Errorf("encode rooms block: %w", err)
	}
	if turnsIPC, err = enc(turns); err != nil {
		return nil, nil, fmt.Errorf("encode turns block: %w", err)
	}
	return roomsIPC, turnsIPC, nil
}

// BlockHint tells RebuildBlocks which rooms a run wrote, so that a dirty
// block can be rebuilt from its stored version and those rooms alone
// instead of from all of its room_facts rows: what keeps an ETL tick of a
// hundred events on a 50,000-room day in milliseconds. Full lists the
// blocks that were dirty before the run began (a run that died after
// writing facts): their changed rooms are unknown, so they are rebuilt
// whole.
type BlockHint struct {
	Changed map[RoomKey]bool
	Full    map[BlockKey]bool
}

// BlockKey names a block: a tenant and a UTC date.
type BlockKey struct {
	TenantID string
	Day      time.Time
}

// DirtyBlocks lists the blocks marked for rebuilding.
func (db *DB) DirtyBlocks(ctx context.Context) (map[BlockKey]bool, error) {
	keys, err := db.dirtyBlocks(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[BlockKey]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}

func (db *DB) dirtyBlocks(ctx context.Context) ([]BlockKey, error) {
	const dirty = `SELECT tenant_id, day FROM blocks_dirty ORDER BY tenant_id, day`
	rows, err := db.Pool.Query(ctx, dirty)
	if err != nil {
		return nil, fmt.Errorf("dirty blocks: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlockKey, error) {
		var k BlockKey
		err := r.Scan(&k.TenantID, &k.Day)
		k.Day = time.Date(k.Day.Year(), k.Day.Month(), k.Day.Day(), 0, 0, 0, 0, time.UTC)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("dirty blocks: %w", err)
	}
	return keys, nil
}

// RebuildBlocks rebuilds every dirty block and returns how many it
// rebuilt: from its stored version and the rooms of hint.Changed when the
// hint allows, else from room_facts. The ETL calls it after writing facts;
// the ETL lock keeps two from running at once.
func (db *DB) RebuildBlocks(ctx context.Context, hint *BlockHint) (int, error) {
	keys, err := db.dirtyBlocks(ctx)
	if err != nil {
		return 0, err
	}
	// Two at a time: each block is one database read and one Go encode.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for _, k := range keys {
		full := hint == nil || hint.Full[k]
		g.Go(func() error { return db.rebuildBlock(gctx, k.TenantID, k.Day, full, hint) })
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return len(keys), nil
}

// putBlock stores the block of tenant and day (none when n is 0: the
// block is deleted) under a new version and clears its dirty mark.
func putBlock(ctx context.Context, tx pgx.Tx, tenant string, day time.Time, n int, rooms, turns []byte) error {
	const (
		upsert = `INSERT INTO room_blocks (tenant_id, day, rooms, rooms_ipc, turns_ipc, updated_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (tenant_id, day) DO UPDATE SET rooms = $3, rooms_ipc = $4, turns_ipc = $5, updated_at = now(),
  version = nextval('room_blocks_version')`
		del   = `DELETE FROM room_blocks WHERE tenant_id = $1 AND day = $2`
		clean = `DELETE FROM blocks_dirty WHERE tenant_id = $1 AND day = $2`
	)
	if n == 0 {
		if _, err := tx.Exec(ctx, del, tenant, day); err != nil {
			return fmt.Errorf("delete block: %w", err)
		}
	} else if _, err := tx.Exec(ctx, upsert, tenant, day, n, rooms, turns); err != nil {
		return fmt.Errorf("write block: %w", err)
	}
	if _, err := tx.Exec(ctx, clean, tenant, day); err != nil {
		return fmt.Errorf("clean dirty block: %w", err)
	}
	return nil
}

func (db *DB) rebuildBlock(ctx context.Context, tenant string, day time.Time, full bool, hint *BlockHint) error {
	const old = `SELECT rooms_ipc, turns_ipc FROM room_blocks WHERE tenant_id = $1 AND day = $2`
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		b := newBlockBuilder()
		defer b.release()
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 0, 1)
		var prev Block
		if !full {
			err := tx.QueryRow(ctx, old, tenant, day).Scan(&prev.roomsIPC, &prev.turnsIPC)
			if errors.Is(err, pgx.ErrNoRows) {
				full = true // a new block: from its rows
			} else if err != nil {
				return fmt.Errorf("read block: %w", err)
			}
		}
		var (
			n           int
			rooms, turn []byte
			err         error
		)
		if full {
			err = roomRows(ctx, tx, tenant, start, end, func(r *metrics.Room) error {
				b.add(r)
				return nil
			})
			if err == nil && b.n > 0 {
				n = int(b.n)
				rooms, turn, err = b.encode()
			}
		} else {
			n, rooms, turn, err = patchBlock(ctx, tx, prev, tenant, start, end, hint.Changed)
		}
		if err != nil {
			return err
		}
		return putBlock(ctx, tx, tenant, day, n, rooms, turn)
	})
}

// patchBlock builds the block from its stored version without the changed
// rooms, merged with the changed rooms' rows that belong to the block now,
// in (opened_at, room_id) order: the order roomRows gives, so that a
// patched block is the block a full rebuild would give. The kept rooms are
// copied as slices of the stored columns, never decoded: a tick of a
// hundred events on a 50,000-room day costs the compression of the block,
// not its rebuilding.
func patchBlock(ctx context.Context, tx pgx.Tx, prev Block, tenant string, start, end time.Time,
	changed map[RoomKey]bool) (n int, roomsIPC, turnsIPC []byte, err error) {
	var ids []string
	for k := range changed {
		if k.TenantID == tenant {
			ids = append(ids, k.RoomID)
		}
	}
	const q = `SELECT %s FROM room_facts
WHERE tenant_id = $1 AND room_id = ANY($2) AND opened_at >= $3 AND opened_at < $4
ORDER BY opened_at, room_id COLLATE "C"`
	fresh := newBlockBuilder()
	defer fresh.release()
	var freshKeys []roomOrder
	err = scanRooms(ctx, tx, fmt.Sprintf(q, roomColumns), []any{tenant, ids, start, end}, func(r *metrics.Room) error {
		fresh.add(r)
		freshKeys = append(freshKeys, roomOrder{r.OpenedAt.UnixMicro(), r.RoomID})
		return nil
	})
	if err != nil {
		return 0, nil, nil, err
	}
	fr, ft := fresh.rooms.NewRecordBatch(), fresh.turns.NewRecordBatch()
	defer fr.Release()
	defer ft.Release()
	or, err := readRecord(prev.roomsIPC, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("decode rooms block: %w", err)
	}
	defer or.Release()
	ot, err := readRecord(prev.turnsIPC, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("decode turns block: %w", err)
	}
	defer ot.Release()
	if !or.Schema().Equal(blockRoomSchema) || !ot.Schema().Equal(blockTurnSchema) {
		// A block of an older shape: rebuild it whole from its rows.
		b := newBlockBuilder()
		defer b.release()
		if err := roomRows(ctx, tx, tenant, start, end, func(r *metrics.Room) error { b.add(r); return nil }); err != nil {
			return 0, nil, nil, err
		}
		if b.n == 0 {
			return 0, nil, nil, nil
		}
		r, t, err := b.encode()
		return int(b.n), r, t, err
	}

	// The segments of the new block, in order: runs of kept stored rooms
	// and single fresh rooms.
	type segment struct {
		fresh      bool
		from, to   int // rooms [from, to) of the stored or the fresh record
		tFrom, tTo int // their turns
	}
	opened := or.Column(blockRoomSchema.FieldIndices("opened_at")[0]).(*array.Timestamp)
	roomID := or.Column(blockRoomSchema.FieldIndices("room_id")[0]).(*array.String)
	oStarts := turnStarts(ot, int(or.NumRows()))
	fStarts := turnStarts(ft, int(fr.NumRows()))
	var segs []segment
	keep := func(from, to int) {
		if from < to {
			segs = append(segs, segment{from: from, to: to, tFrom: oStarts[from], tTo: oStarts[to]})
		}
	}
	fi, runStart := 0, 0
	for row := 0; row < int(or.NumRows()); row++ {
		at, id := int64(opened.Value(row)), roomID.Value(row)
		for fi < len(freshKeys) && freshKeys[fi].before(at, id) {
			keep(runStart, row)
			runStart = row
			segs = append(segs, segment{fresh: true, from: fi, to: fi + 1, tFrom: fStarts[fi], tTo: fStarts[fi+1]})
			fi++
		}
		if changed[RoomKey{tenant, id}] {
			keep(runStart, row)
			runStart = row + 1
		}
	}
	keep(runStart, int(or.NumRows()))
	for ; fi < len(freshKeys); fi++ {
		segs = append(segs, segment{fresh: true, from: fi, to: fi + 1, tFrom: fStarts[fi], tTo: fStarts[fi+1]})
	}

	mem := memory.DefaultAllocator
	concat := func(rec func(fresh bool) arrow.RecordBatch, col int, rows func(s segment) (int, int)) (arrow.Array, error) {
		parts := make([]arrow.Array, 0, len(segs))
		for _, s := range segs {
			from, to := rows(s)
			if from == to {
				continue
			}
			parts = append(parts, array.NewSlice(rec(s.fresh).Column(col), int64(from), int64(to)))
		}
		defer func() {
			for _, p := range parts {
				p.Release()
			}
		}()
		if len(parts) == 0 {
			return array.MakeArrayOfNull(mem, rec(false).Schema().Field(col).Type, 0), nil
		}
		return array.Concatenate(parts, mem)
	}
	roomsOf := func(fresh bool) arrow.RecordBatch {
		if fresh {
			return fr
		}
		return or
	}
	turnsOf := func(fresh bool) arrow.RecordBatch {
		if fresh {
			return ft
		}
		return ot
	}
	var rcols, tcols []arrow.Array
	defer func() {
		for _, a := range append(rcols, tcols...) {
			a.Release()
		}
	}()
	for c := range blockRoomSchema.NumFields() {
		a, err := concat(roomsOf, c, func(s segment) (int, int) { return s.from, s.to })
		if err != nil {
			return 0, nil, nil, fmt.Errorf("patch block: %w", err)
		}
		rcols = append(rcols, a)
	}
	// The turns' room index is renumbered to the rooms' new places.
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	pos := 0
	for _, s := range segs {
		idx := turnsOf(s.fresh).Column(0).(*array.Int32)
		for t := s.tFrom; t < s.tTo; t++ {
			ib.Append(int32(pos + int(idx.Value(t)) - s.from))
		}
		pos += s.to - s.from
	}
	tcols = append(tcols, ib.NewArray())
	for c := 1; c < blockTurnSchema.NumFields(); c++ {
		a, err := concat(turnsOf, c, func(s segment) (int, int) { return s.tFrom, s.tTo })
		if err != nil {
			return 0, nil, nil, fmt.Errorf("patch block: %w", err)
		}
		tcols = append(tcols, a)
	}
	if pos == 0 {
		return 0, nil, nil, nil
	}
	rooms := array.NewRecordBatch(blockRoomSchema, rcols, int64(pos))
	defer rooms.Release()
	turns := array.NewRecordBatch(blockTurnSchema, tcols, int64(tcols[0].Len()))
	defer turns.Release()
	roomsIPC, turnsIPC, err = encodeRecords(rooms, turns)
	return pos, roomsIPC, turnsIPC, err
}

// turnStarts returns where the turns of each of a block's rooms start in
// its turns record (the turns of room r are [starts[r], starts[r+1])).
func turnStarts(turns arrow.RecordBatch, rooms int) []int {
	idx := turns.Column(0).(*array.Int32)
	starts := make([]int, rooms+1)
	t := 0
	for r := 0; r <= rooms; r++ {
		for t < idx.Len() && int(idx.Value(t)) < r {
			t++
		}
		starts[r] = t
	}
	return starts
}

// roomOrder is a room's place in a block: (opened_at, room_id), ids in
// byte order.
type roomOrder struct {
	at int64
	id string
}

func (o roomOrder) before(at int64, id string) bool {
	if o.at != at {
		return o.at < at
	}
	return o.id < id
}

// Block is one stored block: the compressed facts of one tenant's rooms
// opened on one UTC date, as stored (IPC bytes, valid while the call that
// gave the block runs) or decoded (Arrow records, owned until Release).
type Block struct {
	roomsIPC, turnsIPC []byte
	rooms, turns       arrow.RecordBatch
}

// Decode returns the block decoded: Arrow records that no longer need the
// stored bytes, to keep beyond the call that gave the block or to hand to
// another goroutine. The caller releases it.
func (b Block) Decode() (Block, error) {
	if b.rooms != nil {
		return b, nil
	}
	rooms, err := readRecord(b.roomsIPC, nil)
	if err != nil {
		return Block{}, fmt.Errorf("decode rooms block: %w", err)
	}
	turns, err := readRecord(b.turnsIPC, blockTurnSchema)
	if err != nil {
		rooms.Release()
		return Block{}, fmt.Errorf("decode turns block: %w", err)
	}
	return Block{rooms: rooms, turns: turns}, nil
}

// Release drops the block's memory: the next block's can take it.
func (b *Block) Release() {
	if b.rooms != nil {
		b.rooms.Release()
		b.turns.Release()
	}
	*b = Block{}
}

// Rooms calls fn with each room of the block opened in [start, end), in
// (opened_at, room_id) order. The room passed to fn is reused and carries
// the facts of the blocks (metrics.BlockFields), no tenant. Rooms may run
// concurrently on different blocks.
func (b Block) Rooms(start, end time.Time, fn func(*metrics.Room) error) error {
	d, err := b.Decode()
	if err != nil {
		return err
	}
	if b.rooms == nil {
		defer d.Release()
	}
	var r metrics.Room
	return walkBlock(d.rooms, d.turns, start, end, &r, fn)
}

// BlockRef names a stored block: its UTC date and its version, which
// changes with every rebuild.
type BlockRef struct {
	Day     time.Time
	Version int64
}

// blockDays returns the UTC dates of the blocks that may hold rooms opened
// in [start, end).
func blockDays(start, end time.Time) (first, last time.Time) {
	return start.UTC().Truncate(24 * time.Hour), end.Add(-time.Microsecond).UTC().Truncate(24 * time.Hour)
}

// BlockRefs lists the blocks of tenantID that may hold rooms opened in
// [start, end), in date order: a cheap look-up of versions, without the
// blocks' bytes.
func (db *DB) BlockRefs(ctx context.Context, tenantID string, start, end time.Time) ([]BlockRef, error) {
	const q = `SELECT day, version FROM room_blocks WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`
	first, last := blockDays(start, end)
	rows, err := db.Pool.Query(ctx, q, tenantID, first, last)
	if err != nil {
		return nil, fmt.Errorf("block versions: %w", err)
	}
	refs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BlockRef, error) {
		var b BlockRef
		err := r.Scan(&b.Day, &b.Version)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("block versions: %w", err)
	}
	return refs, nil
}

// ReadBlocks calls fn with each block of tenantID on the given UTC dates,
// with the version it has now, in date order. A date without a block is
// skipped. The block's bytes are valid during the call: fn keeps the block,
// or hands it to another goroutine, with Block.Decode, so that what is kept
// is the decoded block alone, never a copy of its compressed bytes too.
func (db *DB) ReadBlocks(ctx context.Context, tenantID string, days []time.Time, fn func(BlockRef, Block) error) error {
	const q = `SELECT day, version, rooms_ipc, turns_ipc FROM room_blocks
WHERE tenant_id = $1 AND day = ANY($2) ORDER BY day`
	rows, err := db.Pool.Query(ctx, q, tenantID, days)
	if err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref BlockRef
		if err := rows.Scan(&ref.Day, &ref.Version, nil, nil); err != nil {
			return fmt.Errorf("read blocks: %w", err)
		}
		raw := rows.RawValues() // valid until the next row
		if err := fn(ref, Block{roomsIPC: raw[2], turnsIPC: raw[3]}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	return nil
}

// RoomsFromBlocks calls fn with each room of tenantID opened in [start,
// end), in (opened_at, room_id) order, read from the room blocks: a month
// of rooms decodes in seconds where reading room_facts rows takes many
// more, and memory holds one block at a time. The room is reused and
// carries the facts of the blocks (metrics.BlockFields) and its tenant.
// The blocks are rebuilt at the end of each ETL run: during a run they may
// lag room_facts, as the SQI rows do, with which they agree.
func (db *DB) RoomsFromBlocks(ctx context.Context, tenantID string, start, end time.Time, fn func(*metrics.Room) error) error {
	return db.Blocks(ctx, tenantID, start, end, func(b Block) error {
		return b.Rooms(start, end, func(r *metrics.Room) error {
			r.TenantID = tenantID
			return fn(r)
		})
	})
}

// AllRooms decodes the block and calls fn with each of its rooms, as
// Rooms does.
func (b Block) AllRooms(fn func(*metrics.Room) error) error {
	return b.Rooms(time.UnixMicro(math.MinInt64/2), time.UnixMicro(math.MaxInt64/2), fn)
}

// Blocks calls fn with each block of tenantID that may hold rooms opened
// in [start, end), in date order; the block is valid during the call.
func (db *DB) Blocks(ctx context.Context, tenantID string, start, end time.Time, fn func(Block) error) error {
	const q = `SELECT rooms_ipc, turns_ipc FROM room_blocks
WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`
	first, last := blockDays(start, end)
	rows, err := db.Pool.Query(ctx, q, tenantID, first, last)
	if err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		// The row's bytes are decoded before the next row replaces them.
		raw := rows.RawValues()
		if err := fn(Block{roomsIPC: raw[0], turnsIPC: raw[1]}); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	return nil
}

// readRecord reads the one record of an IPC stream; with a schema, the
// stream must have exactly that schema.
func readRecord(data []byte, schema *arrow.Schema) (arrow.RecordBatch, error) {
	var opts []ipc.Option
	if schema != nil {
		opts = append(opts, ipc.WithSchema(schema))
	}
	rd, err := ipc.NewReader(bytes.NewReader(data), opts...)
	if err != nil {
		return nil, err
	}
	defer rd.Release()
	if !rd.Next() {
		if err := rd.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("empty stream")
	}
	rec := rd.RecordBatch()
	rec.Retain()
	return rec, nil
}

func walkBlock(rooms, turns arrow.RecordBatch, start, end time.Time, r *metrics.Room, fn func(*metrics.Room) error) error {
	// One typed setter per column, resolved once per block: r is reused,
	// so each writes through a pointer into it.
	// Text is copied out of the Arrow buffers once per distinct value of
	// the block: a partial kept in a cache holds its group keys, and must
	// not keep a block's buffers alive with them.
	interned := map[string]string{}
	intern := func(v string) string {
		if s, ok := interned[v]; ok {
			return s
		}
		s := strings.Clone(v)
		interned[s] = s
		return s
	}
	setters := make([]func(row int), len(metrics.BlockFields))
	var opened *array.Timestamp
	for i, f := range metrics.BlockFields {
		// By name: a block written before a column moved still decodes.
		idx := rooms.Schema().FieldIndices(f.Name)
		if len(idx) != 1 {
			return fmt.Errorf("decode rooms block: no column %s: the block predates it; run sqi etl --once to rebuild", f.Name)
		}
		col := rooms.Column(idx[0])
		if f.Name == "opened_at" {
			opened = col.(*array.Timestamp)
		}
		setters[i] = setter(f.Ptr(r), col, intern)
	}
	var (
		tRoom  = turns.Column(0).(*array.Int32)
		tCust  = turns.Column(1).(*array.Boolean)
		tAgent = turns.Column(2).(*array.String)
		tOpen  = turns.Column(3).(*array.Timestamp)
		tAns   = turns.Column(4).(*array.Timestamp)
		ti     = 0
		nt     = int(turns.NumRows())
	)
	lo, hi := start.UnixMicro(), end.UnixMicro()
	for row := 0; row < int(rooms.NumRows()); row++ {
		r.Replies, r.CustomerReplies = r.Replies[:0], r.CustomerReplies[:0]
		if us := int64(opened.Value(row)); us < lo || us >= hi {
			for ti < nt && int(tRoom.Value(ti)) == row {
				ti++
			}
			continue
		}
		for _, set := range setters {
			set(row)
		}
		for ; ti < nt && int(tRoom.Value(ti)) == row; ti++ {
			t := metrics.Turn{Agent: r.Agent, OpenedAt: time.UnixMicro(int64(tOpen.Value(ti))).UTC()}
			if tAgent.IsValid(ti) {
				t.Agent = intern(tAgent.Value(ti))
			}
			if tAns.IsValid(ti) {
				t.AnsweredAt = time.UnixMicro(int64(tAns.Value(ti))).UTC()
			}
			if tCust.Value(ti) {
				r.CustomerReplies = append(r.CustomerReplies, t)
			} else {
				r.Replies = append(r.Replies, t)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// setter returns a function that writes row of col into the field p
// points to (metrics.RoomField.Ptr); null is the field's zero or NaN.
func setter(p any, col arrow.Array, intern func(string) string) func(row int) {
	switch p := p.(type) {
	case *time.Time:
		a := col.(*array.Timestamp)
		return func(row int) {
			*p = time.Time{}
			if a.IsValid(row) {
				*p = time.UnixMicro(int64(a.Value(row))).UTC()
			}
		}
	case *string:
		a := col.(*array.String)
		return func(row int) {
			*p = ""
			if a.IsValid(row) {
				*p = intern(a.Value(row))
			}
		}
	case *float64:
		a := col.(*array.Float64)
		return func(row int) {
			*p = math.NaN()
			if a.IsValid(row) {
				*p = a.Value(row)
			}
		}
	case *int:
		a := col.(*array.Int32)
		return func(row int) { *p = int(a.Value(row)) }
	case *int16:
		a := col.(*array.Int16)
		return func(row int) {
			*p = 0
			if a.IsValid(row) {
				*p = a.Value(row)
			}
		}
	case *bool:
		a := col.(*array.Boolean)
		return func(row int) { *p = a.Value(row) }
	}
	panic(fmt.Sprintf("store: no block setter for %T", p))
}
