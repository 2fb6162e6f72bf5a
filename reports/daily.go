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
	// Engine computes the numbers; nil: an engine of its own, without a
	// cache. `sqi serve` shares the API's, whose cache the ETL keeps warm.
	Engine *query.Engine
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

// Daily computes the report of tenantID's local day, in the tenant's
// hours setting. The numbers are those of `sqi stats` and the API: the
// rows come from the query engine's partials (query.Engine), and every
// table is combined from them. The day's tables need the blocks of the
// day; the trend and the week before, those of the TrendDays days, read
// once for both.
func (g *Generator) Daily(ctx context.Context, tenantID string, day time.Time) (*Daily, error) {
	cfg, err := g.config(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	d := &Daily{Config: cfg, Day: day, GeneratedAt: g.now()}
	d.Start, d.End = metrics.DayBounds(day, day, cfg.Location())
	fail := func(err error) error {
		return fmt.Errorf("daily report %s %s: %w", tenantID, day.Format(metrics.DateLayout), err)
	}
	eng := g.Engine
	if eng == nil {
		eng = query.NewEngine(g.DB, 0)
	}
	c := &d.Config

	// The day's total comes from its hourly partials; the trend by day and
	// the week before from partials of no grouping, cut by local day.
	dayTables := [][]string{{"hour"}, {"agent"}, {"team"}, {"channel"}, {"category"}}
	parts, err := eng.Partials(ctx, c, tenantID, day, day, dayTables)
	if err != nil {
		return nil, fail(err)
	}
	rows := make([][]metrics.Row, len(dayTables)+1)
	for i, gb := range dayTables {
		if rows[i+1], err = metrics.Combine(c, day, day, gb, parts[i], 0); err != nil {
			return nil, fail(err)
		}
	}
	if rows[0], err = metrics.Combine(c, day, day, []string{}, parts[0], 0); err != nil {
		return nil, fail(err)
	}
	d.Total = rows[0][0]
	empty := emptyRow(c, day)
	for i := range d.Hourly {
		d.Hourly[i] = empty
	}
	for _, r := range rows[1] {
		d.Hourly[r.Keys[0].Hour] = r
	}
	d.Agents, d.Teams, d.Channels, d.Categories = rows[2], rows[3], rows[4], rows[5]
	for _, t := range [][]metrics.Row{d.Agents, d.Teams, d.Channels, d.Categories} {
		slices.SortStableFunc(t, bySQI)
	}

	first := day.AddDate(0, 0, -(TrendDays - 1))
	trend, err := eng.Partials(ctx, c, tenantID, first, day, [][]string{{}})
	if err != nil {
		return nil, fail(err)
	}
	days, err := metrics.Combine(c, first, day, []string{"day"}, trend[0], 0)
	if err != nil {
		return nil, fail(err)
	}
	byDay := map[time.Time]metrics.Row{}
	for _, r := range days {
		byDay[r.Keys[0].Date] = r
	}
	for i := range TrendDays {
		date := first.AddDate(0, 0, i)
		r, ok := byDay[date]
		if !ok {
			r = emptyRow(c, date)
		}
		r.Keys = nil
		d.Trend = append(d.Trend, TrendDay{Date: date, Row: r})
	}
	d.Prev = d.Trend[TrendDays-2].Row
	week, err := metrics.Combine(c, day.AddDate(0, 0, -WeekDays), day.AddDate(0, 0, -1), []string{}, trend[0], 0)
	if err != nil {
		return nil, fail(err)
	}
	d.Week = week[0]
	return d, nil
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
