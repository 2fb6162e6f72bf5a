package etl_test

import (
	"fmt"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/synth"
)

// BenchmarkETLTicks measures the steady state of `sqi serve`: events
// arrive minute by minute through the busiest half hour of a day (each
// minute's events are written, then one incremental run), after the
// day's earlier events are processed. It reports the mean and the
// longest run and the events and rooms of a minute, for 50,000 and
// 250,000 rooms a day (5 tenants). The ETL keeps up as long as a run
// takes less than its interval (ETL_INTERVAL, a minute); docs/scale.md
// derives the ceiling of one node from it. The baseline in the same run
// is the backlog rate of the same day: one run over all its events.
func BenchmarkETLTicks(b *testing.B) {
	for _, perTenant := range []int{10_000, 50_000} {
		b.Run(fmt.Sprintf("rooms-per-day=%d", 5*perTenant), func(b *testing.B) { benchTicks(b, perTenant) })
	}
}

func benchTicks(b *testing.B, perTenant int) {
	db := pgtest.New(b)
	ctx := b.Context()
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 5, Days: 1, RoomsPerDay: perTenant, Seed: 2,
		Start: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE held AS SELECT * FROM chat_events`)
	exec(`TRUNCATE chat_events`)
	var busiest time.Time
	var total int64
	if err := db.Pool.QueryRow(ctx, `SELECT h, (SELECT count(*) FROM held) FROM (SELECT date_trunc('hour', occurred_at) h, count(*) n
FROM held GROUP BY 1 ORDER BY 2 DESC LIMIT 1) x`).Scan(&busiest, &total); err != nil {
		b.Fatal(err)
	}
	const cols = `event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score`
	r := &etl.Runner{Source: db.Pool, Store: db}

	// The backlog baseline: the whole day in one run.
	exec(`INSERT INTO chat_events (` + cols + `) SELECT ` + cols + ` FROM held`)
	exec(`VACUUM ANALYZE chat_events`)
	t0 := time.Now()
	if _, err := r.RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	backlog := time.Since(t0).Seconds()
	exec(`TRUNCATE chat_events, room_facts, rejects, etl_state, etl_runs, room_blocks, blocks_dirty`)

	exec(`INSERT INTO chat_events (`+cols+`) SELECT `+cols+` FROM held WHERE occurred_at < $1`, busiest)
	exec(`VACUUM ANALYZE chat_events`)
	if _, err := r.RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	const minutes = 30
	var sum, longest float64
	var events, rooms int64
	b.ResetTimer()
	for range b.N {
		for m := range minutes {
			b.StopTimer()
			from := busiest.Add(time.Duration(m) * time.Minute)
			exec(`INSERT INTO chat_events (`+cols+`) SELECT `+cols+` FROM held WHERE occurred_at >= $1 AND occurred_at < $2`, from, from.Add(time.Minute))
			b.StartTimer()
			t1 := time.Now()
			res, err := r.RunOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			d := time.Since(t1).Seconds()
			sum += d
			longest = max(longest, d)
			events += res.EventsRead
			rooms += res.RoomsRecomputed
		}
		b.StopTimer()
		exec(`DELETE FROM chat_events WHERE occurred_at >= $1`, busiest) // the next iteration writes the half hour again
	}
	ticks := float64(b.N * minutes)
	b.ReportMetric(sum/ticks, "tick-s")
	b.ReportMetric(longest, "max-tick-s")
	b.ReportMetric(float64(events)/ticks, "events/tick")
	b.ReportMetric(float64(rooms)/ticks, "rooms/tick")
	b.ReportMetric(backlog, "day-backlog-s")
	b.ReportMetric(float64(total), "day-events")
}

// BenchmarkETLTick100 is the live view's tick (SPEC budget: ≤ 300 ms): a
// tenant's day of 50,000 rooms already processed, then runs of about 100
// new events each — the platform's rate over an ETL_INTERVAL of 10 s —
// each touching rooms of that day, whose block is rebuilt. It reports the
// mean and the longest tick; the baseline in the same run is the day's
// backlog in one run.
func BenchmarkETLTick100(b *testing.B) {
	db := pgtest.New(b)
	ctx := b.Context()
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 1, Days: 1, RoomsPerDay: 50_000, Seed: 4,
		Start: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	const cols = `event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score`
	exec(`CREATE TABLE held AS SELECT ` + cols + `, row_number() OVER (ORDER BY occurred_at, event_id) AS n FROM chat_events`)
	exec(`TRUNCATE chat_events`)
	var total int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM held`).Scan(&total); err != nil {
		b.Fatal(err)
	}
	r := &etl.Runner{Source: db.Pool, Store: db}
	// Everything but the last 20 × 100 events of the day.
	const tick, ticks = 100, 20
	exec(`INSERT INTO chat_events (`+cols+`) SELECT `+cols+` FROM held WHERE n <= $1`, total-tick*ticks)
	exec(`VACUUM ANALYZE chat_events`)
	t0 := time.Now()
	if _, err := r.RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	backlog := time.Since(t0).Seconds()
	var sum, longest float64
	var rooms int64
	b.ResetTimer()
	for range b.N {
		for i := range ticks {
			b.StopTimer()
			lo := total - int64(tick*(ticks-i))
			exec(`INSERT INTO chat_events (`+cols+`) SELECT `+cols+` FROM held WHERE n > $1 AND n <= $2`, lo, lo+tick)
			b.StartTimer()
			t1 := time.Now()
			res, err := r.RunOnce(ctx)
			if err != nil {
				b.Fatal(err)
			}
			d := time.Since(t1).Seconds()
			sum += d
			longest = max(longest, d)
			rooms += res.RoomsRecomputed
		}
		b.StopTimer()
		exec(`DELETE FROM chat_events WHERE event_id IN (SELECT event_id FROM held WHERE n > $1)`, total-tick*ticks)
		if _, err := r.Reconcile(ctx, 3); err != nil { // back to the day without the last events
			b.Fatal(err)
		}
		b.StartTimer()
	}
	n := float64(b.N * ticks)
	b.ReportMetric(sum/n*1000, "tick-ms")
	b.ReportMetric(longest*1000, "max-tick-ms")
	b.ReportMetric(float64(rooms)/n, "rooms/tick")
	b.ReportMetric(backlog, "day-backlog-s")
}
