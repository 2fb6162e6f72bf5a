package query_test

import (
	"context"
	"testing"

	"sqi/internal/benchdata"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// BenchmarkStatsMonth answers /sqi over the month of the performance
// budgets (internal/benchdata: 1.5 million rooms of one tenant):
//
//   - warm: the engine of a running server, its cache holding the month's
//     block partials (what a dashboard's repeated queries meet);
//   - cold: a fresh engine, as after a configuration change or in `sqi
//     stats` (every block read, decoded and aggregated);
//   - business: the same with hours=business over a tenant's business
//     hours (09:00–18:00 weekdays, a lunch break, Saturday mornings);
//   - rows-baseline: the naive path in the same run, every room_facts row
//     of the month through one aggregator.
func BenchmarkStatsMonth(b *testing.B) {
	db, _ := benchdata.Month(b)
	ctx := b.Context()
	tenant := benchdata.Tenant()
	t, err := db.Tenant(ctx, tenant)
	if err != nil {
		b.Fatal(err)
	}
	cfg := t.Config
	business := cfg
	business.BusinessHours = &metrics.BusinessHours{Weekly: map[string][]string{
		"mon": {"09:00-12:00", "13:00-18:00"}, "tue": {"09:00-12:00", "13:00-18:00"}, "wed": {"09:00-12:00", "13:00-18:00"},
		"thu": {"09:00-12:00", "13:00-18:00"}, "fri": {"09:00-12:00", "13:00-18:00"}, "sat": {"09:00-13:00"}}}
	business.Hours = metrics.HoursBusiness
	if err := business.Validate(); err != nil {
		b.Fatal(err)
	}
	warm := query.NewEngine(db, 1<<30)
	for _, gb := range []string{"agent", "", "day", "hour,team"} {
		q, err := query.Parse(query.Params{Tenant: tenant, From: "2026-10-01", To: "2026-10-30", GroupBy: gb})
		if err != nil {
			b.Fatal(err)
		}
		name := gb
		if name == "" {
			name = "total"
		}
		run := func(label string, c *metrics.Config, eng func() *query.Engine) {
			b.Run(name+"/"+label, func(b *testing.B) {
				var rooms float64
				e := eng()
				if _, err := e.Stats(ctx, c, q); err != nil { // warms a shared engine
					b.Fatal(err)
				}
				for b.Loop() {
					res, err := eng().Stats(ctx, c, q)
					if err != nil {
						b.Fatal(err)
					}
					rooms = 0
					for _, r := range res.Rows {
						rooms += r.Values[metrics.MRooms].V
					}
				}
				b.ReportMetric(rooms, "rooms")
			})
		}
		shared := func() *query.Engine { return warm }
		fresh := func() *query.Engine { return query.NewEngine(db, 0) }
		run("warm", &cfg, shared)
		if gb == "agent" {
			run("cold", &cfg, fresh)
			run("business-warm", &business, shared)
			run("business-cold", &business, fresh)
			b.Run(name+"/rows-baseline", func(b *testing.B) {
				var rooms float64
				for b.Loop() {
					rooms = statsFromRows(b, ctx, db, &cfg, q)
				}
				b.ReportMetric(rooms, "rooms")
			})
		}
	}
}

func statsFromRows(b *testing.B, ctx context.Context, db *store.DB, cfg *metrics.Config, q query.Query) float64 {
	agg := metrics.NewAggregator(cfg, q.From, q.To, q.GroupBy)
	start, end := metrics.DayBounds(q.From, q.To, cfg.Location())
	if err := db.Rooms(ctx, q.Tenant, start, end, func(r *metrics.Room) error { agg.Add(r); return nil }); err != nil {
		b.Fatal(err)
	}
	var rooms float64
	for _, r := range agg.Rows() {
		rooms += r.Values[metrics.MRooms].V
	}
	return rooms
}
