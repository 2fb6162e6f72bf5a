package export

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
)

// xlsxMaxRows is the number of data rows of a sheet: Excel's 1,048,576
// rows less the header. A longer table goes on in sheets named <name>_2,
// <name>_3... A variable for the test.
var xlsxMaxRows = excelize.TotalRows - 1

// WriteXLSX writes a table as an Excel workbook: a header row of the
// column names (bold, frozen), numbers as numbers, dates and times as
// Excel dates in the tenant's zone, null as an empty cell. Rows go through
// excelize's stream writer, which keeps at most a chunk of them in memory
// and the rest in a temporary file; the workbook is zipped onto w at the
// end. Text is always written as text, never as a formula.
func WriteXLSX(w io.Writer, sheet string, t Table, rows func(Writer) error) error {
	f := excelize.NewFile()
	defer f.Close()
	xw := &xlsxWriter{f: f, t: t, base: sheet, vals: make([]any, len(t.Columns))}
	if err := xw.styles(); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := xw.startSheet(sheet); err != nil {
		return err
	}
	if err := rows(xw); err != nil {
		return err
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

type xlsxWriter struct {
	f      *excelize.File
	t      Table
	base   string
	sheets int
	sw     *excelize.StreamWriter
	row    int // data rows in the current sheet
	style  map[metrics.FieldKind]int
	header int
	vals   []any
}

func (x *xlsxWriter) styles() error {
	formats := map[metrics.FieldKind]string{
		metrics.FieldDate:      "yyyy-mm-dd",
		metrics.FieldTime:      "yyyy-mm-dd hh:mm:ss",
		metrics.FieldLocalTime: "yyyy-mm-dd hh:mm",
		metrics.FieldFloat:     "0.00",
		metrics.FieldSeconds:   "0.00",
	}
	x.style = make(map[metrics.FieldKind]int)
	for k, f := range formats {
		id, err := x.f.NewStyle(&excelize.Style{CustomNumFmt: &f})
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		x.style[k] = id
	}
	id, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	x.header = id
	return nil
}

// startSheet begins a sheet with the header row.
func (x *xlsxWriter) startSheet(name string) error {
	x.sheets++
	if x.sheets > 1 {
		if _, err := x.f.NewSheet(name); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for i, c := range x.t.Columns {
		width := max(10, float64(len(c.Name))+2)
		if c.Kind == metrics.FieldTime {
			width = 20
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		x.vals[i] = excelize.Cell{StyleID: x.header, Value: c.Name}
	}
	if err := sw.SetRow("A1", x.vals); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	x.sw, x.row = sw, 0
	return nil
}

// WriteRow writes one row, starting a new sheet when this one is full.
func (x *xlsxWriter) WriteRow(cells []metrics.Cell) error {
	if x.row == xlsxMaxRows {
		if err := x.sw.Flush(); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if err := x.startSheet(fmt.Sprintf("%s_%d", x.base, x.sheets+1)); err != nil {
			return err
		}
	}
	for i, col := range x.t.Columns {
		v := x.t.XLSXValue(i, cells[i])
		if id, ok := x.style[col.Kind]; ok && v != nil {
			v = excelize.Cell{StyleID: id, Value: v}
		}
		x.vals[i] = v
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row+1)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := x.sw.SetRow(cell, x.vals); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// Close ends the last sheet.
func (x *xlsxWriter) Close() error {
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

var _ Writer = (*xlsxWriter)(nil)

// XLSXValue is the value excelize writes for cell i of a row of t: nil for
// null, numbers as numbers, booleans as booleans, dates and wall-clock
// times as Excel dates, instants as Excel dates of the table's local time
// (Excel has no zones), text as a string cell, which excelize writes as
// text, never as a formula. Every workbook that shows a table (the API's
// xlsx, the reports' Rooms sheet) converts its cells here.
func (t Table) XLSXValue(i int, c metrics.Cell) any {
	if c.Null {
		return nil
	}
	switch t.Columns[i].Kind {
	case metrics.FieldCount:
		return c.I
	case metrics.FieldFloat, metrics.FieldSeconds:
		return c.F
	case metrics.FieldBool:
		return c.B
	case metrics.FieldDate, metrics.FieldLocalTime:
		return c.T
	case metrics.FieldTime:
		return c.T.In(t.Location)
	}
	return c.S
}
