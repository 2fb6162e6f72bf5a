// Package reports owns the daily, weekly and monthly reports of
// docs/reports.md: the Excel workbook
// (excelize), the e-mail that carries it (composed here, sent through
// reports/mail) and their schedule inside `sqi serve` (gocron), with the
// deliveries logged in PostgreSQL through the store. Numbers come from the
// query package, so the workbook shows what `sqi stats` and the API answer.
// docs/reports.md records the decisions. It must not import api/ or cmd/.
package reports

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// TrendDays is how many days the SQI trend shows, the report's day last.
const TrendDays = 14

// WeekDays is how many days before the report's day the comparison
// baseline ("7-day average") covers.
const WeekDays = 7

// Generator builds the reports of the tenants of a database.
type Generator struct {
	DB *store.DB
	// Engine computes the numbers; nil: an engine of its own, without a
	// cache. `sqi serve` shares the API's, whose cache the ETL keeps warm.
	Engine *query.Engine
	// Now stamps the report ("generated at"); time.Now when nil.
	Now func() time.Time
	// WeeklyRoomsLimit bounds the Rooms sheet of weekly and monthly
	// reports; 0 is the default, WeeklyRoomsLimit.
	WeeklyRoomsLimit int
	// Progress, when set, is told what WriteReport is doing as it goes on
	// ("computing the numbers", "sheet 3 of 8", "writing the file"): `sqi
	// report` shows it on a terminal.
	Progress func(step string)
}

func (g *Generator) progress(format string, a ...any) {
	if g.Progress != nil {
		g.Progress(fmt.Sprintf(format, a...))
	}
}

// Report is everything the workbook and the e-mail show about one period
// (a day, an ISO week, a month) of one tenant. Rows hold unrounded values,
// as query.Stats returns them; what users see is rounded when written.
type Report struct {
	Period
	Config      metrics.Config
	Start, End  time.Time // the instants the period covers
	GeneratedAt time.Time

	Total metrics.Row // the period
	Prev  metrics.Row // the period before: the day, week or month before
	Week  metrics.Row // daily only: the WeekDays days before the day, as one range

	// Daily reports: by local hour; both 01:00 hours of a fall-back day
	// are one.
	Hourly [24]metrics.Row
	// Weekly and monthly reports: one row per local date of the period.
	Days []TrendDay

	// One row per group, best SQI first, rows without an SQI last.
	Agents, Teams, Channels, Categories []metrics.Row

	// The SQI by day: the TrendDays days ending with a daily report's day,
	// the two weeks ending with a weekly report's Sunday, the month's days.
	Trend []TrendDay
}

// TrendDay is one local date and its row.
type TrendDay struct {
	Date time.Time
	Row  metrics.Row
}

// Tenant is the tenant's id.
func (d *Report) Tenant() string { return d.Config.TenantID }

// Date is the period's first local date as YYYY-MM-DD.
func (d *Report) Date() string { return d.First.Format(metrics.DateLayout) }

// FileName is the workbook's file name of a daily report,
// acme_daily_2026-03-08.xlsx: the name the API gives it too
// (export.FileName). Period.FileName names every kind.
func FileName(tenantID string, day time.Time) string {
	return Period{Kind: KindDaily, First: day, Last: day}.FileName(tenantID)
}

func exportFileName(tenantID, kind, id string) string {
	return export.FileName(tenantID, kind, id, id, "xlsx")
}

// ContentType is the media type of the workbook.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (g *Generator) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// config returns the tenant's configuration; store.ErrNotFound when
// it has neither configuration nor events.
func (g *Generator) config(ctx context.Context, tenantID string) (metrics.Config, error) {
	t, err := g.DB.Tenant(ctx, tenantID)
	if err != nil {
		return metrics.Config{}, err
	}
	return t.Config, nil
}

// WriteDaily writes the workbook of tenantID's local day (a date value,
// midnight UTC, as metrics.ParseDate returns) to w. Everything is read
// and computed before the first byte is written, so an error leaves w
// untouched. An unknown tenant is store.ErrNotFound.
func (g *Generator) WriteDaily(ctx context.Context, tenantID string, day time.Time, w io.Writer) error {
	return g.WriteReport(ctx, KindDaily, tenantID, day, w)
}

// WriteWeekly writes the workbook of the ISO week that starts on the
// local date monday, as WriteDaily does; a date that is not a Monday is
// ErrBadPeriod.
func (g *Generator) WriteWeekly(ctx context.Context, tenantID string, monday time.Time, w io.Writer) error {
	return g.WriteReport(ctx, KindWeekly, tenantID, monday, w)
}

// WriteMonthly writes the workbook of the calendar month whose 1st is
// first, as WriteDaily does; another date is ErrBadPeriod.
func (g *Generator) WriteMonthly(ctx context.Context, tenantID string, first time.Time, w io.Writer) error {
	return g.WriteReport(ctx, KindMonthly, tenantID, first, w)
}

// WriteReport writes the workbook of tenantID's report of kind whose
// period starts on the local date first (PeriodOf) to w.
func (g *Generator) WriteReport(ctx context.Context, kind Kind, tenantID string, first time.Time, w io.Writer) error {
	g.progress("computing the numbers")
	d, err := g.Report(ctx, kind, tenantID, first)
	if err != nil {
		return err
	}
	return g.WriteWorkbook(ctx, d, w)
}

// Daily computes the report of tenantID's local day.
func (g *Generator) Daily(ctx context.Context, tenantID string, day time.Time) (*Report, error) {
	return g.Report(ctx, KindDaily, tenantID, day)
}

// Report computes tenantID's report of kind whose period starts on the
// local date first, in the tenant's hours setting. The numbers are those
// of `sqi stats` and the API: the rows come from the query engine's
// partials (query.Engine), and every table is combined from them. The
// period's group tables need the blocks of the period; the total, the
// trend, the period before (and a daily report's week before) come from
// partials of no grouping, cut by local day, read once for all of them.
func (g *Generator) Report(ctx context.Context, kind Kind, tenantID string, first time.Time) (*Report, error) {
	p, err := PeriodOf(kind, first)
	if err != nil {
		return nil, err
	}
	cfg, err := g.config(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	d := &Report{Period: p, Config: cfg, GeneratedAt: g.now()}
	d.Start, d.End = metrics.DayBounds(p.First, p.Last, cfg.Location())
	fail := func(err error) error {
		return fmt.Errorf("%s report %s %s: %w", kind, tenantID, p.ID(), err)
	}
	eng := g.Engine
	if eng == nil {
		eng = query.NewEngine(g.DB, 0)
	}
	c := &d.Config
	// combine keeps the first error; total is the one row of no grouping.
	var cerr error
	combine := func(from, to time.Time, groupBy []string, parts []*metrics.Partial) []metrics.Row {
		if cerr != nil {
			return nil
		}
		var rows []metrics.Row
		rows, cerr = metrics.Combine(c, from, to, groupBy, parts, 0)
		return rows
	}
	total := func(from, to time.Time, parts []*metrics.Partial) metrics.Row {
		if rows := combine(from, to, []string{}, parts); len(rows) == 1 {
			return rows[0]
		}
		return emptyRow(c, from)
	}

	// The period's tables. A day's total comes from its hourly partials;
	// a longer period's from the partials of no grouping below.
	tables := [][]string{{"agent"}, {"team"}, {"channel"}, {"category"}}
	if kind == KindDaily {
		tables = append([][]string{{"hour"}}, tables...)
	}
	parts, err := eng.Partials(ctx, c, tenantID, p.First, p.Last, tables)
	if err != nil {
		return nil, fail(err)
	}
	if kind == KindDaily {
		d.Total = total(p.First, p.Last, parts[0])
		empty := emptyRow(c, p.First)
		for i := range d.Hourly {
			d.Hourly[i] = empty
		}
		for _, r := range combine(p.First, p.Last, []string{"hour"}, parts[0]) {
			d.Hourly[r.Keys[0].Hour] = r
		}
		parts = parts[1:]
	}
	groups := make([][]metrics.Row, len(parts))
	for i := range parts {
		groups[i] = combine(p.First, p.Last, tables[len(tables)-len(parts)+i], parts[i])
		slices.SortStableFunc(groups[i], bySQI)
	}
	if cerr != nil {
		return nil, fail(cerr)
	}
	d.Agents, d.Teams, d.Channels, d.Categories = groups[0], groups[1], groups[2], groups[3]

	prev := p.Prev()
	trendFirst := p.First
	switch kind {
	case KindDaily:
		trendFirst = p.First.AddDate(0, 0, -(TrendDays - 1))
	case KindWeekly:
		trendFirst = prev.First
	}
	from := trendFirst
	if prev.First.Before(from) {
		from = prev.First
	}
	if week := p.First.AddDate(0, 0, -WeekDays); kind == KindDaily && week.Before(from) {
		from = week
	}
	wide, err := eng.Partials(ctx, c, tenantID, from, p.Last, [][]string{{}})
	if err != nil {
		return nil, fail(err)
	}
	d.Trend = byDay(c, trendFirst, p.Last, combine(trendFirst, p.Last, []string{"day"}, wide[0]))
	d.Prev = total(prev.First, prev.Last, wide[0])
	if kind == KindDaily {
		d.Week = total(p.First.AddDate(0, 0, -WeekDays), p.First.AddDate(0, 0, -1), wide[0])
	} else {
		d.Total = total(p.First, p.Last, wide[0])
		d.Days = d.Trend[len(d.Trend)-p.NumDays():]
	}
	if cerr != nil {
		return nil, fail(cerr)
	}
	return d, nil
}

// byDay is one row per local date from..to, from rows grouped by day;
// a date without rooms gets the empty row.
func byDay(c *metrics.Config, from, to time.Time, rows []metrics.Row) []TrendDay {
	m := make(map[time.Time]metrics.Row, len(rows))
	for _, r := range rows {
		m[r.Keys[0].Date] = r
	}
	var out []TrendDay
	for date := from; !date.After(to); date = date.AddDate(0, 0, 1) {
		r, ok := m[date]
		if !ok {
			r = emptyRow(c, date)
		}
		r.Keys = nil
		out = append(out, TrendDay{Date: date, Row: r})
	}
	return out
}

// emptyRow is the row of a group without rooms: counts 0, the rest null.
func emptyRow(cfg *metrics.Config, day time.Time) metrics.Row {
	return metrics.NewAggregator(cfg, day, day, nil).Rows()[0]
}

// bySQI orders rows best SQI first (as users see it, rounded), rows
// without an SQI last, then by rooms, most first, then by key.
func bySQI(a, b metrics.Row) int {
	switch {
	case a.SQI.Null != b.SQI.Null:
		if a.SQI.Null {
			return 1
		}
		return -1
	case !a.SQI.Null:
		if c := cmp.Compare(metrics.Round(b.SQI.V, 1), metrics.Round(a.SQI.V, 1)); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(b.Values[metrics.MRooms].V, a.Values[metrics.MRooms].V); c != 0 {
		return c
	}
	return metrics.CompareKeys(a.Keys, b.Keys)
}
