package export

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// cellColumns finds the cells of row in line, in order, and returns the
// terminal columns where each starts and ends (a Hangul syllable is two
// columns wide).
func cellColumns(t *testing.T, line string, row []string) (starts, ends []int) {
	t.Helper()
	off := 0
	for _, c := range row {
		i := strings.Index(line[off:], c)
		if i < 0 {
			t.Fatalf("cell %q not found in %q after byte %d", c, line, off)
		}
		start := runewidth.StringWidth(line[:off+i])
		off += i + len(c)
		starts = append(starts, start)
		ends = append(ends, start+runewidth.StringWidth(c))
	}
	return starts, ends
}

// Hangul takes two terminal columns: every cell of a column starts (left
// aligned) or ends (right aligned) at the same column in every row,
// checked column by column.
func TestTextTableHangul(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"category", "tenant", "rooms", "sqi", "grade"},
		{"환불 문의", "이니텍", "1234", "88.5", "B"},
		{"login", "Acme 고객센터", "7", "-", "-"},
		{"배송", "globex", "56", "100", "S"},
		{"app_error", "x", "0", "9.5", "D"},
		{"…", "ü", "1", "1", "A"}, // ambiguous and narrow: one column each
	}
	for _, right := range []bool{true, false} {
		t.Run(fmt.Sprintf("alignRight=%v", right), func(t *testing.T) {
			var b strings.Builder
			tt := NewTextTable(&b, right)
			for _, r := range rows {
				fmt.Fprintln(tt, strings.Join(r, "\t")+"\t")
			}
			if b.Len() != 0 {
				t.Fatal("text written before Flush")
			}
			if err := tt.Flush(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if len(lines) != len(rows) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(rows), b.String())
			}
			var want []int
			for i, line := range lines {
				starts, ends := cellColumns(t, line, rows[i])
				edge := ends
				if !right {
					edge = starts
					if strings.HasSuffix(line, " ") {
						t.Errorf("line %d has trailing blanks: %q", i, line)
					}
				}
				if i == 0 {
					want = edge
					continue
				}
				for col := range edge {
					if edge[col] != want[col] {
						t.Errorf("row %d, column %d (%q): at terminal column %d, the header's is at %d\n%s",
							i, col, rows[i][col], edge[col], want[col], b.String())
					}
				}
			}
			// Two blanks between the widest cells of neighbouring columns.
			if right && !strings.HasPrefix(lines[1], "  환불 문의") {
				t.Errorf("widest cell of the first column not two blanks in: %q", lines[1])
			}
			if !right && !strings.HasPrefix(lines[2], "login      Acme 고객센터  ") {
				t.Errorf("left-aligned row: %q", lines[2])
			}
		})
	}
}

// Rows of different lengths and an empty table.
func TestTextTableRagged(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	tt := NewTextTable(&b, false)
	fmt.Fprint(tt, "a\tbb\tc\n")
	fmt.Fprint(tt, "이니텍\n")
	fmt.Fprint(tt, "dd\te\n")
	if err := tt.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "a       bb  c\n이니텍\ndd      e\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := NewTextTable(&b, true).Flush(); err != nil || b.Len() != 0 {
		t.Errorf("empty table wrote %q, %v", b.String(), err)
	}
}
