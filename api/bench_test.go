package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	rtmetrics "runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/api"
	"sqi/export"
	"sqi/internal/benchdata"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// BenchmarkSQIThroughput measures what one node answers on /sqi over the
// month of the budgets (internal/benchdata: 1.5 million rooms of one
// tenant): 16 concurrent clients, each with its own key, over real HTTP
// with the default limits, for 15 seconds per query shape. It reports
// requests a second, the p50 and p99 latency, the first answer (on a cold
// cache: every block of the month aggregated) and the peak Go heap; the
// baseline in the same run is the same query computed in a loop by a
// fresh engine, without HTTP and without a cache. docs/scale.md and the
// README quote it.
func BenchmarkSQIThroughput(b *testing.B) {
	db, _ := benchdata.Month(b)
	ctx := b.Context()
	tenant := benchdata.Tenant()
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

	for _, shape := range []struct{ name, from, groupBy, hours string }{
		{"month-by-agent", "2026-10-01", "agent", ""},
		{"month-by-agent-business", "2026-10-01", "agent", "business"},
		{"month-by-day", "2026-10-01", "day", ""},
		{"day-by-hour", "2026-10-30", "hour", ""},
	} {
		b.Run(shape.name, func(b *testing.B) {
			q, err := query.Parse(query.Params{Tenant: tenant, From: shape.from, To: "2026-10-30", GroupBy: shape.groupBy, Hours: shape.hours})
			if err != nil {
				b.Fatal(err)
			}
			// The baseline: the query computed afresh, in a loop, for 5 s.
			n, t0 := 0, time.Now()
			for n == 0 || time.Since(t0) < 5*time.Second {
				if _, err := query.StatsWith(ctx, db, &tc.Config, q); err != nil {
					b.Fatal(err)
				}
				n++
			}
			direct := float64(n) / time.Since(t0).Seconds()

			url := ts.URL + "/v1/tenants/" + tenant + "/sqi?from=" + shape.from + "&to=2026-10-30&group_by=" + shape.groupBy
			if shape.hours != "" {
				url += "&hours=" + shape.hours
			}
			var first time.Duration
			var (
				mu   sync.Mutex
				lat  []float64
				fail int
			)
			peak := startPeak()
			stop := time.Now().Add(15 * time.Second)
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
						if first == 0 {
							first = time.Since(t1)
						}
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
			b.ReportMetric(float64(len(lat))/15, "req/s")
			b.ReportMetric(lat[len(lat)/2]*1000, "p50-ms")
			b.ReportMetric(lat[len(lat)*99/100]*1000, "p99-ms")
			b.ReportMetric(float64(fail), "refused")
			b.ReportMetric(direct, "direct-q/s")
			b.ReportMetric(first.Seconds()*1000, "first-ms")
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
}

// startPeak samples the live Go heap every 10 ms until the returned
// function is called, which returns the highest value seen.
func startPeak() func() uint64 {
	sample := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		mu   sync.Mutex
		high uint64
		done = make(chan struct{})
	)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				rtmetrics.Read(sample)
				mu.Lock()
				high = max(high, sample[0].Value.Uint64())
				mu.Unlock()
			}
		}
	}()
	return func() uint64 {
		close(done)
		mu.Lock()
		defer mu.Unlock()
		return high
	}
}

// BenchmarkRoomsExportMonth downloads the room export of the month of the
// budgets (1.5 million rooms) as Parquet and as CSV over real HTTP, and
// reports the seconds, the size and the peak Go heap of the server while
// it streams (the files read the room blocks); parquet-day is one day of
// it, whose peak heap shows memory is flat; json is the first page of the
// JSON pages (10,000 rooms), to show the cost per room. The baseline in
// the same run is the month's Parquet file written from room_facts rows.
func BenchmarkRoomsExportMonth(b *testing.B) {
	db, _ := benchdata.Month(b)
	ctx := b.Context()
	tenant := benchdata.Tenant()
	k, stored, err := api.NewKey(api.RoleReader, tenant, "bench", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateAPIKey(ctx, stored); err != nil {
		b.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv, err := api.New(api.Deps{Store: db}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	// parquet-day is the same export of one day: memory is flat when the
	// month's peak heap is about the day's.
	for _, name := range []string{"parquet", "parquet-day", "csv", "json"} {
		b.Run(name, func(b *testing.B) {
			format, to := strings.TrimSuffix(name, "-day"), "2026-10-30"
			if format != name {
				to = "2026-10-01"
			}
			url := ts.URL + "/v1/tenants/" + tenant + "/rooms?from=2026-10-01&to=" + to + "&format=" + format
			if format == "json" {
				url += "&limit=10000"
			}
			var size int64
			peak := startPeak()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+k)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if size, err = io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(size)/(1<<20), "MB")
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
	// The baseline: the same Parquet file written from room_facts rows
	// (keyset pages of 10,000), without HTTP.
	b.Run("parquet-rows-baseline", func(b *testing.B) {
		tc, err := db.Tenant(ctx, tenant)
		if err != nil {
			b.Fatal(err)
		}
		start, end := metrics.DayBounds(benchdata.Start, benchdata.Start.AddDate(0, 0, 29), tc.Config.Location())
		peak := startPeak()
		for b.Loop() {
			pw, err := export.NewParquetWriter(io.Discard, export.RoomTable(&tc.Config))
			if err != nil {
				b.Fatal(err)
			}
			view := metrics.NewView(&tc.Config)
			var cells []metrics.Cell
			var after store.RoomCursor
			for {
				n := 0
				err := db.RoomsPage(ctx, tenant, start, end, after, 10_000, func(r *metrics.Room) error {
					n++
					after = store.RoomCursor{OpenedAt: r.OpenedAt, RoomID: r.RoomID}
					cells = export.RoomCells(cells, view, r)
					return pw.WriteRow(cells)
				})
				if err != nil {
					b.Fatal(err)
				}
				if n < 10_000 {
					break
				}
			}
			if err := pw.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
	})
}
