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

// XLSXOptions are the choices of an xlsx download.
type XLSXOptions struct {
	// Lang (ko or en) adds a row of the columns' labels in that language
	// above the row of their names, and a Definitions sheet (정의 in
	// Korean): each column's name, label and definition.
	Lang string
}

// WriteXLSX writes a table as an Excel workbook: a header row of the
// column names (bold, frozen), numbers as numbers, dates and times as
// Excel dates in the tenant's zone, null as an empty cell. Rows go through
// excelize's stream writer, which keeps at most a chunk of them in memory
// and the rest in a temporary file; the workbook is zipped onto w at the
// end. Text is always written as text, never as a formula.
func WriteXLSX(w io.Writer, sheet string, t Table, opts XLSXOptions, rows func(Writer) error) error {
	f := NewWorkbook()
	defer f.Close()
	xw := &xlsxWriter{f: f, t: t, lang: opts.Lang, base: sheet, vals: make([]any, len(t.Columns))}
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
	if opts.Lang != "" {
		if err := xw.definitions(); err != nil {
			return err
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

type xlsxWriter struct {
	f      *excelize.File
	t      Table
	lang   string
	base   string
	sheets int
	sw     *excelize.StreamWriter
	row    int // data rows in the current sheet
	style  map[metrics.FieldKind]int
	month  int // the style of month columns
	header int
	vals   []any
}

func (x *xlsxWriter) styles() error {
	// In a fixed order, so that the same table gives the same bytes (a
	// download is read in ranges by several requests).
	formats := []struct {
		kind metrics.FieldKind
		fmt  string
	}{
		{metrics.FieldDate, "yyyy-mm-dd"},
		{metrics.FieldTime, "yyyy-mm-dd hh:mm:ss"},
		{metrics.FieldLocalTime, "yyyy-mm-dd hh:mm"},
		{metrics.FieldFloat, "0.00"},
		{metrics.FieldSeconds, "0.00"},
	}
	x.style = make(map[metrics.FieldKind]int)
	for _, f := range formats {
		id, err := x.f.NewStyle(&excelize.Style{CustomNumFmt: &f.fmt})
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		x.style[f.kind] = id
	}
	id, err := x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	x.header = id
	mf := "yyyy-mm"
	if x.month, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &mf}); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// headerRows is how many rows head a sheet: the names, below the labels
// when there are labels.
func (x *xlsxWriter) headerRows() int {
	if x.lang != "" {
		return 2
	}
	return 1
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
	h := x.headerRows()
	top, _ := excelize.CoordinatesToCellName(1, h+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: h, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for i, c := range x.t.Columns {
		width := max(10, float64(len(c.Name))+2)
		if x.lang != "" {
			width = max(width, float64(textWidth.StringWidth(c.Label(x.lang)))+2)
		}
		if c.Kind == metrics.FieldTime {
			width = max(width, 20)
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	row := 1
	if x.lang != "" {
		for i := range x.t.Columns {
			x.vals[i] = excelize.Cell{StyleID: x.header, Value: x.t.Columns[i].Label(x.lang)}
		}
		if err := sw.SetRow("A1", x.vals); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		row++
	}
	for i, c := range x.t.Columns {
		x.vals[i] = excelize.Cell{StyleID: x.header, Value: c.Name}
	}
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(cell, x.vals); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	x.sw, x.row = sw, 0
	return nil
}

// definitionsSheet is the name of the Definitions sheet in a language,
// the same as the reports' (지표 정의, Definitions).
func definitionsSheet(lang string) string {
	if lang == "ko" {
		return "지표 정의"
	}
	return "Definitions"
}

// definitions writes the Definitions sheet: a row per column with its
// name, its label and its definition in the workbook's language.
func (x *xlsxWriter) definitions() error {
	name := definitionsSheet(x.lang)
	if _, err := x.f.NewSheet(name); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for col, width := range []float64{28, 30, 100} {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	head := []string{"Key", "Label", "Definition"} // the reports' headers
	if x.lang == "ko" {
		head = []string{"키", "항목", "정의"}
	}
	vals := []any{excelize.Cell{StyleID: x.header, Value: head[0]}, excelize.Cell{StyleID: x.header, Value: head[1]}, excelize.Cell{StyleID: x.header, Value: head[2]}}
	if err := sw.SetRow("A1", vals); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	for i := range x.t.Columns {
		c := &x.t.Columns[i]
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{c.Name, c.Label(x.lang), c.Definition(x.lang)}); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// WriteRow writes one row, starting a new sheet when this one is full.
func (x *xlsxWriter) WriteRow(cells []metrics.Cell) error {
	if x.row == xlsxMaxRows-(x.headerRows()-1) {
		if err := x.sw.Flush(); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if err := x.startSheet(fmt.Sprintf("%s_%d", x.base, x.sheets+1)); err != nil {
			return err
		}
	}
	for i, col := range x.t.Columns {
		v := x.t.XLSXValue(i, cells[i])
		id, ok := x.style[col.Kind]
		if col.Month {
			id = x.month
		}
		if ok && v != nil {
			v = excelize.Cell{StyleID: id, Value: v}
		}
		x.vals[i] = v
	}
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row+x.headerRows())
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
