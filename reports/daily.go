// Package reports owns the daily report of docs/reports.md: the Excel workbook
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

// Generator builds the daily reports of the tenants of a database.
type Generator struct {
	DB *store.DB
	// Now stamps the report ("generated at"); time.Now when nil.
	Now func() time.Time
	// Progress, when set, is told what WriteDaily is doing as it goes on
	// ("computing the numbers", "sheet 3 of 8", "writing the file"): `sqi
	// report` shows it on a terminal.
	Progress func(step string)
}

func (g *Generator) progress(format string, a ...any) {
	if g.Progress != nil {
		g.Progress(fmt.Sprintf(format, a...))
	}
}

// Daily is everything the workbook and the e-mail show about one local
// day of one tenant. Rows hold unrounded values, as query.Stats returns
// them; what users see is rounded when written.
type Daily struct {
	Config      metrics.Config
	Day         time.Time // the local date, midnight UTC
	Start, End  time.Time // the instants it covers: 23, 24 or 25 hours
	GeneratedAt time.Time

	Total metrics.Row // the day
	Prev  metrics.Row // the day before
	Week  metrics.Row // the WeekDays days before the day, as one range

	Hourly [24]metrics.Row // by local hour; both 01:00 hours of a fall-back day are one

	// One row per group, best SQI first, rows without an SQI last.
	Agents, Teams, Channels, Categories []metrics.Row

	Trend []TrendDay // TrendDays days ending with the day
}

// TrendDay is one day of the SQI trend.
type TrendDay struct {
	Date time.Time
	Row  metrics.Row
}

// Tenant is the tenant's id.
func (d *Daily) Tenant() string { return d.Config.TenantID }

// Date is the report's day as YYYY-MM-DD.
func (d *Daily) Date() string { return d.Day.Format(metrics.DateLayout) }

// FileName is the workbook's file name, acme_daily_2026-03-08.xlsx: the
// name the API gives it too (export.FileName).
func FileName(tenantID string, day time.Time) string {
	date := day.Format(metrics.DateLayout)
	return export.FileName(tenantID, "daily", date, date, "xlsx")
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
	g.progress("computing the numbers")
	d, err := g.Daily(ctx, tenantID, day)
	if err != nil {
		return err
	}
	return g.WriteWorkbook(ctx, d, w)
}

// Daily computes the report of tenantID's local day. The numbers are
// query.StatsWith's: the same aggregator over the same room blocks. But
// instead of one StatsWith per table (eight of them, the day's blocks
// decoded six times), one pass over the blocks of the TrendDays days
// feeds every table's aggregator; each ignores the rooms outside its
// dates. Blocks are decoded in parallel, each into aggregators of its own,
// merged in block order as StatsWith does, so every sum is added in the
// same order and the rows are bit for bit those of `sqi stats`.
func (g *Generator) Daily(ctx context.Context, tenantID string, day time.Time) (*Daily, error) {
	cfg, err := g.config(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	d := &Daily{Config: cfg, Day: day, GeneratedAt: g.now()}
	d.Start, d.End = metrics.DayBounds(day, day, cfg.Location())

	first := day.AddDate(0, 0, -(TrendDays - 1))
	set, err := scan(ctx, g.DB, &d.Config, tenantID, first, day, func() *aggregators { return newAggregators(&d.Config, day) })
	if err != nil {
		return nil, fmt.Errorf("daily report %s %s: %w", tenantID, day.Format(metrics.DateLayout), err)
	}

	d.Total = set.total.Rows()[0]
	empty := emptyRow(&d.Config, day)
	for i := range d.Hourly {
		d.Hourly[i] = empty
	}
	for _, r := range set.hour.Rows() {
		d.Hourly[r.Keys[0].Hour] = r
	}
	for _, grp := range []struct {
		agg *metrics.Aggregator
		dst *[]metrics.Row
	}{{set.agent, &d.Agents}, {set.team, &d.Teams}, {set.channel, &d.Channels}, {set.category, &d.Categories}} {
		*grp.dst = grp.agg.Rows()
		slices.SortStableFunc(*grp.dst, bySQI)
	}
	byDay := map[time.Time]metrics.Row{}
	for _, r := range set.trend.Rows() {
		byDay[r.Keys[0].Date] = r
	}
	for i := range TrendDays {
		date := first.AddDate(0, 0, i)
		r, ok := byDay[date]
		if !ok {
			r = emptyRow(&d.Config, date)
		}
		r.Keys = nil
		d.Trend = append(d.Trend, TrendDay{Date: date, Row: r})
	}
	d.Prev = d.Trend[TrendDays-2].Row
	d.Week = set.week.Rows()[0]
	return d, nil
}

// aggregators are the tables of a report, each an aggregator over its
// dates: the day (total and by hour, agent, team, channel, category), the
// trend (by day) and the week before.
type aggregators struct {
	total, hour, agent, team, channel, category *metrics.Aggregator
	trend, week                                 *metrics.Aggregator
}

func newAggregators(cfg *metrics.Config, day time.Time) *aggregators {
	one := func(from, to time.Time, by ...string) *metrics.Aggregator {
		if by == nil {
			by = []string{}
		}
		return metrics.NewAggregator(cfg, from, to, by)
	}
	return &aggregators{
		total: one(day, day), hour: one(day, day, "hour"),
		agent: one(day, day, "agent"), team: one(day, day, "team"),
		channel: one(day, day, "channel"), category: one(day, day, "category"),
		trend: one(day.AddDate(0, 0, -(TrendDays-1)), day, "day"),
		week:  one(day.AddDate(0, 0, -WeekDays), day.AddDate(0, 0, -1)),
	}
}

func (a *aggregators) all() []*metrics.Aggregator {
	return []*metrics.Aggregator{a.total, a.hour, a.agent, a.team, a.channel, a.category, a.trend, a.week}
}

// scan reads the room blocks of the local dates from..to once, into a
// fresh set of aggregators (query.ScanBlocks: the order of StatsWith).
func scan(ctx context.Context, db *store.DB, cfg *metrics.Config, tenantID string, from, to time.Time, fresh func() *aggregators) (*aggregators, error) {
	start, end := metrics.DayBounds(from, to, cfg.Location())
	set, err := query.ScanBlocks(ctx, db, tenantID, start, end, func() []*metrics.Aggregator { return fresh().all() })
	if err != nil {
		return nil, err
	}
	return &aggregators{total: set[0], hour: set[1], agent: set[2], team: set[3],
		channel: set[4], category: set[5], trend: set[6], week: set[7]}, nil
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
