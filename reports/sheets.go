package reports

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
)

func points(r *metrics.Row, name string) metrics.Value {
	for _, c := range r.Components {
		if c.Name == name {
			return c.Points
		}
	}
	return metrics.Value{Null: true}
}

func sqiValue(r *metrics.Row) metrics.Value {
	if r.SQI.Null {
		return r.SQI
	}
	return metrics.Value{V: metrics.Round(r.SQI.V, 1)}
}

// diff is a − b as shown, rounded to places; null when either is.
func diff(a, b metrics.Value, places int) metrics.Value {
	if a.Null || b.Null {
		return metrics.Value{Null: true}
	}
	return metrics.Value{V: metrics.Round(a.V-b.V, places)}
}

func rounded(v metrics.Value, places int) metrics.Value {
	if v.Null {
		return v
	}
	return metrics.Value{V: metrics.Round(v.V, places)}
}

// Summary layout.
const (
	sumHeader   = 4 // header row of the main table
	trendCol    = 9 // column I: the 14-day table
	trendHeader = sumHeader
)

// summary writes the Summary sheet: the day's SQI, grade, components and
// every metric beside the previous day, the 7-day baseline and the
// changes; the 14-day SQI table and its chart on the right.
func (b *book) summary() error {
	d, t := b.d, b.t
	s := b.sheet("Summary")
	s.set(1, 1, fmt.Sprintf("%s · %s", d.Config.Name, t.Title), "title")
	s.set(1, 2, fmt.Sprintf("%s %s (%s) · %s %s · %s %s – %s (%.0f h) · %s · %s %s",
		t.Date, d.Date(), weekday(d.Day, d.Config.Locale == "ko"), t.TimeZone, d.Config.TimeZone,
		t.Period, d.Start.In(b.loc).Format("2006-01-02 15:04"), d.End.In(b.loc).Format("2006-01-02 15:04"), d.End.Sub(d.Start).Hours(),
		t.HoursMode[d.Config.Hours], t.Generated, d.GeneratedAt.In(b.loc).Format("2006-01-02 15:04 MST")), "subtitle")

	head := []string{t.Key, t.Label, t.Day, t.Prev, t.Change, t.Week, t.ChangeWeek}
	for i, h := range head {
		style := "headerR"
		if i < 2 {
			style = "header"
		}
		s.set(i+1, sumHeader, h, style)
	}
	row := sumHeader + 1

	// SQI and grade.
	day, prev, week := sqiValue(&d.Total), sqiValue(&d.Prev), sqiValue(&d.Week)
	s.set(1, row, "sqi", "keycell")
	s.set(2, row, t.SQI, "bold")
	for i, v := range []metrics.Value{day, prev, diff(day, prev, 1), week, diff(day, week, 1)} {
		style := "sqi"
		if i == 2 || i == 4 {
			style = "dsqi"
		}
		if i == 0 {
			style = "sqibig"
		}
		if !v.Null {
			s.set(3+i, row, v.V, style)
		}
	}
	row++
	s.set(1, row, "grade", "keycell")
	s.set(2, row, t.Grade, "bold")
	for i, g := range []string{d.Total.Grade, d.Prev.Grade, "", d.Week.Grade} {
		style := "grade"
		if i == 0 {
			style = "gradebig"
		}
		if g != "" {
			s.set(3+i, row, g, style)
		}
	}
	row++

	// Components.
	for _, name := range d.Config.ComponentNames() {
		c := d.Config.Components[name]
		s.set(1, row, "components."+name, "keycell")
		s.set(2, row, fmt.Sprintf("%s (%s)", t.componentLabel(name), c.Metric), "text")
		dp, pp, wp := rounded(points(&d.Total, name), 2), rounded(points(&d.Prev, name), 2), rounded(points(&d.Week, name), 2)
		for i, v := range []metrics.Value{dp, pp, diff(dp, pp, 2), wp, diff(dp, wp, 2)} {
			style := "points"
			if i == 2 || i == 4 {
				style = "dpoints"
			}
			if !v.Null {
				s.set(3+i, row, v.V, style)
			}
		}
		row++
	}

	// Every metric.
	for i, m := range metrics.Catalog {
		s.set(1, row, m.Name, "keycell")
		s.set(2, row, t.metricLabel(i), "text")
		dv, pv := d.Total.Rounded(i), d.Prev.Rounded(i)
		wv, wstyle := d.Week.Rounded(i), kindStyle(m.Kind, false)
		places := 2
		if m.Kind == metrics.Count {
			// The baseline of a count is its mean per day.
			wv, wstyle = rounded(metrics.Value{V: d.Week.Values[i].V / WeekDays}, 1), "count1"
			places = 1
		}
		s.value(3, row, dv, m.Kind)
		s.value(4, row, pv, m.Kind)
		if v := diff(dv, pv, 2); !v.Null {
			s.set(5, row, v.V, kindStyle(m.Kind, true))
		}
		if !wv.Null {
			s.set(6, row, wv.V, wstyle)
		}
		if v := diff(dv, wv, places); !v.Null {
			style := kindStyle(m.Kind, true)
			if m.Kind == metrics.Count {
				style = "dcount1"
			}
			s.set(7, row, v.V, style)
		}
		row++
	}
	s.set(1, row+1, t.WeekNote, "subtitle")
	s.min[2] = 24

	// The 14-day trend and its chart.
	for i, h := range []string{t.Date, t.SQI, t.Grade, t.Rooms} {
		style := "headerR"
		if i == 0 {
			style = "header"
		}
		s.set(trendCol+i, trendHeader, h, style)
	}
	for i, td := range d.Trend {
		r := trendHeader + 1 + i
		s.set(trendCol, r, td.Date.Format(metrics.DateLayout), "text")
		if v := sqiValue(&td.Row); !v.Null {
			s.set(trendCol+1, r, v.V, "sqi")
		}
		if td.Row.Grade != "" {
			s.set(trendCol+2, r, td.Row.Grade, "grade")
		}
		s.value(trendCol+3, r, td.Row.Values[metrics.MRooms], metrics.Count)
	}
	s.min[trendCol] = 12
	if err := s.fit(); err != nil {
		return err
	}
	if err := s.freeze(sumHeader, 2); err != nil {
		return err
	}
	if err := s.landscape(true); err != nil {
		return err
	}
	first, last := trendHeader+1, trendHeader+len(d.Trend)
	col := func(c int) string { n, _ := excelize.ColumnNumberToName(c); return n }
	anchor := fmt.Sprintf("%s%d", col(trendCol), last+2)
	return b.f.AddChart("Summary", anchor, &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("Summary!$%s$%d", col(trendCol+1), trendHeader),
			Categories: fmt.Sprintf("Summary!$%s$%d:$%s$%d", col(trendCol), first, col(trendCol), last),
			Values:     fmt.Sprintf("Summary!$%s$%d:$%s$%d", col(trendCol+1), first, col(trendCol+1), last),
			Line:       excelize.LineOptions{Width: 2.25},
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6FB3"}},
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 6},
		}},
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: t.Trend, Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:       excelize.ChartLegend{Position: "none"},
		XAxis:        excelize.ChartAxis{Font: excelize.Font{Size: 8, Color: "52606D"}, Alignment: excelize.Alignment{TextRotation: -45}},
		YAxis:        excelize.ChartAxis{MajorGridLines: true, Minimum: ptr(0.0), Maximum: ptr(100.0), MajorUnit: 25, Font: excelize.Font{Size: 8, Color: "52606D"}},
		Dimension:    excelize.ChartDimension{Width: 520, Height: 300},
		ShowBlanksAs: "gap",
		Format:       excelize.GraphicOptions{ScaleX: 1, ScaleY: 1, OffsetX: 4, OffsetY: 4},
	})
}

func ptr[T any](v T) *T { return &v }

// table writes the header rows (labels, then keys) and one row per group
// from row 3: the group's key, SQI, grade, component points and every
// metric. It returns the column of each metric key for charts.
func (b *book) table(s *sheet, keyLabel, keyName string, keys []string, rows []metrics.Row) map[string]int {
	t := b.t
	cols := map[string]int{}
	col := 1
	head := func(label, key string) {
		h, k := "headerR", "keyR"
		if col == 1 {
			h, k = "header", "key"
		}
		s.set(col, 1, label, h)
		s.set(col, 2, key, k)
		cols[key] = col
		col++
	}
	head(keyLabel, keyName)
	head(t.SQI, "sqi")
	head(t.Grade, "grade")
	names := b.d.Config.ComponentNames()
	for _, n := range names {
		head(t.componentLabel(n), "components."+n)
	}
	for i, m := range metrics.Catalog {
		head(t.metricLabel(i), m.Name)
	}
	for i := range rows {
		r, row := &rows[i], 3+i
		if keys != nil && keys[i] != "" {
			s.set(1, row, keys[i], "text")
		}
		if v := sqiValue(r); !v.Null {
			s.set(2, row, v.V, "sqi")
		}
		if r.Grade != "" {
			s.set(3, row, r.Grade, "grade")
		}
		for j, n := range names {
			if v := rounded(points(r, n), 2); !v.Null {
				s.set(4+j, row, v.V, "points")
			}
		}
		for m := range metrics.NumMetrics {
			s.value(4+len(names)+m, row, r.Values[m], metrics.Catalog[m].Kind)
		}
	}
	return cols
}

// finish fits, freezes and filters a table sheet of n rows.
func (s *sheet) finish(n, cols int) error {
	if err := s.fit(); err != nil {
		return err
	}
	if err := s.freeze(2, 1); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(cols, max(2+n, 3))
	if err := s.b.f.AutoFilter(s.name, "A2:"+last, nil); err != nil {
		return err
	}
	if err := s.printTitles(2); err != nil {
		return err
	}
	// After the filter, which rewrites the sheet properties.
	return s.landscape(false)
}

// hourly writes the 24 local hours and the chart of the volume with the
// service level on a second axis.
func (b *book) hourly() error {
	t := b.t
	s := b.sheet("Hourly")
	cols := b.table(s, t.Hour, "hour", nil, b.d.Hourly[:])
	// Hours are times of day (hh:mm), so the chart's axis can show them
	// short (hh).
	for h := range 24 {
		s.set(1, 3+h, float64(h)/24, "hour")
	}
	if err := s.finish(24, len(cols)); err != nil {
		return err
	}
	ref := func(key string, first, last int) string {
		n, _ := excelize.ColumnNumberToName(cols[key])
		if first == last {
			return fmt.Sprintf("Hourly!$%s$%d", n, first)
		}
		return fmt.Sprintf("Hourly!$%s$%d:$%s$%d", n, first, n, last)
	}
	// The chart starts a printed page of its own, below the table.
	if err := b.f.InsertPageBreak("Hourly", "A28"); err != nil {
		return err
	}
	axis := excelize.Font{Size: 8, Color: "52606D"}
	return b.f.AddChart("Hourly", "A29", &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name: ref("rooms", 1, 1), Categories: ref("hour", 3, 26), Values: ref("rooms", 3, 26),
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6FB3"}},
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: t.HourlyTitle, Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		XAxis:     excelize.ChartAxis{Font: axis, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "hh"}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axis},
		Dimension: excelize.ChartDimension{Width: 620, Height: 320},
		GapWidth:  ptr(uint(60)),
		Format:    excelize.GraphicOptions{ScaleX: 1, ScaleY: 1, OffsetX: 4, OffsetY: 4},
	}, &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{
			Name: ref("service_level_pct", 1, 1), Categories: ref("hour", 3, 26), Values: ref("service_level_pct", 3, 26),
			Line:   excelize.LineOptions{Width: 2.25},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E07B1A"}},
			Marker: excelize.ChartMarker{Symbol: "circle", Size: 5},
		}},
		YAxis:        excelize.ChartAxis{Secondary: true, Minimum: ptr(0.0), Maximum: ptr(100.0), MajorUnit: 25, Font: axis},
		ShowBlanksAs: "gap",
		Format:       excelize.GraphicOptions{ScaleX: 1, ScaleY: 1},
	})
}

// groups writes a sheet with one row per group, best SQI first.
func (b *book) groups(name, keyName string, rows []metrics.Row) error {
	s := b.sheet(name)
	keys := make([]string, len(rows))
	for i, r := range rows {
		if len(r.Keys) > 0 && !r.Keys[0].Null {
			keys[i] = r.Keys[0].String()
		}
	}
	cols := b.table(s, b.t.GroupKey[keyName], keyName, keys, rows)
	return s.finish(len(rows), len(cols))
}

// definitions writes what every key means: the SQI and its components as
// this tenant configures them, every metric of docs/metrics.md and the columns of
// the Rooms sheet, so a client can read the numbers without us.
func (b *book) definitions() error {
	t, d := b.t, b.d
	s := b.sheet("Definitions")
	for i, h := range []string{t.Key, t.Label, t.Unit, t.Definition} {
		s.set(i+1, 1, h, "header")
	}
	row := 2
	add := func(key, label, unit, def string) {
		s.set(1, row, key, "keycell")
		s.set(2, row, label, "text")
		if unit != "" {
			s.set(3, row, unit, "text")
		}
		s.set(4, row, def, "wrap")
		row++
	}
	section := func(title string) {
		row++
		s.set(1, row, title, "section")
		row++
	}
	add("sqi", t.SQI, "0-100", t.Extra["sqi"])
	add("grade", t.Grade, "", t.Extra["grade"]+" "+gradeList(&d.Config))
	add("components", t.Components, t.Kinds[metrics.Points], t.Extra["components"])
	for _, n := range d.Config.ComponentNames() {
		c := d.Config.Components[n]
		add("components."+n, t.componentLabel(n), t.Kinds[metrics.Points],
			fmt.Sprintf(t.Extra["component"], c.Metric, c.Worst, c.Target, c.Weight))
	}
	add("sl_threshold_s", t.Extra["sl_threshold_s"], t.Kinds[metrics.Seconds], fmt.Sprintf("%g", d.Config.SLThresholdS))
	add("short_abandon_s", t.Extra["short_abandon_s"], t.Kinds[metrics.Seconds], fmt.Sprintf("%g", d.Config.ShortAbandonS))
	add("timezone", t.TimeZone, "", d.Config.TimeZone)
	add("hours", t.Extra["hours"], "", t.HoursMode[d.Config.Hours])

	section(t.Extra["metrics"])
	for i, m := range metrics.Catalog {
		add(m.Name, t.metricLabel(i), t.Kinds[m.Kind], m.Definition)
	}

	section(t.Extra["roomsSheet"])
	for _, f := range metrics.ExportFields {
		add(f.Name, f.Label(d.Config.Locale), fieldUnit(t, f.Kind), f.Definition(d.Config.Locale))
	}
	s.set(1, row+1, t.Extra["rooms"], "subtitle")
	s.fixed[4] = 90
	if err := s.fit(); err != nil {
		return err
	}
	if err := s.freeze(1, 1); err != nil {
		return err
	}
	if err := s.printTitles(1); err != nil {
		return err
	}
	return s.landscape(true)
}

func fieldUnit(t *texts, k metrics.FieldKind) string {
	switch k {
	case metrics.FieldSeconds:
		return t.Kinds[metrics.Seconds]
	case metrics.FieldCount:
		return t.Kinds[metrics.Count]
	case metrics.FieldTime:
		return "yyyy-mm-dd hh:mm:ss"
	case metrics.FieldDate:
		return "yyyy-mm-dd"
	}
	return ""
}

func gradeList(c *metrics.Config) string {
	s := ""
	for i, g := range c.Grades {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s ≥ %g", g.Grade, g.Min)
	}
	return s
}
