package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sqi/api"
	"sqi/etl"
	"sqi/export"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
	"sqi/synth"
)

// BenchmarkRoomsExport measures the /rooms export of a day of the budgets'
// size (50,000 rooms) over real HTTP, now that a file is rendered into a
// temporary file (with its SHA-256 for the ETag) and then served with
// http.ServeContent: Parquet, CSV and xlsx, with the seconds and the peak
// Go heap of each. The baseline in the same run is the old path's work:
// the same pages of rooms written by the same writer straight to
// io.Discard, without HTTP and without the file.
func BenchmarkRoomsExport(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 1, Days: 1, RoomsPerDay: 50_000, Seed: 3, Start: start}); err != nil {
		b.Fatal(err)
	}
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	tenant := synth.Tenants(1)[0].ID
	key, stored, _ := api.NewKey(api.RoleReader, tenant, "bench", time.Now())
	if err := db.CreateAPIKey(ctx, stored); err != nil {
		b.Fatal(err)
	}
	srv, err := api.New(api.Deps{Store: db}, api.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	t, err := db.Tenant(ctx, tenant)
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"parquet", "csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			url := hs.URL + "/v1/tenants/" + tenant + "/rooms?from=2026-10-01&to=2026-10-01&format=" + format
			var size int64
			var served, direct time.Duration
			peak := startPeak()
			for b.Loop() {
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				served += time.Since(t0)
			}
			heap := peak()
			n := b.N
			b.StopTimer()
			for range n {
				t0 := time.Now()
				if err := directExport(ctx, db, &t.Config, tenant, format); err != nil {
					b.Fatal(err)
				}
				direct += time.Since(t0)
			}
			b.ReportMetric(served.Seconds()/float64(n), "served-s")
			b.ReportMetric(direct.Seconds()/float64(n), "direct-s")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
		})
	}
}

// directExport writes the rooms of the day as the export did before files
// were rendered: pages of the store through the format's writer, here to
// io.Discard.
func directExport(ctx context.Context, db *store.DB, cfg *metrics.Config, tenant, format string) error {
	tbl := export.RoomTable(cfg)
	view := metrics.NewView(cfg)
	start, end := metrics.DayBounds(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), cfg.Location())
	rows := func(tw export.Writer) error {
		var (
			cells []metrics.Cell
			after store.RoomCursor
		)
		for {
			n := 0
			err := db.RoomsPageWhere(ctx, tenant, start, end, after, store.RoomFilter{}, 10000, func(r *metrics.Room) error {
				cells = export.RoomCells(cells, view, r)
				after = store.RoomCursor{OpenedAt: r.OpenedAt, RoomID: r.RoomID}
				n++
				return tw.WriteRow(cells)
			})
			if err != nil {
				return err
			}
			if n < 10000 {
				return tw.Close()
			}
		}
	}
	switch format {
	case "parquet":
		pw, err := export.NewParquetWriter(io.Discard, tbl)
		if err != nil {
			return err
		}
		return rows(pw)
	case "csv":
		cw, err := export.NewCSVWriter(io.Discard, tbl, export.CSVOptions{})
		if err != nil {
			return err
		}
		return rows(cw)
	}
	return export.WriteXLSX(io.Discard, "rooms", tbl, export.XLSXOptions{}, rows)
}
