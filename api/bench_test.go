package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"sqi/api"
	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/query"
	"sqi/synth"
)

// BenchmarkSQIThroughput measures what one node answers on /sqi: a month
// of 50,000 rooms a day in one tenant (1.5 million rooms: one generated
// day, its facts copied to the 29 days before it, as query/bench_test.go
// does), 16 concurrent clients each with its own key, over real HTTP with
// the default limits, for 10 seconds per query shape. It reports
// requests a second and the p50 and p99 latency; the baseline in the same
// run is the same query computed in a loop without HTTP (query.StatsWith).
// docs/scale.md quotes it.
func BenchmarkSQIThroughput(b *testing.B) {
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
	const clients = 16
	keys := make([]string, clients)
	for i := range keys {
		k, stored, err := api.NewKey(api.RoleReader, tenant, "bench", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := db.CreateAPIKey(ctx, stored); err != nil {
			b.Fatal(err)
		}
		keys[i] = k
	}
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv, err := api.New(api.Deps{Store: db}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tc, err := db.Tenant(ctx, tenant)
	if err != nil {
		b.Fatal(err)
	}

	for _, shape := range []struct{ name, from, groupBy string }{
		{"month-by-agent", "2026-10-02", "agent"},
		{"month-total", "2026-10-02", ""},
		{"day-by-hour", "2026-10-31", "hour"},
	} {
		b.Run(shape.name, func(b *testing.B) {
			q, err := query.Parse(query.Params{Tenant: tenant, From: shape.from, To: "2026-10-31", GroupBy: shape.groupBy})
			if err != nil {
				b.Fatal(err)
			}
			// The baseline: the query alone, in a loop, for 5 seconds.
			n, t0 := 0, time.Now()
			for time.Since(t0) < 5*time.Second {
				if _, err := query.StatsWith(ctx, db, &tc.Config, q); err != nil {
					b.Fatal(err)
				}
				n++
			}
			direct := float64(n) / time.Since(t0).Seconds()

			url := ts.URL + "/v1/tenants/" + tenant + "/sqi?from=" + shape.from + "&to=2026-10-31&group_by=" + shape.groupBy
			var (
				mu   sync.Mutex
				lat  []float64
				fail int
			)
			stop := time.Now().Add(10 * time.Second)
			b.ResetTimer()
			var wg sync.WaitGroup
			for i := range clients {
				wg.Go(func() {
					for time.Now().Before(stop) {
						req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
						req.Header.Set("Authorization", "Bearer "+keys[i])
						t1 := time.Now()
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						d := time.Since(t1).Seconds()
						mu.Lock()
						if resp.StatusCode == 200 {
							lat = append(lat, d)
						} else {
							fail++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			if len(lat) == 0 {
				b.Fatalf("no answer, %d refused", fail)
			}
			b.ReportMetric(float64(len(lat))/10, "req/s")
			b.ReportMetric(lat[len(lat)/2]*1000, "p50-ms")
			b.ReportMetric(lat[len(lat)*99/100]*1000, "p99-ms")
			b.ReportMetric(float64(fail), "refused")
			b.ReportMetric(direct, "direct-q/s")
		})
	}
}
