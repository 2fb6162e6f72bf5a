package export

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"sqi/metrics"
)

// Arrow types of the column kinds. Every column is nullable: null stays
// null. Instants are microseconds (the facts' precision) in the tenant's
// zone; wall-clock times carry no zone.
func (t Table) arrowType(k metrics.FieldKind) arrow.DataType {
	switch k {
	case metrics.FieldCount:
		return arrow.PrimitiveTypes.Int64
	case metrics.FieldSeconds, metrics.FieldFloat:
		return arrow.PrimitiveTypes.Float64
	case metrics.FieldBool:
		return arrow.FixedWidthTypes.Boolean
	case metrics.FieldDate:
		return arrow.FixedWidthTypes.Date32
	case metrics.FieldTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: t.Location.String()}
	case metrics.FieldLocalTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.BinaryTypes.String
}

// ArrowSchema is the Arrow schema of t: one nullable field per column,
// named as the column.
func (t Table) ArrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: t.arrowType(c.Kind), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// batcher gathers rows into Arrow record batches of up to size rows and
// hands each full batch to emit: memory holds one batch, whatever the
// number of rows.
type batcher struct {
	t    Table
	b    *array.RecordBuilder
	n    int
	size int
	emit func(arrow.RecordBatch) error
}

func newBatcher(t Table, size int, emit func(arrow.RecordBatch) error) *batcher {
	return &batcher{t: t, b: array.NewRecordBuilder(memory.DefaultAllocator, t.ArrowSchema()), size: size, emit: emit}
}

func (bt *batcher) add(cells []metrics.Cell) error {
	for i, col := range bt.t.Columns {
		fb := bt.b.Field(i)
		c := cells[i]
		if c.Null {
			fb.AppendNull()
			continue
		}
		switch col.Kind {
		case metrics.FieldCount:
			fb.(*array.Int64Builder).Append(c.I)
		case metrics.FieldSeconds, metrics.FieldFloat:
			fb.(*array.Float64Builder).Append(c.F)
		case metrics.FieldBool:
			fb.(*array.BooleanBuilder).Append(c.B)
		case metrics.FieldDate:
			fb.(*array.Date32Builder).Append(arrow.Date32FromTime(c.T))
		case metrics.FieldTime, metrics.FieldLocalTime:
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(c.T.UnixMicro()))
		default:
			fb.(*array.StringBuilder).Append(c.S)
		}
	}
	bt.n++
	if bt.n >= bt.size {
		return bt.flush()
	}
	return nil
}

// flush emits the rows gathered so far, if any.
func (bt *batcher) flush() error {
	if bt.n == 0 {
		return nil
	}
	rec := bt.b.NewRecordBatch()
	defer rec.Release()
	bt.n = 0
	return bt.emit(rec)
}

// ArrowWriter writes a table as an Arrow IPC stream
// (application/vnd.apache.arrow.stream), in record batches of up to
// arrowBatchRows rows.
type ArrowWriter struct {
	bt *batcher
	w  *ipc.Writer
}

const arrowBatchRows = 8192

// NewArrowWriter starts a stream of t on w.
func NewArrowWriter(w io.Writer, t Table) *ArrowWriter {
	aw := &ArrowWriter{w: ipc.NewWriter(writeOnly{w}, ipc.WithSchema(t.ArrowSchema()))}
	aw.bt = newBatcher(t, arrowBatchRows, aw.w.Write)
	return aw
}

// WriteRow adds one row.
func (w *ArrowWriter) WriteRow(cells []metrics.Cell) error { return w.bt.add(cells) }

// Close writes the last batch and the end of the stream. A stream with no
// rows still carries the schema.
func (w *ArrowWriter) Close() error {
	defer w.bt.b.Release()
	if err := w.bt.flush(); err != nil {
		return fmt.Errorf("write arrow: %w", err)
	}
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("write arrow: %w", err)
	}
	return nil
}

// ParquetWriter writes a table as a Parquet file through pqarrow, one row
// group per parquetRowGroupRows rows, Snappy-compressed (read by pandas,
// Spark, DuckDB and Power BI). The Arrow schema is stored in the file, so
// pyarrow gets the time zone of the timestamps back.
type ParquetWriter struct {
	bt *batcher
	w  *pqarrow.FileWriter
}

const parquetRowGroupRows = 65536

// NewParquetWriter starts a Parquet file of t on w; w needs no Seek.
func NewParquetWriter(w io.Writer, t Table) (*ParquetWriter, error) {
	// Dictionary encoding pays for text (agents, teams, channels repeat)
	// and costs time for numbers and instants, which rarely repeat.
	opts := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy), parquet.WithCreatedBy("sqi"),
		parquet.WithDictionaryDefault(false)}
	for _, c := range t.Columns {
		if c.Kind == metrics.FieldText {
			opts = append(opts, parquet.WithDictionaryFor(c.Name, true))
		}
	}
	props := parquet.NewWriterProperties(opts...)
	fw, err := pqarrow.NewFileWriter(t.ArrowSchema(), writeOnly{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("write parquet: %w", err)
	}
	pw := &ParquetWriter{w: fw}
	pw.bt = newBatcher(t, parquetRowGroupRows, fw.Write)
	return pw, nil
}

// WriteRow adds one row.
func (w *ParquetWriter) WriteRow(cells []metrics.Cell) error { return w.bt.add(cells) }

// Close writes the last row group and the footer.
func (w *ParquetWriter) Close() error {
	defer w.bt.b.Release()
	if err := w.bt.flush(); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

// writeOnly hides a Close method of the destination: the Arrow and Parquet
// writers close a destination that has one, and the caller owns it.
type writeOnly struct{ io.Writer }
