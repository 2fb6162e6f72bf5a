package export

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
)

// TestXLSXSheets checks that a table longer than a sheet goes on in
// further sheets, each with the header row.
func TestXLSXSheets(t *testing.T) {
	defer func(n int) { xlsxMaxRows = n }(xlsxMaxRows)
	xlsxMaxRows = 10
	tbl := Table{Columns: []Column{{Name: "n", Kind: metrics.FieldCount}, {Name: "at", Kind: metrics.FieldTime}}, Location: time.UTC}
	var buf bytes.Buffer
	err := WriteXLSX(&buf, "rooms", tbl, XLSXOptions{}, func(tw Writer) error {
		for i := range 25 {
			if err := tw.WriteRow([]metrics.Cell{{I: int64(i)}, {Null: true}}); err != nil {
				return err
			}
		}
		return tw.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]int{"rooms": 10, "rooms_2": 10, "rooms_3": 5}
	if got := f.GetSheetList(); fmt.Sprint(got) != "[rooms rooms_2 rooms_3]" {
		t.Fatalf("sheets %v", got)
	}
	next := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "n" || rows[0][1] != "at" || len(rows)-1 != want[sheet] {
			t.Errorf("%s: header %v, %d rows", sheet, rows[0], len(rows)-1)
		}
		for _, r := range rows[1:] {
			if r[0] != fmt.Sprint(next) {
				t.Errorf("%s: row %v, want %d", sheet, r, next)
			}
			next++
		}
	}
}
