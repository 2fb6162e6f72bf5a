package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
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

	blockRoomSchema = arrow.NewSchema([]arrow.Field{
		{Name: "opened_at", Type: tsType},
		{Name: "queued_at", Type: tsType, Nullable: true},
		{Name: "assigned_at", Type: tsType, Nullable: true},
		{Name: "closed_at", Type: tsType, Nullable: true},
		{Name: "agent_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "team_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "channel", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "category", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "wait_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "first_response_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "assigned_response_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "handle_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "wrapup_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dropped", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "transfers", Type: arrow.PrimitiveTypes.Int32},
		{Name: "score", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "invalid_reason", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)

	blockTurnSchema = arrow.NewSchema([]arrow.Field{
		{Name: "room", Type: arrow.PrimitiveTypes.Int32},
		{Name: "customer", Type: arrow.FixedWidthTypes.Boolean}, // a customer reply turn
		// null when the turn's agent is the room's (almost always): a turn
		// whose agent is "" belongs to a room whose agent is "" too.
		{Name: "agent_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "seconds", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
)

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

func appendTS(bl array.Builder, t time.Time) {
	tb := bl.(*array.TimestampBuilder)
	if t.IsZero() {
		tb.AppendNull()
		return
	}
	tb.Append(arrow.Timestamp(t.UnixMicro()))
}

func appendStr(bl array.Builder, s string) {
	sb := bl.(*array.StringBuilder)
	if s == "" {
		sb.AppendNull()
		return
	}
	sb.Append(s)
}

func appendF(bl array.Builder, v float64) {
	fb := bl.(*array.Float64Builder)
	if math.IsNaN(v) {
		fb.AppendNull()
		return
	}
	fb.Append(v)
}

func (b *blockBuilder) add(r *metrics.Room) {
	f := b.rooms.Fields()
	appendTS(f[0], r.OpenedAt)
	appendTS(f[1], r.QueuedAt)
	appendTS(f[2], r.AssignedAt)
	appendTS(f[3], r.ClosedAt)
	appendStr(f[4], r.Agent)
	appendStr(f[5], r.Team)
	appendStr(f[6], r.Channel)
	appendStr(f[7], r.Category)
	appendF(f[8], r.Wait)
	appendF(f[9], r.FirstResponse)
	appendF(f[10], r.AssignedResponse)
	appendF(f[11], r.Handle)
	appendF(f[12], r.Wrapup)
	f[13].(*array.BooleanBuilder).Append(r.Dropped)
	f[14].(*array.Int32Builder).Append(int32(r.Transfers))
	if r.Score == 0 {
		f[15].AppendNull()
	} else {
		f[15].(*array.Int16Builder).Append(r.Score)
	}
	appendStr(f[16], r.InvalidReason)
	t := b.turns.Fields()
	for k, turns := range [][]metrics.Turn{r.Replies, r.CustomerReplies} {
		for _, turn := range turns {
			t[0].(*array.Int32Builder).Append(b.n)
			t[1].(*array.BooleanBuilder).Append(k == 1)
			if turn.Agent == r.Agent {
				t[2].AppendNull()
			} else {
				appendStr(t[2], turn.Agent)
			}
			appendF(t[3], turn.Seconds)
		}
	}
	b.n++
}

// encode returns the two IPC streams.
func (b *blockBuilder) encode() (rooms, turns []byte, err error) {
	enc := func(rb *array.RecordBuilder, schema *arrow.Schema) ([]byte, error) {
		rec := rb.NewRecordBatch()
		defer rec.Release()
		var buf bytes.Buffer
		w := ipc.NewWriter(&buf, ipc.WithSchema(schema), ipc.WithLZ4())
		if err := w.Write(rec); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	if rooms, err = enc(b.rooms, blockRoomSchema); err != nil {
		return nil, nil, fmt.Errorf("encode rooms block: %w", err)
	}
	if turns, err = enc(b.turns, blockTurnSchema); err != nil {
		return nil, nil, fmt.Errorf("encode turns block: %w", err)
	}
	return rooms, turns, nil
}

// RebuildBlocks rebuilds every dirty block from room_facts and returns how
// many it rebuilt. The ETL calls it after writing facts; the ETL lock keeps
// two from running at once.
func (db *DB) RebuildBlocks(ctx context.Context) (int, error) {
	const dirty = `SELECT tenant_id, day FROM blocks_dirty ORDER BY tenant_id, day`
	rows, err := db.Pool.Query(ctx, dirty)
	if err != nil {
		return 0, fmt.Errorf("dirty blocks: %w", err)
	}
	type key struct {
		tenant string
		day    time.Time
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
		var k key
		err := r.Scan(&k.tenant, &k.day)
		return k, err
	})
	if err != nil {
		return 0, fmt.Errorf("dirty blocks: %w", err)
	}
	// Two at a time: each block is one database read and one Go encode.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for _, k := range keys {
		g.Go(func() error { return db.rebuildBlock(gctx, k.tenant, k.day) })
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return len(keys), nil
}

func (db *DB) rebuildBlock(ctx context.Context, tenant string, day time.Time) error {
	const (
		upsert = `INSERT INTO room_blocks (tenant_id, day, rooms, rooms_ipc, turns_ipc, updated_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (tenant_id, day) DO UPDATE SET rooms = $3, rooms_ipc = $4, turns_ipc = $5, updated_at = now()`
		del   = `DELETE FROM room_blocks WHERE tenant_id = $1 AND day = $2`
		clean = `DELETE FROM blocks_dirty WHERE tenant_id = $1 AND day = $2`
	)
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		b := newBlockBuilder()
		defer b.release()
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		err := roomRows(ctx, tx, tenant, start, start.AddDate(0, 0, 1), func(r *metrics.Room) error {
			b.add(r)
			return nil
		})
		if err != nil {
			return err
		}
		if b.n == 0 {
			if _, err := tx.Exec(ctx, del, tenant, day); err != nil {
				return fmt.Errorf("delete block: %w", err)
			}
		} else {
			rooms, turns, err := b.encode()
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, upsert, tenant, day, b.n, rooms, turns); err != nil {
				return fmt.Errorf("write block: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, clean, tenant, day); err != nil {
			return fmt.Errorf("clean dirty block: %w", err)
		}
		return nil
	})
}

// Block is one stored block: the compressed facts of one tenant's rooms
// opened on one UTC date.
type Block struct {
	roomsIPC, turnsIPC []byte
}

// Rooms decodes the block and calls fn with each of its rooms opened in
// [start, end), in opened_at order. The room passed to fn is reused and
// carries facts only: no tenant or room id (the room export reads
// room_facts). Rooms may run concurrently on different blocks.
func (b Block) Rooms(start, end time.Time, fn func(*metrics.Room) error) error {
	var r metrics.Room
	return decodeBlock(b.roomsIPC, b.turnsIPC, start, end, &r, fn)
}

// Blocks calls fn with each block of tenantID that may hold rooms opened
// in [start, end), in date order.
func (db *DB) Blocks(ctx context.Context, tenantID string, start, end time.Time, fn func(Block) error) error {
	const q = `SELECT rooms_ipc, turns_ipc FROM room_blocks
WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`
	first := start.UTC().Truncate(24 * time.Hour)
	last := end.Add(-time.Microsecond).UTC().Truncate(24 * time.Hour)
	rows, err := db.Pool.Query(ctx, q, tenantID, first, last)
	if err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Block
		if err := rows.Scan(&b.roomsIPC, &b.turnsIPC); err != nil {
			return fmt.Errorf("read blocks: %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read blocks: %w", err)
	}
	return nil
}

func readRecord(data []byte, schema *arrow.Schema) (arrow.RecordBatch, error) {
	rd, err := ipc.NewReader(bytes.NewReader(data), ipc.WithSchema(schema))
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

func decodeBlock(roomsIPC, turnsIPC []byte, start, end time.Time, r *metrics.Room, fn func(*metrics.Room) error) error {
	rooms, err := readRecord(roomsIPC, blockRoomSchema)
	if err != nil {
		return fmt.Errorf("decode rooms block: %w", err)
	}
	defer rooms.Release()
	turns, err := readRecord(turnsIPC, blockTurnSchema)
	if err != nil {
		return fmt.Errorf("decode turns block: %w", err)
	}
	defer turns.Release()

	// Typed columns, looked up once per block rather than once per value.
	n := len(rooms.Columns())
	tsA, strA, fA := make([]*array.Timestamp, n), make([]*array.String, n), make([]*array.Float64, n)
	for i, col := range rooms.Columns() {
		switch a := col.(type) {
		case *array.Timestamp:
			tsA[i] = a
		case *array.String:
			strA[i] = a
		case *array.Float64:
			fA[i] = a
		}
	}
	ts := func(i, row int) time.Time {
		a := tsA[i]
		if a.IsNull(row) {
			return time.Time{}
		}
		return time.UnixMicro(int64(a.Value(row))).UTC()
	}
	str := func(i, row int) string {
		a := strA[i]
		if a.IsNull(row) {
			return ""
		}
		return a.Value(row)
	}
	flt := func(i, row int) float64 {
		a := fA[i]
		if a.IsNull(row) {
			return math.NaN()
		}
		return a.Value(row)
	}
	var (
		dropped   = rooms.Column(13).(*array.Boolean)
		transfers = rooms.Column(14).(*array.Int32)
		score     = rooms.Column(15).(*array.Int16)
		tRoom     = turns.Column(0).(*array.Int32)
		tCust     = turns.Column(1).(*array.Boolean)
		tAgent    = turns.Column(2).(*array.String)
		tSecs     = turns.Column(3).(*array.Float64)
		ti        = 0
		nt        = int(turns.NumRows())
	)
	lo, hi := start.UnixMicro(), end.UnixMicro()
	opened := rooms.Column(0).(*array.Timestamp)
	for row := 0; row < int(rooms.NumRows()); row++ {
		r.Replies, r.CustomerReplies = r.Replies[:0], r.CustomerReplies[:0]
		if us := int64(opened.Value(row)); us < lo || us >= hi {
			for ti < nt && int(tRoom.Value(ti)) == row {
				ti++
			}
			continue
		}
		r.Agent = str(4, row)
		for ; ti < nt && int(tRoom.Value(ti)) == row; ti++ {
			t := metrics.Turn{Agent: r.Agent, Seconds: math.NaN()}
			if tAgent.IsValid(ti) {
				t.Agent = tAgent.Value(ti)
			}
			if tSecs.IsValid(ti) {
				t.Seconds = tSecs.Value(ti)
			}
			if tCust.Value(ti) {
				r.CustomerReplies = append(r.CustomerReplies, t)
			} else {
				r.Replies = append(r.Replies, t)
			}
		}
		r.OpenedAt = ts(0, row)
		r.QueuedAt, r.AssignedAt, r.ClosedAt = ts(1, row), ts(2, row), ts(3, row)
		r.Team, r.Channel, r.Category = str(5, row), str(6, row), str(7, row)
		r.Wait, r.FirstResponse, r.AssignedResponse = flt(8, row), flt(9, row), flt(10, row)
		r.Handle, r.Wrapup = flt(11, row), flt(12, row)
		r.Dropped = dropped.Value(row)
		r.Transfers = int(transfers.Value(row))
		r.Score = 0
		if score.IsValid(row) {
			r.Score = score.Value(row)
		}
		r.InvalidReason = str(16, row)
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
