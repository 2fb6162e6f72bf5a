package query

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sqi/export"
	"sqi/metrics"
)

// WriteJSON writes the JSON body of docs/api.md: keys in a fixed order (group
// keys, the metrics of docs/metrics.md in Catalog order, sqi, grade, components),
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
	b = append(b, `],"rows":[`...)
	for i := range r.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendRowJSON(b, &r.Rows[i])
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

// AppendRowJSON appends one row as a JSON object.
func AppendRowJSON(b []byte, row *metrics.Row) []byte {
	b = append(b, '{')
	for _, k := range row.Keys {
		b = appendString(b, k.Column())
		b = append(b, ':')
		switch {
		case k.Null:
			b = append(b, "null"...)
		case k.Key == "in_hours":
			b = strconv.AppendBool(b, k.Bool)
		default:
			b = appendString(b, k.String())
		}
		b = append(b, ',')
	}
	for i := range metrics.NumMetrics {
		b = appendString(b, metrics.Catalog[i].Name)
		b = append(b, ':')
		b = appendValue(b, row.Rounded(i))
		b = append(b, ',')
	}
	b = append(b, `"sqi":`...)
	b = appendValue(b, roundSQI(row.SQI))
	b = append(b, `,"grade":`...)
	if row.Grade == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, row.Grade)
	}
	b = append(b, `,"components":{`...)
	for i, c := range row.Components {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, c.Name)
		b = append(b, ':')
		b = appendValue(b, roundPoints(c.Points))
	}
	return append(b, "}}"...)
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

// Header returns the CSV header of r: group key columns, metric names,
// sqi, grade, then components.<name> for each configured component.
func (r *Result) Header() []string {
	h := make([]string, 0, len(r.Query.GroupBy)+metrics.NumMetrics+2+len(r.Config.Components))
	for _, k := range r.Query.GroupBy {
		h = append(h, metrics.KeyColumn(k))
	}
	for _, d := range metrics.Catalog {
		h = append(h, d.Name)
	}
	h = append(h, "sqi", "grade")
	for _, n := range r.Config.ComponentNames() {
		h = append(h, "components."+n)
	}
	return h
}

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
