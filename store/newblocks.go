package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"

	"sqi/metrics"
)

// New blocks from memory. When the ETL works through a backlog, most
// blocks it makes dirty had no room before the run: every room they
// will hold is one the run computes. Reading those rooms back from
// room_facts to build the blocks (RebuildBlocks) costs about as much as
// writing them did; a BlockBuffer keeps them instead, as they are
// computed, in Arrow builders (the block's own columns, as compact as the
// block before compression), and WriteBlocks writes the blocks once the
// rooms' facts are written. The ETL decides which blocks are new
// (BlocksWithoutFacts) and bounds how many rooms it keeps.

// BlockDay is the UTC date of the block that holds a room opened at
// openedAt.
func BlockDay(openedAt time.Time) time.Time { return openedAt.UTC().Truncate(24 * time.Hour) }

// BlocksWithoutFacts returns which of keys have no room in room_facts
// now. Asked before a run writes any room of such a block, it names the
// blocks whose rooms will all be rooms of the run.
func (db *DB) BlocksWithoutFacts(ctx context.Context, keys []BlockKey) (map[BlockKey]bool, error) {
	const q = `SELECT k.i FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS k(tenant_id, day, i)
WHERE NOT EXISTS (SELECT 1 FROM room_facts f
  WHERE f.tenant_id = k.tenant_id AND f.opened_at >= k.day AND f.opened_at < k.day + interval '24 hours')`
	tenants := make([]string, len(keys))
	days := make([]time.Time, len(keys))
	for i, k := range keys {
		tenants[i], days[i] = k.TenantID, k.Day
	}
	rows, err := db.Pool.Query(ctx, q, tenants, days)
	if err != nil {
		return nil, fmt.Errorf("blocks without facts: %w", err)
	}
	out := make(map[BlockKey]bool, len(keys))
	var i int64
	_, err = pgx.ForEachRow(rows, []any{&i}, func() error {
		out[keys[i-1]] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blocks without facts: %w", err)
	}
	return out, nil
}

// BlockBuffer holds computed rooms of one tenant's new blocks, in the
// order they come, one block builder per UTC date, until Encode turns
// them into the blocks' bytes. Release it when done.
type BlockBuffer struct {
	tenant  string
	days    map[time.Time]*blockBuilder
	rooms   int
	encoded []encodedBlock // by date, after Encode
}

type encodedBlock struct {
	day          time.Time
	n            int
	rooms, turns []byte
}

// NewBlockBuffer returns an empty buffer of tenant's blocks.
func NewBlockBuffer(tenant string) *BlockBuffer {
	return &BlockBuffer{tenant: tenant, days: map[time.Time]*blockBuilder{}}
}

// Tenant is the tenant whose blocks the buffer holds.
func (b *BlockBuffer) Tenant() string { return b.tenant }

// Days are the dates of the blocks the buffer holds.
func (b *BlockBuffer) Days() []time.Time {
	days := make([]time.Time, 0, len(b.days))
	for d := range b.days {
		days = append(days, d)
	}
	slices.SortFunc(days, time.Time.Compare)
	return days
}

// KeepLargestDay drops the rooms of every day but the one with the most
// rooms, and returns the days dropped.
func (b *BlockBuffer) KeepLargestDay() []time.Time {
	var largest time.Time
	for d, bb := range b.days {
		if l := b.days[largest]; l == nil || bb.n > l.n || bb.n == l.n && d.Before(largest) {
			largest = d
		}
	}
	var dropped []time.Time
	for _, d := range b.Days() {
		if !d.Equal(largest) {
			bb := b.days[d]
			b.rooms -= int(bb.n)
			bb.release()
			delete(b.days, d)
			dropped = append(dropped, d)
		}
	}
	return dropped
}

// NumDays is how many days the buffer holds rooms of.
func (b *BlockBuffer) NumDays() int { return len(b.days) }

// Holds reports whether the buffer holds rooms of day.
func (b *BlockBuffer) Holds(day time.Time) bool { return b.days[day] != nil }

// Rooms is how many rooms the buffer holds.
func (b *BlockBuffer) Rooms() int { return b.rooms }

// Add copies r, a room of the buffer's tenant, into the block of its
// opened_at (BlockDay). Nothing of r is kept.
func (b *BlockBuffer) Add(r *metrics.Room) {
	day := BlockDay(r.OpenedAt)
	bb := b.days[day]
	if bb == nil {
		bb = newBlockBuilder()
		b.days[day] = bb
	}
	bb.add(r)
	b.rooms++
}

// Release drops the buffer's memory.
func (b *BlockBuffer) Release() {
	for _, bb := range b.days {
		bb.release()
	}
	b.days, b.rooms, b.encoded = nil, 0, nil
}

// Encode encodes the blocks (LZ4 Arrow IPC, rooms in the order
// RebuildBlocks gives them) and drops the builders: the CPU work of
// WriteBlocks, which the ETL does on its computing goroutine while its
// writer waits on the database.
func (b *BlockBuffer) Encode() error {
	for _, d := range b.Days() {
		bb := b.days[d]
		n, rooms, turns, err := bb.encodeSorted()
		if err != nil {
			return err
		}
		b.encoded = append(b.encoded, encodedBlock{day: d, n: n, rooms: rooms, turns: turns})
		bb.release()
		delete(b.days, d)
	}
	return nil
}

// WriteBlocks writes the blocks of b, each under a new version and with
// its dirty mark cleared, in one transaction, and returns how many it
// wrote. The rooms' facts must be written, and each block must hold
// every room of its tenant and date in room_facts: the block is then the
// one RebuildBlocks would build (TestNewBlocksEqualRebuilt).
func (db *DB) WriteBlocks(ctx context.Context, b *BlockBuffer) (int, error) {
	if err := b.Encode(); err != nil {
		return 0, err
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, asyncCommit); err != nil {
			return fmt.Errorf("write blocks: %w", err)
		}
		for _, e := range b.encoded {
			if err := putBlock(ctx, tx, b.tenant, e.day, e.n, e.rooms, e.turns); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(b.encoded), nil
}

// encodeSorted encodes the block with its rooms in (opened_at, room_id)
// order, the order RebuildBlocks reads them from room_facts in, whatever
// the order they were added in.
func (b *blockBuilder) encodeSorted() (n int, roomsIPC, turnsIPC []byte, err error) {
	rr, tr := b.rooms.NewRecordBatch(), b.turns.NewRecordBatch()
	defer rr.Release()
	defer tr.Release()
	n = int(rr.NumRows())
	opened := rr.Column(blockRoomSchema.FieldIndices("opened_at")[0]).(*array.Timestamp)
	ids := rr.Column(blockRoomSchema.FieldIndices("room_id")[0]).(*array.String)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	order := func(x, y int) int {
		if a, b := opened.Value(x), opened.Value(y); a != b {
			if a < b {
				return -1
			}
			return 1
		}
		return strings.Compare(ids.Value(x), ids.Value(y)) // bytes: COLLATE "C"
	}
	if slices.IsSortedFunc(perm, order) {
		roomsIPC, turnsIPC, err = encodeRecords(rr, tr)
		return n, roomsIPC, turnsIPC, err
	}
	slices.SortFunc(perm, order)

	mem := memory.DefaultAllocator
	rcols := make([]arrow.Array, rr.NumCols())
	tcols := make([]arrow.Array, tr.NumCols())
	defer func() {
		for _, a := range append(rcols, tcols...) {
			if a != nil {
				a.Release()
			}
		}
	}()
	for c := range rcols {
		rcols[c] = take(mem, rr.Column(c), perm)
	}
	// The turns follow their rooms, whose index they take anew.
	starts := turnStarts(tr, n)
	tperm := make([]int, 0, tr.NumRows())
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.Reserve(int(tr.NumRows()))
	for j, i := range perm {
		for t := starts[i]; t < starts[i+1]; t++ {
			tperm = append(tperm, t)
			ib.UnsafeAppend(int32(j))
		}
	}
	tcols[0] = ib.NewArray()
	for c := 1; c < len(tcols); c++ {
		tcols[c] = take(mem, tr.Column(c), tperm)
	}
	rooms := array.NewRecordBatch(blockRoomSchema, rcols, int64(n))
	defer rooms.Release()
	turns := array.NewRecordBatch(blockTurnSchema, tcols, int64(len(tperm)))
	defer turns.Release()
	roomsIPC, turnsIPC, err = encodeRecords(rooms, turns)
	return n, roomsIPC, turnsIPC, err
}

// take returns the values of a at idx, in that order, for the column
// types of a block.
func take(mem memory.Allocator, a arrow.Array, idx []int) arrow.Array {
	bl := array.NewBuilder(mem, a.DataType())
	defer bl.Release()
	bl.Reserve(len(idx))
	switch a := a.(type) {
	case *array.String:
		sb := bl.(*array.StringBuilder)
		sb.ReserveData(len(a.ValueBytes()))
		for _, i := range idx {
			if a.IsNull(i) {
				sb.AppendNull()
			} else {
				sb.Append(a.Value(i))
			}
		}
	case *array.Timestamp:
		tb := bl.(*array.TimestampBuilder)
		for _, i := range idx {
			if a.IsNull(i) {
				tb.AppendNull()
			} else {
				tb.UnsafeAppend(a.Value(i))
			}
		}
	case *array.Int32:
		ib := bl.(*array.Int32Builder)
		for _, i := range idx {
			if a.IsNull(i) {
				ib.AppendNull()
			} else {
				ib.UnsafeAppend(a.Value(i))
			}
		}
	case *array.Int16:
		ib := bl.(*array.Int16Builder)
		for _, i := range idx {
			if a.IsNull(i) {
				ib.AppendNull()
			} else {
				ib.UnsafeAppend(a.Value(i))
			}
		}
	case *array.Boolean:
		bb := bl.(*array.BooleanBuilder)
		for _, i := range idx {
			if a.IsNull(i) {
				bb.AppendNull()
			} else {
				bb.UnsafeAppend(a.Value(i))
			}
		}
	default:
		panic(fmt.Sprintf("store: no take for a block column of type %s", a.DataType()))
	}
	return bl.NewArray()
}
