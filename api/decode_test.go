package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"

	"sqi/export"
	"sqi/metrics"
)

// Each format is read back by a real reader (encoding/json, encoding/csv,
// arrow-go's IPC reader, arrow-go's Parquet reader through pqarrow,
// excelize) into the same shape: a header and rows of cells as text,
// normalised by the column's kind, so that the formats can be compared
// cell by cell with the JSON rows.

const null = "<null>"

type table struct {
	header []string
	rows   [][]string
}

// kinds maps the column names of t to their kinds.
func kinds(t export.Table) map[string]metrics.FieldKind {
	m := make(map[string]metrics.FieldKind)
	for _, c := range t.Columns {
		m[c.Name] = c.Kind
	}
	return m
}

// norm normalises a cell given as text.
func norm(t *testing.T, kind metrics.FieldKind, loc *time.Location, s string) string {
	t.Helper()
	switch kind {
	case metrics.FieldCount:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) {
			t.Fatalf("integer cell %q", s)
		}
		return strconv.FormatInt(int64(f), 10)
	case metrics.FieldFloat, metrics.FieldSeconds:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("number cell %q", s)
		}
		return normFloat(f)
	case metrics.FieldBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			t.Fatalf("boolean cell %q", s)
		}
		return strconv.FormatBool(b)
	case metrics.FieldDate:
		if len(s) == len("2006-01") { // a month
			return s + "-01"
		}
	case metrics.FieldTime:
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("time cell %q: %v", s, err)
		}
		return normTime(ts.In(loc))
	}
	return s
}

func normFloat(f float64) string { return strconv.FormatFloat(f, 'g', 12, 64) }

// normTime is a wall-clock time to the millisecond: what an Excel date
// (a float of days) keeps.
func normTime(t time.Time) string { return t.Round(time.Millisecond).Format("2006-01-02T15:04:05.000") }

// decodeJSON reads the rows of a /sqi body (key "rows", components
// flattened to components.<name>) or a /rooms body (key "rooms").
func decodeJSON(t *testing.T, body []byte, key string, qt export.Table) table {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("json: %v", err)
	}
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc[key]))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("json %s: %v", key, err)
	}
	k := kinds(qt)
	out := table{}
	for _, c := range qt.Columns {
		out.header = append(out.header, c.Name)
	}
	for _, r := range rows {
		flat := map[string]any{}
		flatten(flat, "", r)
		if len(flat) != len(qt.Columns) {
			t.Fatalf("json row has %d fields, want %d: %v", len(flat), len(qt.Columns), r)
		}
		row := make([]string, len(qt.Columns))
		for i, name := range out.header {
			v, ok := flat[name]
			if !ok {
				t.Fatalf("json row lacks %s", name)
			}
			switch v := v.(type) {
			case nil:
				row[i] = null
			case json.Number:
				row[i] = norm(t, k[name], qt.Location, v.String())
			case bool:
				row[i] = strconv.FormatBool(v)
			case string:
				row[i] = norm(t, k[name], qt.Location, v)
			default:
				t.Fatalf("json %s: unexpected %T", name, v)
			}
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// flatten puts the fields of a JSON object into flat, those of a nested
// object (components, previous, change) as <name>.<field>.
func flatten(flat map[string]any, prefix string, obj map[string]any) {
	for name, v := range obj {
		if o, ok := v.(map[string]any); ok {
			flatten(flat, prefix+name+".", o)
			continue
		}
		flat[prefix+name] = v
	}
}

func decodeCSV(t *testing.T, body []byte, qt export.Table) table {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	k := kinds(qt)
	out := table{header: recs[0]}
	for _, rec := range recs[1:] {
		row := make([]string, len(rec))
		for i, s := range rec {
			if s == "" {
				row[i] = null
				continue
			}
			row[i] = norm(t, k[out.header[i]], qt.Location, s)
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// arrowCell is cell i of an Arrow column as normalised text.
func arrowCell(t *testing.T, col arrow.Array, i int, loc *time.Location) string {
	t.Helper()
	if col.IsNull(i) {
		return null
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Float64:
		return normFloat(a.Value(i))
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		ts := a.Value(i).ToTime(tt.Unit)
		if tt.TimeZone == "" {
			return ts.UTC().Format(export.LocalTimeLayout)
		}
		if tt.TimeZone != loc.String() {
			t.Fatalf("timestamp zone %q, want %q", tt.TimeZone, loc)
		}
		return normTime(ts.In(loc))
	}
	t.Fatalf("unexpected arrow type %s", col.DataType())
	return ""
}

func fromRecords(t *testing.T, schema *arrow.Schema, recs []arrow.RecordBatch, loc *time.Location) table {
	t.Helper()
	out := table{}
	for _, f := range schema.Fields() {
		out.header = append(out.header, f.Name)
		if !f.Nullable {
			t.Fatalf("field %s is not nullable", f.Name)
		}
	}
	for _, rec := range recs {
		for i := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for j := range row {
				row[j] = arrowCell(t, rec.Column(j), i, loc)
			}
			out.rows = append(out.rows, row)
		}
	}
	return out
}

func decodeArrow(t *testing.T, body []byte, loc *time.Location) table {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("arrow: %v", err)
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		defer rec.Release()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("arrow: %v", err)
	}
	return fromRecords(t, r.Schema(), recs, loc)
}

func decodeParquet(t *testing.T, body []byte, loc *time.Location) table {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parquet: %v", err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("parquet: %v", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("parquet: %v", err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	var recs []arrow.RecordBatch
	for tr.Next() {
		rec := tr.RecordBatch()
		rec.Retain()
		defer rec.Release()
		recs = append(recs, rec)
	}
	return fromRecords(t, tbl.Schema(), recs, loc)
}

// decodeXLSX reads every sheet (a long table goes on in <name>_2...) with
// raw cell values: numbers as written, dates as Excel serial numbers.
func decodeXLSX(t *testing.T, body []byte, qt export.Table) table {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer f.Close()
	out := table{}
	for si, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("xlsx %s: %v", sheet, err)
		}
		if si == 0 {
			out.header = rows[0]
		}
		for _, rec := range rows[1:] {
			row := make([]string, len(out.header))
			for i, name := range out.header {
				if i >= len(rec) || rec[i] == "" {
					row[i] = null
					continue
				}
				row[i] = xlsxCell(t, qt.Columns[i].Kind, rec[i], name)
			}
			out.rows = append(out.rows, row)
		}
	}
	return out
}

// excelEpoch is day 0 of Excel's serial dates (from 1900-03-01 on).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func xlsxCell(t *testing.T, kind metrics.FieldKind, s, name string) string {
	t.Helper()
	switch kind {
	case metrics.FieldDate, metrics.FieldTime, metrics.FieldLocalTime:
		serial, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("xlsx %s: date cell %q is not a serial number", name, s)
		}
		// excelize.ExcelDateToTime rounds to the second: convert here.
		wall := excelEpoch.Add(time.Duration(math.Round(serial * 86400e9)))
		switch kind {
		case metrics.FieldDate:
			return wall.Format(time.DateOnly)
		case metrics.FieldLocalTime:
			return wall.Round(time.Minute).Format(export.LocalTimeLayout)
		}
		return normTime(wall)
	case metrics.FieldBool:
		return strconv.FormatBool(s == "1" || strings.EqualFold(s, "true"))
	case metrics.FieldText:
		return s
	}
	return norm(t, kind, time.UTC, s)
}

// equalTables reports the first difference between two tables.
func equalTables(want, got table) error {
	if strings.Join(want.header, ",") != strings.Join(got.header, ",") {
		return fmt.Errorf("header\n got %v\nwant %v", got.header, want.header)
	}
	if len(want.rows) != len(got.rows) {
		return fmt.Errorf("%d rows, want %d", len(got.rows), len(want.rows))
	}
	for i := range want.rows {
		for j := range want.header {
			if want.rows[i][j] != got.rows[i][j] {
				return fmt.Errorf("row %d, %s = %q, want %q", i, want.header[j], got.rows[i][j], want.rows[i][j])
			}
		}
	}
	return nil
}
