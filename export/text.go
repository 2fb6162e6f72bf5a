package export

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

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
