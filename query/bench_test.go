package query_test

import (
	"context"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
	"sqi/synth"
)

// BenchmarkStatsMonth answers `sqi stats` over a month of 50,000 rooms a
// day in one tenant (1.5 million rooms): one real generated day, its facts
// copied to the 29 days before it. Sub-benchmarks: the blocks path that
// `sqi stats` and the API use, and as the baseline in the same run, the
// same query over room_facts rows.
func BenchmarkStatsMonth(b *testing.B) {
	db := pgtest.New(b)
	ctx := b.Context()
	last := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 1, Days: 1, RoomsPerDay: 50_000, Seed: 1, Start: last}); err != nil {
		b.Fatal(err)
	}
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	const copyDays = `INSERT INTO room_facts (tenant_id, room_id, opened_at, queued_at, assigned_at, closed_at,
  agent_id, team_id, channel, category, wait_s, first_response_s, assigned_response_s, handle_s, wrapup_s,
  dropped, transfers, score, reply_s, reply_agent, customer_reply_s, customer_reply_agent, invalid_reason, events, rejected_events)
SELECT tenant_id, room_id || '-' || d, opened_at - d * interval '1 day', queued_at - d * interval '1 day',
  assigned_at - d * interval '1 day', closed_at - d * interval '1 day',
  agent_id, team_id, channel, category, wait_s, first_response_s, assigned_response_s, handle_s, wrapup_s,
  dropped, transfers, score, reply_s, reply_agent, customer_reply_s, customer_reply_agent, invalid_reason, events, rejected_events
FROM room_facts, generate_series(1, 29) d;
INSERT INTO blocks_dirty SELECT DISTINCT tenant_id, (opened_at AT TIME ZONE 'UTC')::date FROM room_facts ON CONFLICT DO NOTHING`
	if _, err := db.Pool.Exec(ctx, copyDays); err != nil {
		b.Fatal(err)
	}
	if _, err := db.RebuildBlocks(ctx); err != nil {
		b.Fatal(err)
	}
	tenant := synth.Tenants(1)[0].ID
	for _, gb := range []string{"", "day", "agent"} {
		q, err := query.Parse(query.Params{Tenant: tenant, From: "2026-10-02", To: "2026-10-31", GroupBy: gb})
		if err != nil {
			b.Fatal(err)
		}
		name := gb
		if name == "" {
			name = "total"
		}
		var rooms float64
		b.Run(name+"/blocks", func(b *testing.B) {
			for b.Loop() {
				res, err := query.Stats(ctx, db, q)
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
		b.Run(name+"/rows-baseline", func(b *testing.B) {
			for b.Loop() {
				rooms = statsFromRows(b, ctx, db, q)
			}
			b.ReportMetric(rooms, "rooms")
		})
	}
}

func statsFromRows(b *testing.B, ctx context.Context, db *store.DB, q query.Query) float64 {
	t, err := db.Tenant(ctx, q.Tenant)
	if err != nil {
		b.Fatal(err)
	}
	agg := metrics.NewAggregator(&t.Config, q.From, q.To, q.GroupBy)
	start, end := metrics.DayBounds(q.From, q.To, t.Config.Location())
	if err := db.Rooms(ctx, q.Tenant, start, end, func(r *metrics.Room) error { agg.Add(r); return nil }); err != nil {
		b.Fatal(err)
	}
	var rooms float64
	for _, r := range agg.Rows() {
		rooms += r.Values[metrics.MRooms].V
	}
	return rooms
}
