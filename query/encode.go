package query

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sqi/export"
	"sqi/metrics"
)

// WriteJSON writes the JSON body of docs/api.md: keys in a fixed order (group
// keys, period_start and period_end, the metrics of docs/metrics.md in
// Catalog order, sqi, grade, components, then previous and change with a
// comparison; in the long shape metric, value, previous and change),
// numbers rounded as docs/metrics.md says, null for empty denominators.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	b := make([]byte, 0, 4096)
	b = append(b, `{"tenant_id":`...)
	b = appendString(b, r.Query.Tenant)
	b = append(b, `,"from":`...)
	b = appendString(b, r.Query.From.Format(metrics.DateLayout))
	b = append(b, `,"to":`...)
	b = appendString(b, r.Query.To.Format(metrics.DateLayout))
	b = append(b, `,"timezone":`...)
	b = appendString(b, r.Config.TimeZone)
	b = append(b, `,"hours":`...)
	b = appendString(b, r.Config.Hours)
	b = append(b, `,"group_by":[`...)
	for i, k := range r.Query.GroupBy {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
	}
	b = append(b, ']')
	if r.long() {
		b = append(b, `,"shape":"long"`...)
	}
	if r.Query.Compare != "" {
		b = append(b, `,"compare":`...)
		b = appendString(b, r.Query.Compare)
		b = append(b, `,"previous_from":`...)
		b = appendString(b, r.PrevFrom.Format(metrics.DateLayout))
		b = append(b, `,"previous_to":`...)
		b = appendString(b, r.PrevTo.Format(metrics.DateLayout))
	}
	b = append(b, `,"rows":[`...)
	j := jsonRows{r: r, ms: r.measures(), loc: r.Config.Location(), timed: r.hasTime(), periods: newPeriods(r.Config.Location())}
	for i := range r.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = j.append(b, i)
		if len(b) > 1<<16 {
			if _, err := bw.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "]}\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// jsonRows writes the rows of a result as JSON objects.
type jsonRows struct {
	r          *Result
	ms         []measure
	loc        *time.Location
	timed      bool
	periods    *periods
	this, prev []metrics.Value
	head       []byte
}

// append appends row i: one object (wide), or one per measure (long).
func (j *jsonRows) append(b []byte, i int) []byte {
	row := &j.r.Rows[i]
	h := j.head[:0]
	for _, k := range row.Keys {
		h = appendString(h, k.Column())
		h = append(h, ':')
		switch {
		case k.Null:
			h = append(h, "null"...)
		case k.Key == "in_hours":
			h = strconv.AppendBool(h, k.Bool)
		default:
			h = appendString(h, k.String())
		}
		h = append(h, ',')
	}
	if j.timed {
		start, end, _ := j.periods.of(row.Keys)
		h = append(h, `"period_start":`...)
		h = appendString(h, start.In(j.loc).Format(export.TimeLayout))
		h = append(h, `,"period_end":`...)
		h = appendString(h, end.In(j.loc).Format(export.TimeLayout))
		h = append(h, ',')
	}
	j.head = h
	compare := j.r.Query.Compare != ""
	j.this = values(j.this, j.ms, row)
	if compare {
		j.prev = values(j.prev, j.ms, &j.r.Previous[i])
	}
	if j.r.long() {
		for n, m := range j.ms {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = append(b, h...)
			b = append(b, `"metric":`...)
			b = appendString(b, m.name)
			b = append(b, `,"value":`...)
			b = appendValue(b, j.this[n])
			if compare {
				b = append(b, `,"previous":`...)
				b = appendValue(b, j.prev[n])
				b = append(b, `,"change":`...)
				b = appendValue(b, change(m, j.this[n], j.prev[n]))
			}
			b = append(b, '}')
		}
		return b
	}
	b = append(b, '{')
	b = append(b, h...)
	b = j.appendMeasures(b, j.this, row.Grade, true)
	if compare {
		b = append(b, `,"previous":{`...)
		b = j.appendMeasures(b, j.prev, j.r.Previous[i].Grade, true)
		b = append(b, `},"change":{`...)
		for n, m := range j.ms {
			j.prev[n] = change(m, j.this[n], j.prev[n])
		}
		b = j.appendMeasures(b, j.prev, "", false)
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendMeasures appends the metrics, sqi, grade (when withGrade) and the
// components object.
func (j *jsonRows) appendMeasures(b []byte, vals []metrics.Value, grade string, withGrade bool) []byte {
	comps := false
	for n, m := range j.ms {
		switch {
		case m.comp != "":
			if !comps {
				b = append(b, `,"components":{`...)
				comps = true
			} else {
				b = append(b, ',')
			}
			b = appendString(b, m.comp)
		default:
			if n > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.name)
		}
		b = append(b, ':')
		b = appendValue(b, vals[n])
		if m.isSQI() && withGrade {
			b = append(b, `,"grade":`...)
			if grade == "" {
				b = append(b, "null"...)
			} else {
				b = appendString(b, grade)
			}
		}
	}
	if !comps {
		b = append(b, `,"components":{`...)
	}
	return append(b, '}')
}

func roundSQI(v metrics.Value) metrics.Value {
	if !v.Null {
		v.V = metrics.Round(v.V, 1)
	}
	return v
}

func roundPoints(v metrics.Value) metrics.Value {
	if !v.Null {
		v.V = metrics.Round(v.V, 2)
	}
	return v
}

func appendValue(b []byte, v metrics.Value) []byte {
	if v.Null {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v.V, 'f', -1, 64)
}

func appendString(b []byte, s string) []byte { return export.AppendString(b, s) }

// WriteCSV writes the rows as RFC 4180 CSV with the header of Header;
// null is an empty cell.
func (r *Result) WriteCSV(w io.Writer, opts export.CSVOptions) error {
	cw, err := export.NewCSVWriter(w, r.Table(), opts)
	if err != nil {
		return err
	}
	return r.WriteRows(cw)
}

func cell(v metrics.Value) string {
	if v.Null {
		return ""
	}
	return strconv.FormatFloat(v.V, 'f', -1, 64)
}

// tableColumns are the metrics `sqi stats --format table` shows: a
// terminal-width summary for people; json and csv carry every metric.
var tableColumns = []string{"rooms", "offered", "service_level_pct", "abandon_rate_pct", "wait_avg_s", "wait_p90_s", "reply_avg_s", "score_avg", "csat_pct"}

// WriteTable writes an aligned text table of the main metrics, the SQI
// and the grade, one line per row; null is "-".
func (r *Result) WriteTable(w io.Writer) error {
	tw := export.NewTextTable(w, true)
	var head []string
	for _, k := range r.Query.GroupBy {
		head = append(head, metrics.KeyColumn(k))
	}
	head = append(head, tableColumns...)
	head = append(head, "sqi", "grade")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i := range r.Rows {
		row := &r.Rows[i]
		var cells []string
		for _, k := range row.Keys {
			if k.Null {
				cells = append(cells, "-")
			} else {
				cells = append(cells, k.String())
			}
		}
		for _, name := range tableColumns {
			m, _ := metrics.MetricIndex(name)
			c := cell(row.Rounded(m))
			if c == "" {
				c = "-"
			}
			cells = append(cells, c)
		}
		s := cell(roundSQI(row.SQI))
		g := row.Grade
		if s == "" {
			s, g = "-", "-"
		}
		cells = append(cells, s, g)
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}

// AppendRowJSON appends one row of no group key as the JSON object of a
// /sqi row (the metrics, sqi, grade and components): what the live view
// shows for today and the last 60 minutes.
func AppendRowJSON(b []byte, cfg *metrics.Config, row *metrics.Row) []byte {
	r := &Result{Query: Query{GroupBy: []string{}}, Config: *cfg, Rows: []metrics.Row{*row}}
	j := jsonRows{r: r, ms: r.measures(), loc: cfg.Location(), periods: newPeriods(cfg.Location())}
	return j.append(b, 0)
}
