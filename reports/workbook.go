package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
)

// Sheets are the workbook's sheets, in order (docs/reports.md). Their names stay
// English in every locale, so that a client's macros and scripts find them.
var Sheets = []string{"Summary", "Hourly", "Agents", "Teams", "Channels", "Categories", "Rooms", "Definitions"}

// WriteWorkbook writes the workbook of d to w. The Rooms sheet is
// streamed from the database through excelize's StreamWriter, which spills
// to a temporary file: memory does not grow with the number of rooms.
func (g *Generator) WriteWorkbook(ctx context.Context, d *Daily, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	b, err := newBook(f, d)
	if err != nil {
		return err
	}
	steps := []func() error{
		b.summary,
		b.hourly,
		func() error { return b.groups("Agents", "agent_id", d.Agents) },
		func() error { return b.groups("Teams", "team_id", d.Teams) },
		func() error { return b.groups("Channels", "channel", d.Channels) },
		func() error { return b.groups("Categories", "category", d.Categories) },
		func() error { return b.rooms(ctx, g.DB) },
		b.definitions,
	}
	for i, step := range steps {
		g.progress("sheet %d of %d", i+1, len(steps))
		if err := step(); err != nil {
			return fmt.Errorf("workbook %s %s: %w", d.Tenant(), d.Date(), err)
		}
	}
	// Summary stays the active sheet (it was the new file's first). No
	// SetActiveSheet: it would read every worksheet back, the streamed
	// Rooms sheet included, whole, into memory.
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    fmt.Sprintf("%s %s %s", d.Config.Name, b.t.Title, d.Date()),
		Subject:  "SQI daily report",
		Creator:  "sqi",
		Created:  d.GeneratedAt.UTC().Format(time.RFC3339),
		Modified: d.GeneratedAt.UTC().Format(time.RFC3339),
		Language: d.Config.Locale,
	}); err != nil {
		return fmt.Errorf("workbook properties: %w", err)
	}
	g.progress("writing the file")
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// book is a workbook being written: its file, the report, the words of the
// locale and the styles, created once.
type book struct {
	f      *excelize.File
	d      *Daily
	t      *texts
	loc    *time.Location
	styles map[string]int
}

func newBook(f *excelize.File, d *Daily) (*book, error) {
	b := &book{f: f, d: d, t: textsFor(d.Config.Locale), loc: d.Config.Location(), styles: map[string]int{}}
	font := "Calibri"
	if d.Config.Locale == "ko" {
		font = "Malgun Gothic" // 맑은 고딕: Excel's Korean UI font
	}
	if err := f.SetDefaultFont(font); err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", Sheets[0]); err != nil {
		return nil, err
	}
	for _, s := range Sheets[1:] {
		if _, err := f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Styles by name. Number formats keep the values those of the API
// (seconds, percent as 0..100) and only change how they read.
func (b *book) style(name string) (int, error) {
	if id, ok := b.styles[name]; ok {
		return id, nil
	}
	sec := b.t.Seconds
	pp := " pp"
	if b.d.Config.Locale == "ko" {
		pp = "%p"
	}
	numFmt := func(f string) *string { return &f }
	headerFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EDF3"}}
	bottom := []excelize.Border{{Type: "bottom", Color: "9AA5B1", Style: 1}}
	var s excelize.Style
	switch name {
	case "title":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: "1F2933"}}
	case "subtitle":
		s = excelize.Style{Font: &excelize.Font{Size: 10, Color: "52606D"}}
	case "header":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F2933"}, Fill: headerFill,
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}
	case "headerR":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F2933"}, Fill: headerFill,
			Alignment: &excelize.Alignment{Vertical: "center", Horizontal: "right", WrapText: true}}
	case "key":
		s = excelize.Style{Font: &excelize.Font{Size: 9, Color: "52606D", Family: "Consolas"}, Fill: headerFill, Border: bottom}
	case "keyR":
		s = excelize.Style{Font: &excelize.Font{Size: 9, Color: "52606D", Family: "Consolas"}, Fill: headerFill, Border: bottom,
			Alignment: &excelize.Alignment{Horizontal: "right"}}
	case "keycell":
		s = excelize.Style{Font: &excelize.Font{Size: 9, Color: "52606D", Family: "Consolas"}}
	case "text":
		s = excelize.Style{}
	case "bold":
		s = excelize.Style{Font: &excelize.Font{Bold: true}}
	case "count":
		s = excelize.Style{CustomNumFmt: numFmt("#,##0")}
	case "count1":
		s = excelize.Style{CustomNumFmt: numFmt("#,##0.0")}
	case "seconds":
		s = excelize.Style{CustomNumFmt: numFmt(`#,##0.00"` + sec + `"`)}
	case "percent":
		s = excelize.Style{CustomNumFmt: numFmt(`0.00"%"`)}
	case "points":
		s = excelize.Style{CustomNumFmt: numFmt("0.00")}
	case "sqi":
		s = excelize.Style{CustomNumFmt: numFmt("0.0"), Font: &excelize.Font{Bold: true}}
	case "sqibig":
		s = excelize.Style{CustomNumFmt: numFmt("0.0"), Font: &excelize.Font{Bold: true, Size: 14, Color: "2F6FB3"}}
	case "gradebig":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Color: "2F6FB3"}, Alignment: &excelize.Alignment{Horizontal: "right"}}
	case "grade":
		s = excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center"}}
	case "dcount":
		s = excelize.Style{CustomNumFmt: numFmt("+#,##0;-#,##0;0")}
	case "dcount1":
		s = excelize.Style{CustomNumFmt: numFmt("+#,##0.0;-#,##0.0;0.0")}
	case "dseconds":
		s = excelize.Style{CustomNumFmt: numFmt(`+#,##0.00"` + sec + `";-#,##0.00"` + sec + `";0.00"` + sec + `"`)}
	case "dpercent":
		s = excelize.Style{CustomNumFmt: numFmt(`+0.00"` + pp + `";-0.00"` + pp + `";0.00"` + pp + `"`)}
	case "dpoints":
		s = excelize.Style{CustomNumFmt: numFmt("+0.00;-0.00;0.00")}
	case "dsqi":
		s = excelize.Style{CustomNumFmt: numFmt("+0.0;-0.0;0.0"), Font: &excelize.Font{Bold: true}}
	case "datetime":
		s = excelize.Style{CustomNumFmt: numFmt("yyyy-mm-dd hh:mm:ss")}
	case "date":
		s = excelize.Style{CustomNumFmt: numFmt("yyyy-mm-dd")}
	case "hour":
		s = excelize.Style{CustomNumFmt: numFmt("hh:mm"), Alignment: &excelize.Alignment{Horizontal: "left"}}
	case "wrap":
		s = excelize.Style{Alignment: &excelize.Alignment{WrapText: true}}
	case "section":
		s = excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F2933"}, Border: bottom}
	default:
		return 0, fmt.Errorf("unknown style %q", name)
	}
	id, err := b.f.NewStyle(&s)
	if err != nil {
		return 0, fmt.Errorf("style %s: %w", name, err)
	}
	b.styles[name] = id
	return id, nil
}

// kindStyle is the style of a value of kind k; delta for a change.
func kindStyle(k metrics.Kind, delta bool) string {
	name := [...]string{metrics.Count: "count", metrics.Seconds: "seconds", metrics.Percent: "percent", metrics.Points: "points"}[k]
	if delta {
		return "d" + name
	}
	return name
}

// sheet writes the cells of a normal (not streamed) sheet and remembers
// the widest content of each column to fit the widths at the end.
type sheet struct {
	b      *book
	name   string
	widths map[int]float64
	min    map[int]float64
	fixed  map[int]float64 // columns whose width is set, not fitted
	wraps  []wrapped
	err    error
}

// wrapped is a cell whose text wraps: its row is made as tall as its
// lines (neither Excel nor LibreOffice grows a row written by a library).
type wrapped struct {
	col, row      int
	width, factor float64
}

func (b *book) sheet(name string) *sheet {
	return &sheet{b: b, name: name, widths: map[int]float64{}, min: map[int]float64{}, fixed: map[int]float64{}}
}

// set writes v at (col, row), both 1-based, with the named style. v is a
// string (always written as text: one that begins with =, +, - or @ stays
// text and is never a formula), a float64, an int or nil (nothing written,
// so a null stays empty).
func (s *sheet) set(col, row int, v any, style string) {
	if s.err != nil || v == nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		s.err = err
		return
	}
	var shown string
	switch v := v.(type) {
	case string:
		err = s.b.f.SetCellStr(s.name, cell, v)
		shown = v
	case float64:
		err = s.b.f.SetCellFloat(s.name, cell, v, -1, 64)
		shown = s.b.shownNumber(v, style)
	case int:
		err = s.b.f.SetCellInt(s.name, cell, int64(v))
		shown = s.b.shownNumber(float64(v), style)
	default:
		err = fmt.Errorf("cell %s: unsupported value %T", cell, v)
	}
	if err == nil && style != "" {
		var id int
		if id, err = s.b.style(style); err == nil {
			err = s.b.f.SetCellStyle(s.name, cell, cell, id)
		}
	}
	if err != nil {
		s.err = err
		return
	}
	w := displayWidth(shown)
	switch style {
	case "header", "headerR":
		s.wraps = append(s.wraps, wrapped{col, row, w, 1.1})
	case "wrap":
		s.wraps = append(s.wraps, wrapped{col, row, w, 0.8})
	}
	switch style {
	case "sqibig", "gradebig":
		w *= 1.4
	case "key", "keyR", "keycell":
		w *= 0.85 // 9 points against the 11 of the column's unit
	case "header", "headerR", "wrap":
		w = min(w, 16) // wraps
	case "title", "subtitle":
		w = 0 // overflows into the empty cells beside
	}
	s.widths[col] = max(s.widths[col], w)
}

// value writes a metric value as users see it (rounded as docs/metrics.md says);
// a null is left empty, never 0.
func (s *sheet) value(col, row int, v metrics.Value, k metrics.Kind) {
	if v.Null {
		return
	}
	s.set(col, row, metrics.RoundKind(k, v.V), kindStyle(k, false))
}

// fit sets each column's width to its widest content, within limits.
func (s *sheet) fit() error {
	if s.err != nil {
		return s.err
	}
	final := map[int]float64{}
	for col, w := range s.widths {
		final[col] = min(max(w+2, s.min[col], 6), 60)
	}
	for col, w := range s.fixed {
		final[col] = w
	}
	for col, w := range final {
		name, err := excelize.ColumnNumberToName(col)
		if err != nil {
			return err
		}
		if err := s.b.f.SetColWidth(s.name, name, name, w); err != nil {
			return err
		}
	}
	lines := map[int]int{}
	for _, c := range s.wraps {
		// Excel's width unit is the width of a digit: running text is a
		// little narrower, bold headers a little wider.
		n := int(math.Ceil(c.width * c.factor / max(final[c.col]-1, 1)))
		lines[c.row] = max(lines[c.row], n)
	}
	for row, n := range lines {
		if n > 1 {
			if err := s.b.f.SetRowHeight(s.name, row, 15*float64(n)+3); err != nil {
				return err
			}
		}
	}
	return nil
}

// freeze keeps the first rows and columns in view.
func (s *sheet) freeze(rows, cols int) error {
	if s.err != nil {
		return s.err
	}
	top, err := excelize.CoordinatesToCellName(cols+1, rows+1)
	if err != nil {
		return err
	}
	return s.b.f.SetPanes(s.name, &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: top, ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomRight"}}})
}

// landscape prints the sheet landscape; fit also scales it to one page
// wide (the narrow sheets: a 40-column table would shrink unreadably).
func (s *sheet) landscape(fit bool) error {
	if s.err != nil {
		return s.err
	}
	o, one, zero := "landscape", 1, 0
	layout := &excelize.PageLayoutOptions{Orientation: &o}
	if fit {
		layout.FitToWidth, layout.FitToHeight = &one, &zero
	}
	if err := s.b.f.SetPageLayout(s.name, layout); err != nil {
		return err
	}
	return s.b.f.SetSheetProps(s.name, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// printTitles repeats the first rows on every printed page.
func (s *sheet) printTitles(rows int) error {
	return s.b.f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", Scope: s.name,
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", s.name, rows),
	})
}

// shownNumber is v as the style displays it, to measure its width.
func (b *book) shownNumber(v float64, style string) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	switch strings.TrimPrefix(style, "d") {
	case "count":
		s = strconv.FormatFloat(v, 'f', 0, 64)
		s += strings.Repeat(",", len(s)/3)
	case "count1", "sqi", "sqibig":
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case "seconds":
		s += " " + b.t.Seconds
	case "percent":
		s += "%p"
	case "datetime":
		s = "2006-01-02 15:04:05"
	case "hour":
		s = "00:00"
	}
	if strings.HasPrefix(style, "d") && style != "datetime" {
		s = "+" + s
	}
	return s
}

// displayWidth approximates the width of s in Excel's character units:
// wide (Hangul, CJK) characters count two.
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Hangul, r), unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			w += 2
		case r == '\n':
		default:
			w++
		}
	}
	return w
}

// excelEpoch is day 0 of Excel's 1900 date system (as Excel counts it,
// with its 29 February 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serial is t as an Excel date-time serial in the tenant's wall-clock time:
// Excel has no time zones, so the cell shows the local time the tenant
// reads everywhere else.
func (b *book) serial(t time.Time) float64 {
	lt := t.In(b.loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	return math.Round(wall.Sub(excelEpoch).Seconds()) / 86400
}
