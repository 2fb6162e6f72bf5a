// Package export writes tables in the file formats of the API and the
// reports: JSON objects, CSV, Arrow IPC, Parquet and Excel, side by side.
// A table is described once (its columns, each of a metrics.FieldKind) and
// its rows are metrics.Cells; a column's name is the name of the metric or
// fact it holds, whatever the format, and a null cell stays null. It owns
// formats only: it must not import store/, query/, api/ or reports/.
package export

import (
	"strconv"
	"time"

	"sqi/metrics"
)

// Column is one column of a table: its name (the same in every format),
// its kind, and its labels and definitions in English and Korean (the label
// row and the Definitions sheet of lang=en|ko).
type Column struct {
	Name string
	Kind metrics.FieldKind
	// Month marks a date column that holds months (their first day):
	// YYYY-MM as text, yyyy-mm in Excel, a date in Arrow and Parquet.
	Month            bool
	LabelEN, LabelKO string
	DefEN, DefKO     string
}

// Label is the column's label in lang (ko or en); its name when it has
// none.
func (c *Column) Label(lang string) string {
	l := c.LabelEN
	if lang == "ko" {
		l = c.LabelKO
	}
	if l == "" {
		return c.Name
	}
	return l
}

// Definition is the column's definition in lang (ko or en).
func (c *Column) Definition(lang string) string {
	if lang == "ko" {
		return c.DefKO
	}
	return c.DefEN
}

// Langs are the languages of label rows and Definitions sheets.
var Langs = []string{"ko", "en"}

// Table describes the columns of an export; Location is the zone in which
// instants are written where a format has none (JSON, CSV, Excel) and the
// zone of Arrow's timestamp columns.
type Table struct {
	Columns  []Column
	Location *time.Location
}

// Writer writes the rows of a table in one format. Close writes what the
// format needs at its end; nothing is complete before it.
type Writer interface {
	WriteRow(cells []metrics.Cell) error
	Close() error
}

// TimeLayout is how an instant is written as text: RFC 3339 with the
// tenant's offset and up to microseconds (the precision of the facts).
const TimeLayout = "2006-01-02T15:04:05.999999Z07:00"

// LocalTimeLayout is how a local wall-clock time (the hour group key) is
// written as text.
const LocalTimeLayout = "2006-01-02T15:04"

// RoomTable is the table of the room export under a tenant's
// configuration: one column per metrics.ExportFields entry.
func RoomTable(cfg *metrics.Config) Table {
	cols := make([]Column, len(metrics.ExportFields))
	for i, f := range metrics.ExportFields {
		cols[i] = Column{Name: f.Name, Kind: f.Kind, LabelEN: f.LabelEN, LabelKO: f.LabelKO, DefEN: f.DefEN, DefKO: f.DefKO}
	}
	return Table{Columns: cols, Location: cfg.Location()}
}

// RoomCells returns the export of r in view v, appended to dst[:0]: each
// field's metrics.RoomField.Value, so every format shows the same values.
func RoomCells(dst []metrics.Cell, v *metrics.View, r *metrics.Room) []metrics.Cell {
	dst = dst[:0]
	v.Begin()
	for _, f := range metrics.ExportFields {
		dst = append(dst, f.Value(r, v))
	}
	return dst
}

// FormatCell returns c as text: what CSV and JSON strings show; "" for
// null.
func (t Table) FormatCell(col int, c metrics.Cell) string {
	if c.Null {
		return ""
	}
	switch t.Columns[col].Kind {
	case metrics.FieldCount:
		return strconv.FormatInt(c.I, 10)
	case metrics.FieldSeconds, metrics.FieldFloat:
		return strconv.FormatFloat(c.F, 'f', -1, 64)
	case metrics.FieldBool:
		return strconv.FormatBool(c.B)
	case metrics.FieldDate:
		if t.Columns[col].Month {
			return c.T.Format("2006-01")
		}
		return c.T.Format(time.DateOnly)
	case metrics.FieldTime:
		return c.T.In(t.Location).Format(TimeLayout)
	case metrics.FieldLocalTime:
		return c.T.Format(LocalTimeLayout)
	}
	return c.S
}

// FileName is the name of every file the service hands out: the tenant,
// what it holds and the dates it covers, acme_rooms_2026-11-01_2026-11-30.csv,
// or one date when from is to, acme_daily_2026-11-29.xlsx. Tenant ids are
// [A-Za-z0-9._-], safe in a file name and in Content-Disposition.
func FileName(tenantID, what, from, to, ext string) string {
	name := tenantID + "_" + what + "_" + from
	if to != from {
		name += "_" + to
	}
	return name + "." + ext
}
