package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/live"
	"sqi/metrics"
	"sqi/query"
	"sqi/synth"
)

// BenchmarkLive measures the live view of docs/api.md on one tenant with
// a day of 50,000 rooms around now (the platform's size), through `sqi
// serve` with the default ETL_INTERVAL (10s) while new events arrive at
// the platform's rate (50,000 rooms of ~20 events a day: one event every
// 86 ms):
//
//   - /live latency: one client for 5 s; 16 clients each asking every
//     100 ms (160 requests a second: wall screens) for 10 s; 16 clients
//     as fast as they can for 10 s (the 2 cores saturated, the clients
//     on them too), with its baselines in the same run: GET config (the
//     same key and tenant look-ups, no view) and /healthz (no database),
//     and /healthz at the pace of the 16 wall screens;
//   - the view's computation per run and tenant (live.Compute on the
//     day: now, today through the engine, last 60 minutes), and with a
//     24-hour alert window (the replica that evaluates the rules);
//   - freshness: for every event inserted over 3 minutes, the time from
//     its commit to the first Server-Sent Event of a run whose snapshot
//     followed the commit; p50, p95 and max, beside the bound of uniform
//     arrivals (0.95 × ETL_INTERVAL: what an instant ETL would give).
func BenchmarkLive(b *testing.B) {
	ctx := context.Background()
	db, url := pgtest.NewWithURL(b)
	tenant := synth.Tenants(1)[0].ID
	seoul, _ := time.LoadLocation("Asia/Seoul")
	today := time.Now().In(seoul)
	t0 := time.Now()
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 1, Days: 1, RoomsPerDay: 50_000, Seed: 5,
		Start: time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	var errOut strings.Builder
	if code := run(ctx, []string{"etl", "--once"}, strings.NewReader(""), io.Discard, &errOut, servedEnv(url, nil)); code != 0 {
		b.Fatalf("etl: %s", errOut.String())
	}
	b.Logf("a day of 50,000 rooms generated and through the ETL in %s", time.Since(t0).Round(time.Second))
	key := readerKey(b, db, tenant)

	// The view's computation, as each ETL run does it.
	tc, err := db.Tenant(ctx, tenant)
	if err != nil {
		b.Fatal(err)
	}
	run, _, _ := db.LatestRun(ctx)
	eng := query.NewEngine(db, 64<<20)
	var compute, compute60 []float64
	for range 5 {
		c0 := time.Now()
		if _, err := live.Compute(ctx, db, eng, &tc.Config, run, nil); err != nil {
			b.Fatal(err)
		}
		compute60 = append(compute60, time.Since(c0).Seconds()*1000)
	}
	for range 5 {
		c0 := time.Now()
		snap, err := live.Compute(ctx, db, eng, &tc.Config, run, []time.Duration{24 * time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		compute = append(compute, time.Since(c0).Seconds()*1000)
		if snap.Today.Values[metrics.MRooms].V < 1000 {
			b.Fatalf("today holds %v rooms", snap.Today.Values[metrics.MRooms].V)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run_(sctx, servedEnv(url, map[string]string{"HTTP_ADDR": addr, "READY_MAX_ETL_LAG": "0", "RATE_LIMIT": "0"}))
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			b.Fatal("serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Events at the platform's rate, each with the instants around its
	// commit: before the INSERT (no later than the commit) and after it
	// returns (no earlier than the commit).
	type inserted struct{ before, after time.Time }
	var (
		mu     sync.Mutex
		events []inserted
	)
	next := int64(0) // across calls: ids stay unique
	insert := func(stop time.Time) {
		id := int64(1 << 40)
		for ; time.Now().Before(stop); next++ {
			n := next
			room := fmt.Sprintf("live-%d", n/2)
			typ := []string{"room_opened", "queued"}[n%2]
			before := time.Now()
			if _, err := db.Pool.Exec(ctx, `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, team_id, channel) VALUES ($1, $2, $3, $4, now(), 't1', 'web')`,
				id+n, tenant, room, typ); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			events = append(events, inserted{before, time.Now()})
			mu.Unlock()
			time.Sleep(86*time.Millisecond - time.Since(before))
		}
	}

	// Latency of /live against its baselines, with events arriving.
	warm := make(chan struct{})
	go func() { insert(time.Now().Add(60 * time.Second)); close(warm) }()
	time.Sleep(12 * time.Second) // a run with the new events, and its view
	lat := map[string][]float64{}
	measure := func(name, path string, clients int, pace time.Duration, d time.Duration) {
		var wg sync.WaitGroup
		stop := time.Now().Add(d)
		for range clients {
			wg.Go(func() {
				for time.Now().Before(stop) {
					req, _ := http.NewRequest("GET", base+path, nil)
					req.Header.Set("Authorization", "Bearer "+key)
					t1 := time.Now()
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					d := time.Since(t1)
					if resp.StatusCode != 200 {
						b.Errorf("%s: %s", path, resp.Status)
						return
					}
					mu.Lock()
					lat[name] = append(lat[name], d.Seconds()*1000)
					mu.Unlock()
					time.Sleep(pace - d)
				}
			})
		}
		wg.Wait()
	}
	livePath := "/v1/tenants/" + tenant + "/live"
	measure("live-1", livePath, 1, 0, 5*time.Second)
	measure("live-paced", livePath, 16, 100*time.Millisecond, 10*time.Second)
	// The same pace on /healthz (no key, no database, no view): what the
	// machine gives any request at that pace, ETL runs included.
	measure("healthz-paced", "/healthz", 16, 100*time.Millisecond, 10*time.Second)
	measure("live", livePath, 16, 0, 10*time.Second)
	measure("config", "/v1/tenants/"+tenant+"/config", 16, 0, 10*time.Second)
	measure("healthz", "/healthz", 16, 0, 10*time.Second)
	<-warm

	// Freshness over 3 minutes.
	mu.Lock()
	events = events[:0]
	mu.Unlock()
	arrivals := map[int64]time.Time{}
	sreq, _ := http.NewRequestWithContext(sctx, "GET", base+"/v1/tenants/"+tenant+"/live", nil)
	sreq.Header.Set("Authorization", "Bearer "+key)
	sreq.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(sreq)
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "id: ") {
				id, _ := strconv.ParseInt(strings.TrimSpace(line[4:]), 10, 64)
				mu.Lock()
				arrivals[id] = time.Now()
				mu.Unlock()
			}
		}
	}()
	phase := 3 * time.Minute
	b.ResetTimer()
	insert(time.Now().Add(phase))
	time.Sleep(15 * time.Second) // the last events' run and view
	b.StopTimer()
	resp.Body.Close()

	rows, err := db.Pool.Query(ctx, `SELECT id, snapshot_at, seconds FROM etl_runs WHERE kind = 'incremental' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	type runAt struct {
		id   int64
		snap time.Time
		secs float64
	}
	var runs []runAt
	for rows.Next() {
		var r runAt
		if err := rows.Scan(&r.id, &r.snap, &r.secs); err != nil {
			b.Fatal(err)
		}
		runs = append(runs, r)
	}
	rows.Close()
	mu.Lock()
	defer mu.Unlock()
	var fresh, etlSecs []float64
	for _, e := range events {
		for _, r := range runs {
			if r.snap.After(e.after) {
				if at, ok := arrivals[r.id]; ok {
					fresh = append(fresh, at.Sub(e.before).Seconds())
				}
				break
			}
		}
	}
	for _, r := range runs {
		if r.snap.After(events[0].before) {
			etlSecs = append(etlSecs, r.secs*1000)
		}
	}
	if len(events) == 0 || len(fresh) < len(events)*9/10 {
		b.Fatalf("%d of %d events seen in the stream", len(fresh), len(events))
	}
	pct := func(v []float64, p float64) float64 {
		slices.Sort(v)
		return v[int(float64(len(v)-1)*p)]
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	b.ReportMetric(pct(lat["live-1"], 0.99), "live-1client-p99-ms")
	b.ReportMetric(pct(lat["live-paced"], 0.5), "live-160rps-p50-ms")
	b.ReportMetric(pct(lat["live-paced"], 0.99), "live-160rps-p99-ms")
	b.ReportMetric(pct(lat["healthz-paced"], 0.99), "healthz-160rps-p99-ms")
	b.ReportMetric(pct(lat["live"], 0.99), "live-sat-p99-ms")
	b.ReportMetric(float64(len(lat["live"]))/10, "live-sat-req/s")
	b.ReportMetric(pct(lat["config"], 0.99), "config-sat-p99-ms")
	b.ReportMetric(pct(lat["healthz"], 0.99), "healthz-sat-p99-ms")
	b.ReportMetric(mean(compute), "compute-24h-ms")
	b.ReportMetric(mean(compute60), "compute-ms")
	b.ReportMetric(mean(etlSecs), "etl-run-ms")
	b.ReportMetric(pct(fresh, 0.5), "fresh-p50-s")
	b.ReportMetric(pct(fresh, 0.95), "fresh-p95-s")
	b.ReportMetric(pct(fresh, 1), "fresh-max-s")
	b.ReportMetric(0.95*10, "uniform-p95-s")
	b.ReportMetric(float64(len(fresh)), "events")
	cancel()
	<-done
}

// run_ runs `sqi serve` with getenv until ctx ends.
func run_(ctx context.Context, getenv func(string) string) int {
	return run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard, getenv)
}
