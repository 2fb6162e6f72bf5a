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

	"sqi/export"
	"sqi/metrics"
)

// WriteWorkbook writes the workbook of d to w. The Rooms sheet is
// streamed from the database through excelize's StreamWriter, which spills
// to a temporary file: memory does not grow with the number of rooms.
func (g *Generator) WriteWorkbook(ctx context.Context, d *Report, w io.Writer) error {
	f := export.NewWorkbook()
	defer f.Close()
	b, err := newBook(f, d)
	if err != nil {
		return err
	}
	timeSheet := b.hourly
	if d.Kind != KindDaily {
		timeSheet = b.days
	}
	steps := []func() error{
		b.summary,
		timeSheet,
		func() error { return b.groups("agents", "agent_id", d.Agents) },
		func() error { return b.groups("teams", "team_id", d.Teams) },
		func() error { return b.groups("channels", "channel", d.Channels) },
		func() error { return b.groups("categories", "category", d.Categories) },
		func() error { return b.rooms(ctx, g.DB, g.WeeklyRoomsLimit) },
		b.definitions,
	}
	for i, step := range steps {
		g.progress("sheet %d of %d", i+1, len(steps))
		if err := step(); err != nil {
			return fmt.Errorf("workbook %s %s %s: %w", d.Tenant(), d.Kind, d.ID(), err)
		}
	}
	// Summary stays the active sheet (it was the new file's first). No
	// SetActiveSheet: it would read every worksheet back, the streamed
	// Rooms sheet included, whole, into memory.
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    fmt.Sprintf("%s %s %s", d.Config.Name, b.k.Title, d.Label()),
		Subject:  textsEN.Kind[d.Kind].Title,
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
	d      *Report
	t      *texts
	k      kindTexts
	loc    *time.Location
	styles map[string]int
}

func newBook(f *excelize.File, d *Report) (*book, error) {
	t := textsFor(d.Config.Locale)
	b := &book{f: f, d: d, t: t, k: t.Kind[d.Kind], loc: d.Config.Location(), styles: map[string]int{}}
	font := "Calibri"
	if d.Config.Locale == "ko" {
		font = "Malgun Gothic" // 맑은 고딕: Excel's Korean UI font
	}
	if err := f.SetDefaultFont(font); err != nil {
		return nil, err
	}
	names := SheetNames(d.Kind, d.Config.Locale)
	if err := f.SetSheetName("Sheet1", names[0]); err != nil {
		return nil, err
	}
	for _, s := range names[1:] {
		if _, err := f.NewSheet(s); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// name is the name of the sheet whose key is key, in the report's locale.
func (b *book) name(key string) string { return b.t.Sheets[key] }

// ref is a reference to the cells col1row1:col2row2 of the sheet whose
// key is key, quoted (Korean names and names with spaces need it).
func (b *book) ref(key string, col1, row1, col2, row2 int) string {
	c1, _ := excelize.ColumnNumberToName(col1)
	c2, _ := excelize.ColumnNumberToName(col2)
	r := fmt.Sprintf("'%s'!$%s$%d", b.name(key), c1, row1)
	if col1 != col2 || row1 != row2 {
		r += fmt.Sprintf(":$%s$%d", c2, row2)
	}
	return r
}

// durationFormat shows an Excel time (days) as people read a duration:
// m:ss under an hour, h:mm:ss from an hour, rounded to the second, as
// durationText writes it. The minutes and hours are elapsed ([m], [h]):
// they do not wrap at 60 minutes or 24 hours.
const durationFormat = `[<0.04166666666666][m]:ss;[h]:mm:ss`

// Colours of a change, the e-mail's: better, worse, neither.
var changeColours = map[string]string{"better": "1A7F37", "worse": "C62828", "flat": "6B7580"}

// Styles by name: a base name, and for a change "|better", "|worse" or
// "|flat" for its colour. Number formats keep the values those of the API
// (percent as 0..100, points) and only change how they read; durations
// are Excel times (seconds / 86400), so that Excel's time formats show
// them as 2:35 and a user's SUM, AVERAGE or comparison with TIME() works
// as on any time.
func (b *book) style(name string) (int, error) {
	if id, ok := b.styles[name]; ok {
		return id, nil
	}
	base, colour, _ := strings.Cut(name, "|")
	s, err := b.baseStyle(base)
	if err != nil {
		return 0, err
	}
	if colour != "" {
		c, ok := changeColours[colour]
		if !ok {
			return 0, fmt.Errorf("unknown colour %q", colour)
		}
		if s.Font == nil {
			s.Font = &excelize.Font{}
		}
		s.Font.Color = c
	}
	id, err := b.f.NewStyle(&s)
	if err != nil {
		return 0, fmt.Errorf("style %s: %w", name, err)
	}
	b.styles[name] = id
	return id, nil
}

func (b *book) baseStyle(name string) (excelize.Style, error) {
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
	case "seconds": // the Rooms sheet: the room export's seconds
		s = excelize.Style{CustomNumFmt: numFmt(`#,##0.00"` + sec + `"`)}
	case "duration":
		s = excelize.Style{CustomNumFmt: numFmt(durationFormat)}
	case "dtext": // a change shown as text: a duration's (Excel has no negative times)
		s = excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}}
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
	case "day":
		s = excelize.Style{CustomNumFmt: numFmt("yyyy-mm-dd"), Alignment: &excelize.Alignment{Horizontal: "left"}}
	default:
		return s, fmt.Errorf("unknown style %q", name)
	}
	return s, nil
}

// kindStyle is the style of a value of kind k; delta for a change (a
// duration's change is text: dtext).
func kindStyle(k metrics.Kind, delta bool) string {
	name := [...]string{metrics.Count: "count", metrics.Seconds: "duration", metrics.Percent: "percent", metrics.Points: "points"}[k]
	if delta {
		if k == metrics.Seconds {
			return "dtext"
		}
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

// value writes a metric value as users see it (rounded as docs/metrics.md
// says; a duration as an Excel time); a null is left empty, never 0.
func (s *sheet) value(col, row int, v metrics.Value, k metrics.Kind) {
	if v.Null {
		return
	}
	s.set(col, row, cellValue(k, metrics.RoundKind(k, v.V)), kindStyle(k, false))
}

// cellValue is the cell of a rounded value of kind k: a duration's
// seconds become an Excel time, days.
func cellValue(k metrics.Kind, v float64) float64 {
	if k == metrics.Seconds {
		return v / 86400
	}
	return v
}

// change writes the change v of a value of kind k, whose direction dir
// says which way is better (+1 up, -1 down, 0 neither), coloured as the
// e-mail colours it. A duration's change is text (+0:04, −1:05): Excel's
// 1900 date system shows a negative time as #####.
func (s *sheet) change(col, row int, v metrics.Value, k metrics.Kind, style string, dir int) {
	if v.Null {
		return
	}
	colour := "|" + changeColour(shownChange(v.V, k), dir)
	if k == metrics.Seconds {
		s.set(col, row, signedDuration(v.V), "dtext"+colour)
		return
	}
	s.set(col, row, v.V, style+colour)
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
	style, _, _ = strings.Cut(style, "|")
	delta := false
	switch style {
	case "dcount", "dcount1", "dpercent", "dpoints", "dsqi":
		style, delta = style[1:], true
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	switch style {
	case "count":
		s = strconv.FormatFloat(v, 'f', 0, 64)
		s += strings.Repeat(",", len(s)/3)
	case "count1", "sqi", "sqibig":
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case "seconds":
		s += " " + b.t.Seconds
	case "duration":
		s = metrics.DurationText(v * 86400)
	case "percent":
		s += "%p"
	case "datetime":
		s = "2006-01-02 15:04:05"
	case "date", "day":
		s = "2006-01-02"
	case "hour":
		s = "00:00"
	}
	if delta {
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
