package reports

import (
	"fmt"
	"strconv"

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
	trendHeader = sumHeader
)

// trendCol is the Summary's column of the SQI-by-day table, right of the
// main table and a blank column: I for a daily report (7 columns), G for
// the others (5).
func (b *book) trendCol() int {
	if b.d.Kind == KindDaily {
		return 9
	}
	return 7
}

// summary writes the Summary sheet: the period's SQI, grade, components
// and every metric beside the period before (and for a daily report the
// 7-day baseline) and the changes, coloured as the e-mail colours them;
// the SQI-by-day table and its chart on the right.
func (b *book) summary() error {
	d, t, k := b.d, b.t, b.k
	s := b.sheet(b.name("summary"))
	s.set(1, 1, fmt.Sprintf("%s · %s", d.Config.Name, k.Title), "title")
	when := d.Label()
	if d.Kind == KindDaily {
		when += fmt.Sprintf(" (%s)", t.Weekdays[d.First.Weekday()])
	}
	s.set(1, 2, fmt.Sprintf("%s %s · %s %s · %s %s – %s (%s) · %s · %s %s",
		t.Date, when, t.TimeZone, d.Config.TimeZone,
		t.Period, d.Start.In(b.loc).Format("2006-01-02 15:04"), d.End.In(b.loc).Format("2006-01-02 15:04"), periodLength(d),
		t.HoursMode[d.Config.Hours], t.Generated, d.GeneratedAt.In(b.loc).Format("2006-01-02 15:04 MST")), "subtitle")

	daily := d.Kind == KindDaily
	head := []string{t.Key, t.Label, k.Cur, k.Prev, k.Change}
	if daily {
		head = append(head, t.Week, t.ChangeWeek)
	}
	for i, h := range head {
		style := "headerR"
		if i < 2 {
			style = "header"
		}
		s.set(i+1, sumHeader, h, style)
	}
	row := sumHeader + 1

	// SQI and grade.
	cur, prev, week := sqiValue(&d.Total), sqiValue(&d.Prev), sqiValue(&d.Week)
	s.set(1, row, "sqi", "keycell")
	s.set(2, row, t.SQI, "bold")
	if !cur.Null {
		s.set(3, row, cur.V, "sqibig")
	}
	if !prev.Null {
		s.set(4, row, prev.V, "sqi")
	}
	s.change(5, row, diff(cur, prev, 1), metrics.Points, "dsqi", +1)
	if daily {
		if !week.Null {
			s.set(6, row, week.V, "sqi")
		}
		s.change(7, row, diff(cur, week, 1), metrics.Points, "dsqi", +1)
	}
	row++
	s.set(1, row, "grade", "keycell")
	s.set(2, row, t.Grade, "bold")
	grades := []string{d.Total.Grade, d.Prev.Grade}
	if daily {
		grades = append(grades, "", d.Week.Grade)
	}
	for i, g := range grades {
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
		s.set(2, row, fmt.Sprintf("%s (%s)", t.componentColumn(name), c.Metric), "text")
		dp, pp := rounded(points(&d.Total, name), 2), rounded(points(&d.Prev, name), 2)
		s.value(3, row, dp, metrics.Points)
		s.value(4, row, pp, metrics.Points)
		s.change(5, row, diff(dp, pp, 2), metrics.Points, "dpoints", +1)
		if daily {
			wp := rounded(points(&d.Week, name), 2)
			s.value(6, row, wp, metrics.Points)
			s.change(7, row, diff(dp, wp, 2), metrics.Points, "dpoints", +1)
		}
		row++
	}

	// Every metric.
	for i, m := range metrics.Catalog {
		s.set(1, row, m.Name, "keycell")
		s.set(2, row, t.metricLabel(i), "text")
		dv, pv := d.Total.Rounded(i), d.Prev.Rounded(i)
		dir := metricDirs(m.Name)
		s.value(3, row, dv, m.Kind)
		s.value(4, row, pv, m.Kind)
		s.change(5, row, diff(dv, pv, 2), m.Kind, kindStyle(m.Kind, true), dir)
		if daily {
			wv := d.Week.Rounded(i)
			if m.Kind == metrics.Count {
				// The baseline of a count is its mean per day.
				wv = rounded(metrics.Value{V: d.Week.Values[i].V / WeekDays}, 1)
				if !wv.Null {
					s.set(6, row, wv.V, "count1")
				}
				s.change(7, row, diff(dv, wv, 1), m.Kind, "dcount1", dir)
			} else {
				s.value(6, row, wv, m.Kind)
				s.change(7, row, diff(dv, wv, 2), m.Kind, kindStyle(m.Kind, true), dir)
			}
		}
		row++
	}
	note := row + 1
	if daily {
		s.set(1, note, t.WeekNote, "subtitle")
		note++
	}
	s.set(1, note, t.Extra["durations"], "subtitle")
	s.set(1, note+1, t.Extra["empty"], "subtitle")
	s.min[2] = 24

	// The SQI by day and its chart.
	tc := b.trendCol()
	for i, h := range []string{t.Date, t.SQI, t.Grade, t.Rooms} {
		style := "headerR"
		if i == 0 {
			style = "header"
		}
		s.set(tc+i, trendHeader, h, style)
	}
	for i, td := range d.Trend {
		r := trendHeader + 1 + i
		s.set(tc, r, td.Date.Format(metrics.DateLayout), "text")
		if v := sqiValue(&td.Row); !v.Null {
			s.set(tc+1, r, v.V, "sqi")
		}
		if td.Row.Grade != "" {
			s.set(tc+2, r, td.Row.Grade, "grade")
		}
		s.value(tc+3, r, td.Row.Values[metrics.MRooms], metrics.Count)
	}
	s.min[tc] = 12
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
	anchor, _ := excelize.CoordinatesToCellName(tc, last+2)
	return b.f.AddChart(b.name("summary"), anchor, &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{
			Name:       b.ref("summary", tc+1, trendHeader, tc+1, trendHeader),
			Categories: b.ref("summary", tc, first, tc, last),
			Values:     b.ref("summary", tc+1, first, tc+1, last),
			Line:       excelize.LineOptions{Width: 2.25},
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6FB3"}},
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 6},
		}},
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: k.Trend, Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:       excelize.ChartLegend{Position: "none"},
		XAxis:        excelize.ChartAxis{Font: excelize.Font{Size: 8, Color: "52606D"}, Alignment: excelize.Alignment{TextRotation: -45}},
		YAxis:        excelize.ChartAxis{MajorGridLines: true, Minimum: ptr(0.0), Maximum: ptr(100.0), MajorUnit: 25, Font: excelize.Font{Size: 8, Color: "52606D"}},
		Dimension:    excelize.ChartDimension{Width: 520, Height: 300},
		ShowBlanksAs: "gap",
		Format:       excelize.GraphicOptions{ScaleX: 1, ScaleY: 1, OffsetX: 4, OffsetY: 4},
	})
}

// periodLength is how long the period is: 23 h, 24 h or 25 h for a day,
// in days for a week or a month.
func periodLength(d *Report) string {
	if d.Kind == KindDaily {
		return fmt.Sprintf("%.0f h", d.End.Sub(d.Start).Hours())
	}
	if d.Config.Locale == "ko" {
		return fmt.Sprintf("%d일", d.NumDays())
	}
	return fmt.Sprintf("%d days", d.NumDays())
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
		head(t.componentColumn(n), "components."+n)
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

// hourly writes the 24 local hours of a daily report and the chart of
// the volume with the service level on a second axis.
func (b *book) hourly() error {
	s := b.sheet(b.name("hourly"))
	cols := b.table(s, b.t.Hour, "hour", nil, b.d.Hourly[:])
	// Hours are times of day (hh:mm), so the chart's axis can show them
	// short (hh).
	for h := range 24 {
		s.set(1, 3+h, float64(h)/24, "hour")
	}
	if err := s.finish(24, len(cols)); err != nil {
		return err
	}
	return b.volumeChart("hourly", cols, 24, "hh")
}

// days writes one row per local date of a weekly or monthly report and
// the chart of the volume by day with the service level.
func (b *book) days() error {
	s := b.sheet(b.name("daily"))
	rows := make([]metrics.Row, len(b.d.Days))
	for i, td := range b.d.Days {
		rows[i] = td.Row
	}
	cols := b.table(s, b.t.Day, "day", nil, rows)
	for i, td := range b.d.Days {
		s.set(1, 3+i, td.Date.Sub(excelEpoch).Hours()/24, "day")
	}
	if err := s.finish(len(rows), len(cols)); err != nil {
		return err
	}
	return b.volumeChart("daily", cols, len(rows), "mm-dd")
}

// volumeChart draws, below the n rows of a time table, its rooms as
// columns with the service level as a line on a second 0..100 axis, on a
// printed page of its own; categories shows the time column.
func (b *book) volumeChart(key string, cols map[string]int, n int, categories string) error {
	name := b.name(key)
	// The chart starts a printed page of its own, below the table.
	top := n + 4
	if err := b.f.InsertPageBreak(name, fmt.Sprintf("A%d", top)); err != nil {
		return err
	}
	ref := func(metric string, first, last int) string {
		return b.ref(key, cols[metric], first, cols[metric], last)
	}
	time := cols["hour"]
	if key != "hourly" {
		time = cols["day"]
	}
	cats := b.ref(key, time, 3, time, 2+n)
	axis := excelize.Font{Size: 8, Color: "52606D"}
	return b.f.AddChart(name, fmt.Sprintf("A%d", top+1), &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name: ref("rooms", 1, 1), Categories: cats, Values: ref("rooms", 3, 2+n),
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6FB3"}},
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: b.k.Volume, Font: &excelize.Font{Bold: true, Size: 12}}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		XAxis:     excelize.ChartAxis{Font: axis, NumFmt: excelize.ChartNumFmt{CustomNumFmt: categories}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axis},
		Dimension: excelize.ChartDimension{Width: 620, Height: 320},
		GapWidth:  ptr(uint(60)),
		Format:    excelize.GraphicOptions{ScaleX: 1, ScaleY: 1, OffsetX: 4, OffsetY: 4},
	}, &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{
			Name: ref("service_level_pct", 1, 1), Categories: cats, Values: ref("service_level_pct", 3, 2+n),
			Line:   excelize.LineOptions{Width: 2.25},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E07B1A"}},
			Marker: excelize.ChartMarker{Symbol: "circle", Size: 5},
		}},
		YAxis:        excelize.ChartAxis{Secondary: true, Minimum: ptr(0.0), Maximum: ptr(100.0), MajorUnit: 25, Font: axis},
		ShowBlanksAs: "gap",
		Format:       excelize.GraphicOptions{ScaleX: 1, ScaleY: 1},
	})
}

// groups writes the sheet whose key is key: one row per group, best SQI
// first.
func (b *book) groups(key, keyName string, rows []metrics.Row) error {
	s := b.sheet(b.name(key))
	keys := make([]string, len(rows))
	for i, r := range rows {
		if len(r.Keys) > 0 && !r.Keys[0].Null {
			keys[i] = r.Keys[0].String()
		}
	}
	cols := b.table(s, b.t.GroupKey[keyName], keyName, keys, rows)
	return s.finish(len(rows), len(cols))
}

// definitions writes what every key means, in the tenant's language: the
// SQI and its components as this tenant configures them, every metric of
// docs/metrics.md and the columns of the Rooms sheet, so a client can
// read the numbers without us.
func (b *book) definitions() error {
	t, d := b.t, b.d
	s := b.sheet(b.name("definitions"))
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
		add("components."+n, t.componentColumn(n), t.Kinds[metrics.Points],
			fmt.Sprintf(t.Extra["component"], c.Metric, boundText(c.Metric, c.Worst), boundText(c.Metric, c.Target), c.Weight))
	}
	add("sl_threshold_s", t.Extra["sl_threshold_s"], t.Kinds[metrics.Seconds], metrics.DurationText(d.Config.SLThresholdS))
	add("short_abandon_s", t.Extra["short_abandon_s"], t.Kinds[metrics.Seconds], metrics.DurationText(d.Config.ShortAbandonS))
	add("timezone", t.TimeZone, "", d.Config.TimeZone)
	add("hours", t.Extra["hours"], "", t.HoursMode[d.Config.Hours])

	section(t.Extra["metrics"])
	for i, m := range metrics.Catalog {
		add(m.Name, t.metricLabel(i), t.Kinds[m.Kind], t.metricDefinition(i))
	}

	section(t.Extra["roomsSheet"])
	for _, f := range metrics.ExportFields {
		add(f.Name, f.Label(d.Config.Locale), fieldUnit(t, f.Kind), f.Definition(d.Config.Locale))
	}
	s.set(1, row+1, b.k.Rooms, "subtitle")
	s.set(1, row+2, t.Extra["durations"], "subtitle")
	s.set(1, row+3, t.Extra["empty"], "subtitle")
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

// boundText is a component's worst or target as its metric reads: a
// duration as m:ss, other numbers as they are.
func boundText(metric string, v float64) string {
	if i, ok := metrics.MetricIndex(metric); ok && metrics.Catalog[i].Kind == metrics.Seconds {
		return metrics.DurationText(v)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func fieldUnit(t *texts, k metrics.FieldKind) string {
	switch k {
	case metrics.FieldSeconds:
		return t.Seconds
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
