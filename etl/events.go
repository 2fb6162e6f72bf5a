package etl

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"sqi/internal/pgcopy"
	"sqi/metrics"
)

// eventSchema is the Arrow schema of an extracted batch of chat_events:
// the columns of docs/metrics.md that room facts need.
var eventSchema = arrow.NewSchema([]arrow.Field{
	{Name: "event_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "tenant_id", Type: arrow.BinaryTypes.String},
	{Name: "room_id", Type: arrow.BinaryTypes.String},
	{Name: "type", Type: arrow.BinaryTypes.String},
	{Name: "occurred_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "actor", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "agent_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "team_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "category", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
}, nil)

const (
	colEventID = iota
	colTenant
	colRoom
	colType
	colOccurred
	colActor
	colAgent
	colTeam
	colChannel
	colCategory
	colScore
	numEventColumns
)

// batchBuilder builds Arrow batches of eventSchema straight from the
// fields of the COPY stream: each column is Go slices (values; offsets
// and bytes of text; a validity bitmap where the column may be null)
// that the batch's arrays take over when it is flushed
// (memory.NewBufferBytes). Arrow's builders check and grow their buffers
// value by value, which cost more than parsing the stream.
type batchBuilder struct {
	n, size  int
	eventID  []int64
	occurred []int64 // Unix microseconds
	texts    [8]textColumn
	score    []int16
	scoreOK  bitmap
	hint     [8]int // bytes of each text column in the last full batch
}

// textColumn is a string column being built.
type textColumn struct {
	offsets  []int32
	data     []byte
	valid    bitmap
	nullable bool
}

// bitmap is an Arrow validity bitmap being built.
type bitmap struct {
	bits  []byte
	nulls int
}

func (b *bitmap) append(n int, ok bool) {
	if n%8 == 0 {
		b.bits = append(b.bits, 0)
	}
	if ok {
		b.bits[n/8] |= 1 << (n % 8)
	} else {
		b.nulls++
	}
}

// buffer is the bitmap as a validity buffer: none without a null.
func (b *bitmap) buffer() *memory.Buffer {
	if b.nulls == 0 {
		return nil
	}
	return memory.NewBufferBytes(b.bits)
}

// The text columns in textColumn order: tenant, room and type, then the
// nullable ones from actor on.
var textCols = [8]int{colTenant, colRoom, colType, colActor, colAgent, colTeam, colChannel, colCategory}

// newBatchBuilder returns a builder of batches of size rows.
func newBatchBuilder(size int) *batchBuilder {
	bb := &batchBuilder{size: size}
	bb.reset()
	return bb
}

// reset starts a batch, with room for a full one: text columns as large
// as in the last full batch.
func (bb *batchBuilder) reset() {
	bb.n = 0
	bb.eventID = make([]int64, 0, bb.size)
	bb.occurred = make([]int64, 0, bb.size)
	bb.score = make([]int16, 0, bb.size)
	bb.scoreOK = bitmap{bits: make([]byte, 0, bb.size/8+1)}
	for i := range bb.texts {
		t := &bb.texts[i]
		t.offsets = append(make([]int32, 0, bb.size+1), 0)
		t.data = make([]byte, 0, bb.hint[i])
		t.nullable = textCols[i] >= colActor
		t.valid = bitmap{}
		if t.nullable {
			t.valid.bits = make([]byte, 0, bb.size/8+1)
		}
	}
}

// append adds a row of COPY fields (nil for NULL), checked by the caller:
// the text columns but the nullable ones are not NULL, event_id and
// occurred_at are 8 bytes, score 2 or NULL.
func (bb *batchBuilder) append(f [][]byte) {
	bb.eventID = append(bb.eventID, pgcopy.Int64(f[colEventID]))
	// ±infinity, or out of Go's range: the zero time, rejected later as
	// occurred_at_out_of_range.
	bb.occurred = append(bb.occurred, pgcopy.Time(f[colOccurred]).UnixMicro())
	for i := range bb.texts {
		t := &bb.texts[i]
		v := f[textCols[i]]
		if t.nullable {
			t.valid.append(bb.n, v != nil)
		}
		t.data = append(t.data, v...)
		t.offsets = append(t.offsets, int32(len(t.data)))
	}
	var score int16
	if f[colScore] != nil {
		score = pgcopy.Int16(f[colScore])
	}
	bb.score = append(bb.score, score)
	bb.scoreOK.append(bb.n, f[colScore] != nil)
	bb.n++
}

// flush returns the batch built so far and starts a new one.
func (bb *batchBuilder) flush() arrow.RecordBatch {
	n := bb.n
	cols := make([]arrow.Array, numEventColumns)
	fixed := func(typ arrow.DataType, values []byte, valid *bitmap) arrow.Array {
		var validity *memory.Buffer
		nulls := 0
		if valid != nil {
			validity, nulls = valid.buffer(), valid.nulls
		}
		d := array.NewData(typ, n, []*memory.Buffer{validity, memory.NewBufferBytes(values)}, nil, nulls, 0)
		defer d.Release()
		return array.MakeFromData(d)
	}
	cols[colEventID] = fixed(arrow.PrimitiveTypes.Int64, arrow.Int64Traits.CastToBytes(bb.eventID), nil)
	cols[colOccurred] = fixed(eventSchema.Field(colOccurred).Type, arrow.Int64Traits.CastToBytes(bb.occurred), nil)
	cols[colScore] = fixed(arrow.PrimitiveTypes.Int16, arrow.Int16Traits.CastToBytes(bb.score), &bb.scoreOK)
	for i := range bb.texts {
		t := &bb.texts[i]
		d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{t.valid.buffer(),
			memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(t.offsets)), memory.NewBufferBytes(t.data)}, nil, t.valid.nulls, 0)
		cols[textCols[i]] = array.MakeFromData(d)
		d.Release()
		if n >= bb.size {
			bb.hint[i] = len(t.data)
		}
	}
	rec := array.NewRecordBatch(eventSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	bb.reset()
	return rec
}

// eventCols gives typed access to a batch's columns.
type eventCols struct {
	eventID  *array.Int64
	tenant   *array.String
	room     *array.String
	typ      *array.String
	occurred *array.Timestamp
	nullable [5]*array.String
	score    *array.Int16
}

func colsOf(rec arrow.RecordBatch) eventCols {
	c := eventCols{
		eventID:  rec.Column(colEventID).(*array.Int64),
		tenant:   rec.Column(colTenant).(*array.String),
		room:     rec.Column(colRoom).(*array.String),
		typ:      rec.Column(colType).(*array.String),
		occurred: rec.Column(colOccurred).(*array.Timestamp),
		score:    rec.Column(colScore).(*array.Int16),
	}
	for i := range c.nullable {
		c.nullable[i] = rec.Column(colActor + i).(*array.String)
	}
	return c
}

// event copies row i into e, every field. Its strings alias the batch's
// buffers, Go slices left to the garbage collector: e stays valid after
// the batch is released.
func (c *eventCols) event(i int, e *metrics.Event) {
	e.EventID = c.eventID.Value(i)
	e.TenantID = c.tenant.Value(i)
	e.RoomID = c.room.Value(i)
	e.Type = c.typ.Value(i)
	e.OccurredAt = time.UnixMicro(int64(c.occurred.Value(i))).UTC()
	e.Actor = c.str(0, i)
	e.AgentID = c.str(1, i)
	e.TeamID = c.str(2, i)
	e.Channel = c.str(3, i)
	e.Category = c.str(4, i)
	e.Score = 0
	e.CreatedAt = time.Time{}
	if c.score.IsValid(i) {
		e.Score = c.score.Value(i)
	}
}

func (c *eventCols) str(col, i int) string {
	if c.nullable[col].IsNull(i) {
		return ""
	}
	return c.nullable[col].Value(i)
}
