package export

import (
	"bytes"
	"testing"
	"time"

	"sqi/metrics"
)

// TestCSVFormulaText: text that a spreadsheet would run as a formula gets a
// ' before it, unless the caller asks for exact values; numbers never
// change.
func TestCSVFormulaText(t *testing.T) {
	tbl := Table{Columns: []Column{{Name: "text", Kind: metrics.FieldText}, {Name: "n", Kind: metrics.FieldFloat}}, Location: time.UTC}
	rows := []struct{ text, escaped string }{
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+1", "'+1"},
		{"-x", "'-x"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"plain = text", "plain = text"},
		{"결제", "결제"},
	}
	for _, tc := range []struct {
		name  string
		opts  CSVOptions
		exact bool
	}{{"default", CSVOptions{}, false}, {"exact", CSVOptions{Exact: true}, true}} {
		var buf bytes.Buffer
		w, err := NewCSVWriter(&buf, tbl, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		want.WriteString("text,n\r\n")
		for _, r := range rows {
			if err := w.WriteRow([]metrics.Cell{{S: r.text}, {F: -1.5}}); err != nil {
				t.Fatal(err)
			}
			cell := r.escaped
			if tc.exact {
				cell = r.text
			}
			if bytes.ContainsAny([]byte(cell), "\"\r\n,") || cell[0] == ' ' || cell[0] == '\t' {
				cell = `"` + cell + `"`
			}
			want.WriteString(cell + ",-1.5\r\n")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != want.String() {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, buf.String(), want.String())
		}
	}
}
