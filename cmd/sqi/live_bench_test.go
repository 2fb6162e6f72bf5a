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
//   - /live latency, 16 clients for 10 s, p50 and p99; baselines in the
//     same run: GET config (the same key and tenant look-ups, no view)
//     and /healthz (no database);
//   - the view's computation per run (live.Compute on the day: now,
//     today through the engine, last 60 minutes, and a 24-hour alert
//     window), the cost each ETL run adds;
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
	var compute []float64
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
	go func() { insert(time.Now().Add(35 * time.Second)); close(warm) }()
	time.Sleep(12 * time.Second) // a run with the new events, and its view
	lat := map[string][]float64{}
	for _, path := range []string{"/v1/tenants/" + tenant + "/live", "/v1/tenants/" + tenant + "/config", "/healthz"} {
		var wg sync.WaitGroup
		stop := time.Now().Add(10 * time.Second)
		for range 16 {
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
					d := time.Since(t1).Seconds() * 1000
					if resp.StatusCode != 200 {
						b.Errorf("%s: %s", path, resp.Status)
						return
					}
					mu.Lock()
					lat[path] = append(lat[path], d)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
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
	live, cfgLat, health := lat["/v1/tenants/"+tenant+"/live"], lat["/v1/tenants/"+tenant+"/config"], lat["/healthz"]
	b.ReportMetric(pct(live, 0.5), "live-p50-ms")
	b.ReportMetric(pct(live, 0.99), "live-p99-ms")
	b.ReportMetric(pct(cfgLat, 0.99), "config-p99-ms")
	b.ReportMetric(pct(health, 0.99), "healthz-p99-ms")
	b.ReportMetric(float64(len(live))/10, "live-req/s")
	b.ReportMetric(mean(compute), "compute-ms")
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
