package etl

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

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

// batchBuilder appends scanned rows to Arrow builders.
type batchBuilder struct {
	b        *array.RecordBuilder
	eventID  *array.Int64Builder
	strs     [5]*array.StringBuilder // tenant, room, type, + nullable ones below
	occurred *array.TimestampBuilder
	nullable [5]*array.StringBuilder // actor, agent, team, channel, category
	score    *array.Int16Builder
	n        int

	size     int    // rows of a full batch
	textSize [8]int // bytes of each text column in the last full batch
}

// newBatchBuilder returns a builder of batches of size rows.
func newBatchBuilder(mem memory.Allocator, size int) *batchBuilder {
	b := array.NewRecordBuilder(mem, eventSchema)
	bb := &batchBuilder{
		b:        b,
		eventID:  b.Field(colEventID).(*array.Int64Builder),
		occurred: b.Field(colOccurred).(*array.TimestampBuilder),
		score:    b.Field(colScore).(*array.Int16Builder),
		size:     size,
	}
	bb.strs[0] = b.Field(colTenant).(*array.StringBuilder)
	bb.strs[1] = b.Field(colRoom).(*array.StringBuilder)
	bb.strs[2] = b.Field(colType).(*array.StringBuilder)
	for i := range bb.nullable {
		bb.nullable[i] = b.Field(colActor + i).(*array.StringBuilder)
	}
	bb.reserve()
	return bb
}

// reserve sizes the builders for a full batch at once, text columns as
// in the last full batch, instead of growing them by doubling (copying
// and clearing each time) as rows come.
func (bb *batchBuilder) reserve() {
	for _, f := range bb.b.Fields() {
		f.Reserve(bb.size)
	}
	for i, s := range bb.texts() {
		s.ReserveData(bb.textSize[i])
	}
}

// texts are the eight text columns' builders.
func (bb *batchBuilder) texts() [8]*array.StringBuilder {
	var t [8]*array.StringBuilder
	copy(t[:3], bb.strs[:3])
	copy(t[3:8], bb.nullable[:])
	return t
}

// row is one scanned chat_events row; text columns hold nil for NULL.
type row struct {
	eventID           int64
	tenant, room, typ []byte
	occurred          time.Time
	nullable          [5][]byte
	score             *int16
}

func (bb *batchBuilder) append(r *row) {
	bb.eventID.Append(r.eventID)
	bb.strs[0].BinaryBuilder.Append(r.tenant)
	bb.strs[1].BinaryBuilder.Append(r.room)
	bb.strs[2].BinaryBuilder.Append(r.typ)
	bb.occurred.Append(arrow.Timestamp(r.occurred.UnixMicro()))
	for i, v := range r.nullable {
		if v == nil {
			bb.nullable[i].AppendNull()
		} else {
			bb.nullable[i].BinaryBuilder.Append(v)
		}
	}
	if r.score == nil {
		bb.score.AppendNull()
	} else {
		bb.score.Append(*r.score)
	}
	bb.n++
}

// flush returns the batch built so far and starts a new one.
func (bb *batchBuilder) flush() arrow.RecordBatch {
	full := bb.n >= bb.size
	if full {
		for i, s := range bb.texts() {
			bb.textSize[i] = s.DataLen()
		}
	}
	bb.n = 0
	rec := bb.b.NewRecordBatch()
	if full {
		bb.reserve()
	}
	return rec
}

func (bb *batchBuilder) release() { bb.b.Release() }

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
// buffers, which the Go allocator (memory.DefaultAllocator) leaves to the
// garbage collector: e stays valid after the batch is released.
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
