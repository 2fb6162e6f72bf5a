package query

import (
	"time"

	"sqi/export"
	"sqi/metrics"
)

// The /sqi table is declared here once, for every format: JSON (WriteJSON),
// CSV, Arrow, Parquet and xlsx (Table and WriteRows). A row holds its
// group keys; period_start and period_end when it is grouped by time;
// then, in the wide shape, a column per measure (the metrics of the
// catalog, sqi, grade, components.<name>), and with a comparison the same
// under previous. and change.; in the long shape, a row per measure with
// metric and value (and previous and change), so that the columns never
// change when a tenant adds a component.

// measure is one numeric value of a row: a metric of the catalog, the SQI
// or a component's points.
type measure struct {
	name   string
	metric int    // index in metrics.Catalog; -1 for sqi and components
	comp   string // component name
}

func (m measure) isSQI() bool { return m.metric < 0 && m.comp == "" }

// measures are the measures of r's rows, in column order.
func (r *Result) measures() []measure {
	ms := make([]measure, 0, metrics.NumMetrics+1+len(r.Config.Components))
	for i, d := range metrics.Catalog {
		ms = append(ms, measure{name: d.Name, metric: i})
	}
	ms = append(ms, measure{name: "sqi", metric: -1})
	for _, n := range r.Config.ComponentNames() {
		ms = append(ms, measure{name: "components." + n, metric: -1, comp: n})
	}
	return ms
}

// values returns the measures of row as users see them (rounded as
// docs/metrics.md says), appended to dst[:0].
func values(dst []metrics.Value, ms []measure, row *metrics.Row) []metrics.Value {
	dst = dst[:0]
	for _, m := range ms {
		switch {
		case m.metric >= 0:
			dst = append(dst, row.Rounded(m.metric))
		case m.comp == "":
			dst = append(dst, roundSQI(row.SQI))
		default:
			v := metrics.Value{Null: true}
			for _, c := range row.Components {
				if c.Name == m.comp {
					v = roundPoints(c.Points)
				}
			}
			dst = append(dst, v)
		}
	}
	return dst
}

// change is this minus previous of a measure, rounded as the measure:
// null when either is null.
func change(m measure, this, prev metrics.Value) metrics.Value {
	if this.Null || prev.Null {
		return metrics.Value{Null: true}
	}
	d := this.V - prev.V
	switch {
	case m.metric >= 0:
		d = metrics.RoundKind(metrics.Catalog[m.metric].Kind, d)
	case m.comp == "":
		d = metrics.Round(d, 1)
	default:
		d = metrics.Round(d, 2)
	}
	return metrics.Value{V: d}
}

// isCount reports whether the measure is an integer.
func (m measure) isCount() bool {
	return m.metric >= 0 && metrics.Catalog[m.metric].Kind == metrics.Count
}

// hasTime reports whether r's rows are grouped by a time key.
func (r *Result) hasTime() bool {
	for _, k := range r.Query.GroupBy {
		switch k {
		case "hour", "day", "week", "month":
			return true
		}
	}
	return false
}

func (r *Result) long() bool { return r.Query.Shape == ShapeLong }

// termColumn is a column described by metrics.Terms.
func termColumn(name string, kind metrics.FieldKind) export.Column {
	c := export.Column{Name: name, Kind: kind}
	if t := metrics.Terms[name]; t != nil {
		c.LabelEN, c.LabelKO, c.DefEN, c.DefKO = t.LabelEN, t.LabelKO, t.DefEN, t.DefKO
	}
	return c
}

// measureColumn is the column of a measure.
func measureColumn(m measure) export.Column {
	kind := metrics.FieldFloat
	if m.isCount() {
		kind = metrics.FieldCount
	}
	switch {
	case m.metric >= 0:
		d := &metrics.Catalog[m.metric]
		return export.Column{Name: m.name, Kind: kind, LabelEN: d.LabelEN, LabelKO: d.LabelKO, DefEN: d.Definition, DefKO: d.DefinitionKO}
	case m.comp == "":
		return termColumn("sqi", kind)
	}
	c := termColumn("components", kind)
	c.Name = m.name
	c.LabelEN = metrics.ComponentColumnLabel(m.comp, "en")
	c.LabelKO = metrics.ComponentColumnLabel(m.comp, "ko")
	return c
}

// prefixed is column c under previous. or change.
func prefixed(prefix string, c export.Column) export.Column {
	t := metrics.Terms[prefix]
	c.Name = prefix + "." + c.Name
	c.LabelEN = t.LabelEN + " " + c.Label("en")
	c.LabelKO = t.LabelKO + " " + c.Label("ko")
	c.DefEN = t.DefEN + " " + c.DefEN
	c.DefKO = t.DefKO + " " + c.DefKO
	return c
}

// keyColumn is the column of a group key: day and week as dates, month as
// a date holding a month, hour as a local wall-clock time, in_hours as a
// boolean, the others as text.
func keyColumn(k string) export.Column {
	kind := metrics.FieldText
	switch k {
	case "day", "week", "month":
		kind = metrics.FieldDate
	case "hour":
		kind = metrics.FieldLocalTime
	case "in_hours":
		kind = metrics.FieldBool
	}
	c := termColumn(metrics.KeyColumn(k), kind)
	c.Month = k == "month"
	return c
}

// Table describes the rows of r as a table with the columns of Header.
// Values are rounded as in WriteJSON.
func (r *Result) Table() export.Table {
	var cols []export.Column
	for _, k := range r.Query.GroupBy {
		cols = append(cols, keyColumn(k))
	}
	if r.hasTime() {
		cols = append(cols, termColumn("period_start", metrics.FieldTime), termColumn("period_end", metrics.FieldTime))
	}
	ms := r.measures()
	if r.long() {
		cols = append(cols, termColumn("metric", metrics.FieldText), termColumn("value", metrics.FieldFloat))
		if r.Query.Compare != "" {
			cols = append(cols, termColumn("previous", metrics.FieldFloat), termColumn("change", metrics.FieldFloat))
		}
		return export.Table{Columns: cols, Location: r.Config.Location()}
	}
	wide := func(prefix string, grade bool) {
		for _, m := range ms {
			c := measureColumn(m)
			if prefix != "" {
				c = prefixed(prefix, c)
			}
			cols = append(cols, c)
			if m.isSQI() && grade {
				g := termColumn("grade", metrics.FieldText)
				if prefix != "" {
					g = prefixed(prefix, g)
				}
				cols = append(cols, g)
			}
		}
	}
	wide("", true)
	if r.Query.Compare != "" {
		wide("previous", true)
		wide("change", false)
	}
	return export.Table{Columns: cols, Location: r.Config.Location()}
}

// Header returns the column names of r's table: the group keys,
// period_start and period_end when grouped by time, then (wide) the
// metrics, sqi, grade and components.<name> — under previous. and change.
// again with a comparison — or (long) metric, value, previous and change.
func (r *Result) Header() []string {
	t := r.Table()
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = c.Name
	}
	return h
}

// keyCell is a group key as a cell of Table: day, week and month as dates,
// hour as its local wall-clock time, the others as text.
func keyCell(k metrics.GroupKey) metrics.Cell {
	switch {
	case k.Null:
		return metrics.Cell{Null: true}
	case k.Key == "day" || k.Key == "week" || k.Key == "month":
		return metrics.Cell{T: k.Date}
	case k.Key == "hour":
		return metrics.Cell{T: k.Date.Add(time.Duration(k.Hour) * time.Hour)}
	case k.Key == "in_hours":
		return metrics.Cell{B: k.Bool}
	}
	return metrics.Cell{S: k.String()}
}

func valueCell(v metrics.Value, count bool) metrics.Cell {
	c := metrics.Cell{Null: v.Null, F: v.V}
	if count {
		c.I = int64(v.V)
	}
	return c
}

func gradeCell(g string) metrics.Cell { return metrics.Cell{Null: g == "", S: g} }

// WriteRows writes every row of r's table to tw and closes it: a row per
// group (wide), or per group and measure (long).
func (r *Result) WriteRows(tw export.Writer) error {
	ms := r.measures()
	periods := newPeriods(r.Config.Location())
	timed := r.hasTime()
	var (
		cells      []metrics.Cell
		this, prev []metrics.Value
	)
	for i := range r.Rows {
		row := &r.Rows[i]
		cells = cells[:0]
		for _, k := range row.Keys {
			cells = append(cells, keyCell(k))
		}
		if timed {
			start, end, _ := periods.of(row.Keys)
			cells = append(cells, metrics.TimeCell(start), metrics.TimeCell(end))
		}
		this = values(this, ms, row)
		if r.Query.Compare != "" {
			prev = values(prev, ms, &r.Previous[i])
		}
		if r.long() {
			n := len(cells)
			for j, m := range ms {
				cells = append(cells[:n], metrics.TextCell(m.name), valueCell(this[j], false))
				if r.Query.Compare != "" {
					cells = append(cells, valueCell(prev[j], false), valueCell(change(m, this[j], prev[j]), false))
				}
				if err := tw.WriteRow(cells); err != nil {
					return err
				}
			}
			continue
		}
		for j, m := range ms {
			cells = append(cells, valueCell(this[j], m.isCount()))
			if m.isSQI() {
				cells = append(cells, gradeCell(row.Grade))
			}
		}
		if r.Query.Compare != "" {
			for j, m := range ms {
				cells = append(cells, valueCell(prev[j], m.isCount()))
				if m.isSQI() {
					cells = append(cells, gradeCell(r.Previous[i].Grade))
				}
			}
			for j, m := range ms {
				cells = append(cells, valueCell(change(m, this[j], prev[j]), m.isCount()))
			}
		}
		if err := tw.WriteRow(cells); err != nil {
			return err
		}
	}
	return tw.Close()
}
