package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"sqi/api"
	"sqi/metrics"
)

// The Trends page: the rows of /sqi for a range, grouped by day, week or
// month and by agent, team, channel or category, in calendar or business
// hours, beside the previous period; a chart of the SQI and of a chosen
// metric over time; a table sortable by any column, each row leading to
// its rooms. Its address holds the API's parameters (from, to, group_by,
// hours, compare) and the page's own (metric, sort, dir, cols), so a view
// can be bookmarked and shared.

// groupColumns maps a group_by key to its column in the rows.
var groupColumns = map[string]string{
	"hour": "hour", "day": "day", "week": "week", "month": "month",
	"agent": "agent_id", "team": "team_id", "channel": "channel", "category": "category", "in_hours": "in_hours",
}

var (
	timeKeys = []string{"hour", "day", "week", "month"}
	// grains and dims are the choices of the form.
	grains = []string{"", "day", "week", "month"}
	dims   = []string{"", "agent", "team", "channel", "category"}
)

// tableMetrics are the metrics of the table unless cols=all.
var tableMetrics = []string{"rooms", "offered", "answered", "service_level_pct", "abandon_rate_pct", "wait_avg_s", "wait_p90_s",
	"reply_avg_s", "handle_avg_s", "score_avg", "csat_pct"}

// tableRowCap bounds the rows the page shows; the downloads hold all.
const tableRowCap = 2000

type trendsForm struct {
	From, To, GroupBy, Hours, Compare, Metric string
	Grain, Dim                                string
	All                                       bool
	Sort, Dir                                 string
}

type option struct {
	Value, Label string
	Selected     bool
}

type preset struct {
	Label, URL string
	Current    bool
}

type trendsView struct {
	Base    string
	Form    trendsForm
	Errors  map[string]string // by parameter
	Presets []preset
	Grains  []option
	Dims    []option
	Hours   []option
	Compare []option
	Metrics []option
	Range   string // the range shown, as it reads
	Prev    string // the comparison's range
	Chart   *chart
	Table   *table
	Defs    []tile
	Downs   []download
}

// download is a link to a file of what is on screen.
type download struct {
	Label, URL string
}

// table is a sortable table of API rows.
type table struct {
	Caption string
	Cols    []column
	Rows    []tableRow
	Capped  int // rows left out (tableRowCap)
	Total   int
}

type column struct {
	Name, Label, Def string
	SortURL          string
	Sort             string // ascending, descending or "" (aria-sort)
	Numeric          bool
	Key              bool
}

type tableRow struct {
	Cells []tableCell
	Drill string // the rooms of the row
}

type tableCell struct {
	Raw, Text string
	Num       bool // a number: aligned right
	Change    *changeView
	Link      string
}

// changeView is a change against the comparison period: an arrow, the
// signed value and a word, never colour alone.
type changeView struct {
	Arrow, Text, Word, Class, Raw string
}

// changeOf is the change of a metric (the API's "change" value).
func changeOf(raw json.RawMessage, name, lang string) *changeView {
	v := number(raw)
	if v == nil {
		return &changeView{Arrow: "", Text: "–", Class: "flat", Raw: "null"}
	}
	k := kindOf(name)
	cv := &changeView{Text: formatChange(*v, k, lang), Raw: string(raw)}
	switch {
	case shownZero(*v, k):
		cv.Arrow, cv.Class, cv.Word, cv.Text = "→", "flat", texts[lang]["noChange"], formatChange(0, k, lang)
	case *v > 0:
		cv.Arrow = "▲"
	default:
		cv.Arrow = "▼"
	}
	if cv.Class == "" {
		switch dir := metrics.Better(name); {
		case dir == 0:
			cv.Class = "flat" // neither good nor bad: the arrow and the sign say it
		case (*v > 0) == (dir > 0):
			cv.Class, cv.Word = "better", texts[lang]["better"]
		default:
			cv.Class, cv.Word = "worse", texts[lang]["worse"]
		}
	}
	return cv
}

// today is the tenant's local date now.
func (a *App) today(cfg *metrics.Config) time.Time {
	return metrics.LocalDate(a.now(), cfg.Location())
}

// presetRanges are the presets of §13: yesterday, the last 7 days (to
// yesterday), this month (to today) and last month.
func presetRanges(today time.Time) [][3]string {
	d := func(t time.Time) string { return t.Format(metrics.DateLayout) }
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	y := today.AddDate(0, 0, -1)
	return [][3]string{
		{"presetYesterday", d(y), d(y)},
		{"presetLast7", d(today.AddDate(0, 0, -7)), d(y)},
		{"presetThisMonth", d(first), d(today)},
		{"presetLastMonth", d(first.AddDate(0, -1, 0)), d(first.AddDate(0, 0, -1))},
	}
}

// splitGroupBy splits a group_by into its time key and the others.
func splitGroupBy(groupBy string) (grain string, others []string) {
	for k := range strings.SplitSeq(groupBy, ",") {
		k = strings.TrimSpace(k)
		switch {
		case k == "":
		case slices.Contains(timeKeys, k) && grain == "":
			grain = k
		default:
			others = append(others, k)
		}
	}
	return grain, others
}

// trendsPage is GET /t/{tenant}/trends.
func (a *App) trendsPage(c *gin.Context) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	q := c.Request.URL.Query()
	// The form sends grain and dim; the address keeps group_by.
	if _, ok := q["grain"]; ok {
		gb := []string{}
		if g := q.Get("grain"); slices.Contains(grains, g) && g != "" {
			gb = append(gb, g)
		}
		if d := q.Get("dim"); slices.Contains(dims, d) && d != "" {
			gb = append(gb, d)
		}
		q.Del("grain")
		q.Del("dim")
		q.Set("group_by", strings.Join(gb, ","))
		for _, k := range []string{"hours", "compare", "cols"} {
			if q.Get(k) == "" {
				q.Del(k)
			}
		}
		a.redirect(c, withQuery(t.Base+"/trends", q))
		return
	}
	today := a.today(&t.Config)
	f := trendsForm{From: q.Get("from"), To: q.Get("to"), GroupBy: q.Get("group_by"), Hours: q.Get("hours"), Compare: q.Get("compare"),
		Metric: q.Get("metric"), All: q.Get("cols") == "all", Sort: q.Get("sort"), Dir: q.Get("dir")}
	if _, ok := q["from"]; !ok {
		r := presetRanges(today)[1]
		f.From, f.To = r[1], r[2]
	}
	if _, ok := q["group_by"]; !ok {
		f.GroupBy = "day"
	}
	if _, ok := metrics.MetricIndex(f.Metric); !ok {
		f.Metric = "service_level_pct"
	}
	grain, others := splitGroupBy(f.GroupBy)
	f.Grain = grain
	if len(others) > 0 {
		f.Dim = others[0]
	}
	v := &trendsView{Base: t.Base, Form: f, Errors: map[string]string{}}
	v.fillOptions(lang, today, c.Request.URL)

	apiQ := url.Values{"from": {f.From}, "to": {f.To}, "group_by": {f.GroupBy}}
	for k, val := range map[string]string{"hours": f.Hours, "compare": f.Compare} {
		if val != "" {
			apiQ.Set(k, val)
		}
	}
	p := &page{Title: "trendsTitle", Body: v, Nav: "trends"}
	var bad *api.Error
	if err := api.CheckSQIParams(t.ID, apiQ); errors.As(err, &bad) {
		v.Errors[bad.Param] = bad.Detail
		a.render(c, bad.Status, "trends", p)
		return
	} else if err != nil {
		a.fail(c, err)
		return
	}
	// The page is sent while the numbers are computed (a cold month of
	// rooms takes a second or two): the table's rows and, for a grouping
	// by more than time, the chart's rows by time, at once.
	a.renderStream(c, "trends", p, func() error {
		chartGrain := cmp.Or(grain, "day")
		var body, cb sqiBody
		g, _ := errgroup.WithContext(c.Request.Context())
		g.Go(func() error { return a.get(c, s, tenantPath(t.ID, "sqi"), apiQ, &body) })
		timeOnly := grain != "" && len(others) == 0
		if !timeOnly {
			cq := url.Values{"from": {f.From}, "to": {f.To}, "group_by": {chartGrain}}
			if f.Hours != "" {
				cq.Set("hours", f.Hours)
			}
			g.Go(func() error { return a.get(c, s, tenantPath(t.ID, "sqi"), cq, &cb) })
		}
		if err := g.Wait(); err != nil {
			return err
		}
		if timeOnly {
			cb = body
		}
		v.Range = formatDateText(body.From, lang) + " – " + formatDateText(body.To, lang)
		if body.Compare != "" {
			v.Prev = formatDateText(body.PreviousFrom, lang) + " – " + formatDateText(body.PreviousTo, lang)
		}
		v.Chart = trendChart(cb.Rows, chartGrain, f.Metric, lang)
		v.Table = a.sqiTable(&body, &t.Config, f, t.Base, lang, c.Request.URL)
		names := tableMetrics
		if f.All {
			names = metrics.ScoreableMetrics()
		}
		for _, n := range append([]string{"sqi"}, names...) {
			v.Defs = append(v.Defs, tile{Name: n, Label: metricLabel(n, lang), Def: metricDef(n, lang)})
		}
		v.Downs = downloads(t.Base+"/download/sqi", apiQ, lang)
		return nil
	})
}

// downloads are the links to the files of a table: xlsx and csv with the
// locale's labels (csv with the byte-order mark Excel needs), parquet.
func downloads(path string, q url.Values, lang string) []download {
	with := func(kv ...string) string {
		u := url.Values{}
		for k, v := range q {
			u[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			u.Set(kv[i], kv[i+1])
		}
		return withQuery(path, u)
	}
	tx := texts[lang]
	return []download{
		{tx["dlXLSX"], with("format", "xlsx", "lang", lang)},
		{tx["dlCSV"], with("format", "csv", "bom", "true", "lang", lang)},
		{tx["dlParquet"], with("format", "parquet")},
	}
}

func (v *trendsView) fillOptions(lang string, today time.Time, u *url.URL) {
	tx := texts[lang]
	f := v.Form
	for _, r := range presetRanges(today) {
		q := u.Query()
		q.Set("from", r[1])
		q.Set("to", r[2])
		v.Presets = append(v.Presets, preset{Label: tx[r[0]], URL: withQuery(v.Base+"/trends", q), Current: f.From == r[1] && f.To == r[2]})
	}
	for _, g := range grains {
		v.Grains = append(v.Grains, option{g, tx["grain_"+cmp.Or(g, "none")], f.Grain == g})
	}
	for _, d := range dims {
		v.Dims = append(v.Dims, option{d, tx["dim_"+cmp.Or(d, "none")], f.Dim == d})
	}
	for _, h := range []string{"", metrics.HoursAll, metrics.HoursBusiness} {
		v.Hours = append(v.Hours, option{h, tx["hours_"+cmp.Or(h, "default")], f.Hours == h})
	}
	for _, c := range []string{"", "previous_period", "previous_year"} {
		v.Compare = append(v.Compare, option{c, tx["compare_"+cmp.Or(c, "none")], f.Compare == c})
	}
	for _, m := range metrics.Catalog {
		v.Metrics = append(v.Metrics, option{m.Name, m.Label(lang), f.Metric == m.Name})
	}
}

// trendChart draws the SQI (left axis, 0 to 100) and the chosen metric
// (right axis) over the rows' periods.
func trendChart(rows []apiRow, grain, metric, lang string) *chart {
	col := groupColumns[grain]
	type point struct {
		key string
		row apiRow
	}
	pts := make([]point, 0, len(rows))
	for _, r := range rows {
		pts = append(pts, point{text(r[col]), r})
	}
	slices.SortFunc(pts, func(a, b point) int { return strings.Compare(a.key, b.key) })
	ch := &chart{Lang: lang, LeftMax: 100}
	ch.Title = "SQI · " + metricLabel(metric, lang)
	ch.Desc = texts[lang]["trendDesc"]
	sqi := series{Name: "SQI", Class: "line1", Kind: kindSQI}
	m := series{Name: metricLabel(metric, lang), Class: "line2", Kind: kindOf(metric)}
	if kindOf(metric) == kindPercent {
		ch.RightMax = 100
	}
	for _, p := range pts {
		ch.Labels = append(ch.Labels, shortKey(grain, p.key))
		sqi.Values = append(sqi.Values, number(p.row["sqi"]))
		m.Values = append(m.Values, number(p.row[metric]))
	}
	ch.Left, ch.Right = []series{sqi}, []series{m}
	return ch
}

// shortKey is a time key as a chart's axis shows it: 11-29, 14시.
func shortKey(grain, key string) string {
	switch grain {
	case "hour":
		if len(key) >= 16 {
			return key[5:10] + " " + key[11:13] + "h"
		}
	case "day", "week":
		if len(key) == 10 {
			return key[5:]
		}
	}
	return key
}

// keyText is a group key as the table shows it.
func keyText(col string, raw json.RawMessage, lang string) string {
	tx := texts[lang]
	if len(raw) == 0 || string(raw) == "null" {
		return tx["none"]
	}
	switch col {
	case "day":
		return formatDateText(text(raw), lang)
	case "week":
		return formatDateText(text(raw), lang) + " " + tx["weekOf"]
	case "hour":
		s := text(raw)
		if len(s) >= 13 {
			return formatDateText(s[:10], lang) + " " + s[11:13] + ":00"
		}
		return s
	case "in_hours":
		if string(raw) == "true" {
			return tx["yes"]
		}
		return tx["no"]
	}
	return text(raw)
}

// sqiTable is the table of /sqi rows: the group keys, the SQI and grade,
// the metrics (with their change), each row leading to its rooms.
func (a *App) sqiTable(body *sqiBody, cfg *metrics.Config, f trendsForm, base, lang string, u *url.URL) *table {
	tx := texts[lang]
	tb := &table{Caption: tx["trendsTable"], Total: len(body.Rows)}
	keyCols := []string{}
	for _, k := range body.GroupBy {
		keyCols = append(keyCols, groupColumns[k])
	}
	names := slices.Clone(tableMetrics)
	if f.All {
		names = metrics.ScoreableMetrics()
	}
	measures := append([]string{"sqi", "grade"}, names...)
	var comps []string
	if f.All {
		comps = cfg.ComponentNames()
	}
	sortURL := func(name string) (string, string) {
		q := u.Query()
		dir, aria := "desc", ""
		if f.Sort == name {
			if f.Dir == "asc" {
				aria = "ascending"
			} else {
				dir, aria = "asc", "descending"
			}
		}
		q.Set("sort", name)
		q.Set("dir", dir)
		q.Del("lang")
		return withQuery(base+"/trends", q), aria
	}
	for _, k := range keyCols {
		su, aria := sortURL(k)
		tb.Cols = append(tb.Cols, column{Name: k, Label: metricLabel(k, lang), Def: metricDef(k, lang), SortURL: su, Sort: aria, Key: true})
	}
	for _, m := range measures {
		su, aria := sortURL(m)
		tb.Cols = append(tb.Cols, column{Name: m, Label: metricLabel(m, lang), Def: metricDef(m, lang), SortURL: su, Sort: aria, Numeric: m != "grade"})
	}
	for _, cname := range comps {
		su, aria := sortURL("components." + cname)
		tb.Cols = append(tb.Cols, column{Name: "components." + cname, Label: metrics.ComponentColumnLabel(cname, lang),
			SortURL: su, Sort: aria, Numeric: true})
	}
	rows := slices.Clone(body.Rows)
	if f.Sort != "" {
		sortRows(rows, f.Sort, f.Dir == "asc")
	}
	if len(rows) > tableRowCap {
		tb.Capped = len(rows) - tableRowCap
		rows = rows[:tableRowCap]
	}
	compare := body.Compare != ""
	for _, r := range rows {
		tr := tableRow{Drill: drillURL(base, body, r, f.Hours)}
		var change map[string]json.RawMessage
		var rowComps map[string]json.RawMessage
		if compare {
			_ = json.Unmarshal(r["change"], &change)
		}
		_ = json.Unmarshal(r["components"], &rowComps)
		for _, k := range keyCols {
			tr.Cells = append(tr.Cells, tableCell{Raw: cellRaw(r[k]), Text: keyText(k, r[k], lang)})
		}
		for _, m := range measures {
			if m == "grade" {
				g := text(r["grade"])
				tr.Cells = append(tr.Cells, tableCell{Raw: cellRaw(r["grade"]), Text: cmp.Or(g, "–")})
				continue
			}
			cell := tableCell{Raw: cellRaw(r[m]), Text: formatNumber(number(r[m]), kindOf(m), lang), Num: true}
			if compare {
				cell.Change = changeOf(change[m], m, lang)
			}
			tr.Cells = append(tr.Cells, cell)
		}
		for _, cname := range comps {
			tr.Cells = append(tr.Cells, tableCell{Raw: cellRaw(rowComps[cname]), Text: formatNumber(number(rowComps[cname]), kindPoints, lang), Num: true})
		}
		tb.Rows = append(tb.Rows, tr)
	}
	return tb
}

func cellRaw(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "null"
	}
	return string(raw)
}

// sortRows orders rows by a column: numbers as numbers, null last.
func sortRows(rows []apiRow, col string, asc bool) {
	get := func(r apiRow) json.RawMessage {
		if comp, ok := strings.CutPrefix(col, "components."); ok {
			var m map[string]json.RawMessage
			_ = json.Unmarshal(r["components"], &m)
			return m[comp]
		}
		return r[col]
	}
	slices.SortStableFunc(rows, func(a, b apiRow) int {
		ra, rb := get(a), get(b)
		na, nb := number(ra), number(rb)
		var c int
		switch {
		case (len(ra) == 0 || string(ra) == "null") && (len(rb) == 0 || string(rb) == "null"):
			return 0
		case len(ra) == 0 || string(ra) == "null":
			return 1
		case len(rb) == 0 || string(rb) == "null":
			return -1
		case na != nil && nb != nil:
			c = cmp.Compare(*na, *nb)
		default:
			c = strings.Compare(text(ra), text(rb))
		}
		if !asc {
			c = -c
		}
		return c
	})
}

// drillURL is the Rooms page of a row: its dates (the row's period within
// the range) and its group as filters.
func drillURL(base string, body *sqiBody, r apiRow, hours string) string {
	q := url.Values{"from": {body.From}, "to": {body.To}}
	if hours != "" {
		q.Set("hours", hours)
	}
	clamp := func(from, to string) {
		if from > q.Get("from") {
			q.Set("from", from)
		}
		if to < q.Get("to") {
			q.Set("to", to)
		}
	}
	for _, k := range body.GroupBy {
		col := groupColumns[k]
		raw := r[col]
		switch k {
		case "hour":
			if s := text(raw); len(s) >= 10 {
				clamp(s[:10], s[:10])
			}
		case "day":
			clamp(text(raw), text(raw))
		case "week", "month":
			start, e1 := time.Parse(time.RFC3339, text(r["period_start"]))
			end, e2 := time.Parse(time.RFC3339, text(r["period_end"]))
			if e1 == nil && e2 == nil {
				clamp(start.Format(metrics.DateLayout), end.Add(-time.Nanosecond).Format(metrics.DateLayout))
			}
		case "in_hours":
			q.Set("in_hours", string(raw))
		default:
			q.Set(col, text(raw)) // "" for the rooms without one
		}
	}
	return withQuery(base+"/rooms", q)
}
