package query

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
)

// The tabular formats (Arrow, Parquet, CSV of rooms, the API's xlsx and
// the rooms' JSON objects) are written from one description of a table:
// its columns, each of a Kind, and rows of Cells. A column's name is the
// name of the metric or fact it holds (docs/metrics.md, STYLE 8), whatever the
// format; a null cell stays null (an empty CSV or Excel cell).

// ColKind is the type of a column.
type ColKind int

// Column kinds.
const (
	KindString    ColKind = iota
	KindInt               // an integer count
	KindFloat             // a measure, already rounded where docs/metrics.md says so
	KindBool              // a yes/no fact of a room
	KindDate              // a local date; Cell.T holds it at midnight UTC
	KindTime              // an instant, shown in the table's time zone
	KindLocalTime         // a local wall-clock time; Cell.T holds it as UTC
)

// Column is one column of a table.
type Column struct {
	Name string
	Kind ColKind
}

// Table describes the columns of an export; Location is the zone in
// which KindTime cells are written where a format has no instants (JSON,
// CSV, Excel) and the zone of Arrow's timestamp columns.
type Table struct {
	Columns  []Column
	Location *time.Location
}

// Cell is one value; the field used depends on the column's kind.
type Cell struct {
	Null bool
	S    string
	I    int64
	F    float64
	B    bool
	T    time.Time
}

// TableWriter writes the rows of a table in one format. Close writes what
// the format needs at its end; nothing is complete before it.
type TableWriter interface {
	WriteRow(cells []Cell) error
	Close() error
}

// TimeLayout is how an instant is written as text: RFC 3339 with the
// tenant's offset and up to microseconds (the precision of the facts).
const TimeLayout = "2006-01-02T15:04:05.999999Z07:00"

// LocalTimeLayout is how a local wall-clock time (the hour group key) is
// written as text (docs/api.md).
const LocalTimeLayout = "2006-01-02T15:04"

// FormatCell returns c as text: what CSV and JSON strings show; "" for
// null.
func (t Table) FormatCell(col int, c Cell) string {
	if c.Null {
		return ""
	}
	switch t.Columns[col].Kind {
	case KindInt:
		return strconv.FormatInt(c.I, 10)
	case KindFloat:
		return strconv.FormatFloat(c.F, 'f', -1, 64)
	case KindBool:
		return strconv.FormatBool(c.B)
	case KindDate:
		return c.T.Format(time.DateOnly)
	case KindTime:
		return c.T.In(t.Location).Format(TimeLayout)
	case KindLocalTime:
		return c.T.Format(LocalTimeLayout)
	}
	return c.S
}

// AppendJSON appends the row as a JSON object, keys in column order:
// numbers and booleans bare, times and dates as strings, null as null.
func (t Table) AppendJSON(b []byte, cells []Cell) []byte {
	b = append(b, '{')
	for i, col := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, col.Name)
		b = append(b, ':')
		c := cells[i]
		switch {
		case c.Null:
			b = append(b, "null"...)
		case col.Kind == KindInt:
			b = strconv.AppendInt(b, c.I, 10)
		case col.Kind == KindFloat:
			b = strconv.AppendFloat(b, c.F, 'f', -1, 64)
		case col.Kind == KindBool:
			b = strconv.AppendBool(b, c.B)
		default:
			b = appendString(b, t.FormatCell(i, c))
		}
	}
	return append(b, '}')
}

// CSVWriter writes a table as RFC 4180 CSV (CRLF, UTF-8) with a header of
// the column names, like WriteCSV.
type CSVWriter struct {
	t   Table
	cw  *csv.Writer
	rec []string
}

// NewCSVWriter writes the header of t to w.
func NewCSVWriter(w io.Writer, t Table) (*CSVWriter, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = c.Name
	}
	if err := cw.Write(h); err != nil {
		return nil, err
	}
	return &CSVWriter{t: t, cw: cw, rec: make([]string, len(t.Columns))}, nil
}

// WriteRow writes one record.
func (w *CSVWriter) WriteRow(cells []Cell) error {
	for i := range w.rec {
		w.rec[i] = w.t.FormatCell(i, cells[i])
	}
	return w.cw.Write(w.rec)
}

// Close flushes the records.
func (w *CSVWriter) Close() error {
	w.cw.Flush()
	return w.cw.Error()
}

// TextTable lays out text for a terminal in aligned columns, like
// text/tabwriter: cells are separated by tabs and rows end with a newline,
// and nothing is written before Flush. Unlike tabwriter, which counts
// runes, a column's width is counted in terminal columns (East Asian
// width, go-runewidth): a Hangul syllable takes two, so rows of 이니텍 and
// 환불 문의 line up with their ASCII neighbours. Columns are two spaces
// apart; a tab at the end of a row ends its last cell.
type TextTable struct {
	w          io.Writer
	alignRight bool
	buf        []byte
}

// NewTextTable returns a table that writes to w on Flush, its cells left-
// aligned, or right-aligned (numbers) when alignRight is set.
func NewTextTable(w io.Writer, alignRight bool) *TextTable {
	return &TextTable{w: w, alignRight: alignRight}
}

// Write adds text to the table.
func (t *TextTable) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// textWidth measures cells: East Asian wide and fullwidth characters
// count two columns; ambiguous ones one, whatever the locale, so that the
// layout does not depend on the environment.
var textWidth = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// Flush writes the rows laid out, then forgets them.
func (t *TextTable) Flush() error {
	text := strings.TrimSuffix(string(t.buf), "\n")
	t.buf = t.buf[:0]
	if text == "" {
		return nil
	}
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(text, "\n") {
		cells := strings.Split(strings.TrimSuffix(line, "\t"), "\t")
		for i, c := range cells {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], textWidth.StringWidth(c))
		}
		rows = append(rows, cells)
	}
	var b strings.Builder
	for _, cells := range rows {
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-textWidth.StringWidth(c))
			switch {
			case t.alignRight:
				b.WriteString("  " + pad + c)
			case i == len(cells)-1:
				b.WriteString(c) // no trailing blanks
			default:
				b.WriteString(c + pad + "  ")
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}
