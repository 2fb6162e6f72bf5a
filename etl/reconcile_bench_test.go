package etl_test

import (
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/synth"
)

// BenchmarkReconcileWeek is the nightly reconciliation's cost at the
// platform's rate: 7 days of 50,000 rooms a day (5 tenants × 10,000, about
// seven million events) already processed, reconciled over 7 days. In the
// same run it times its baselines: the full ETL of the same week (the first
// run, reading everything with one COPY) and merely reading the events out
// with COPY; and the part of the reconciliation that scans the created_at
// index for the window's rooms.
func BenchmarkReconcileWeek(b *testing.B) {
	db := pgtest.New(b)
	ctx := b.Context()
	start := time.Now().UTC().AddDate(0, 0, -6).Truncate(24 * time.Hour)
	res, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 5, Days: 7, RoomsPerDay: 10_000, Seed: 1, Start: start})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE chat_events`); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	full, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(ctx)
	if err != nil {
		b.Fatal(err)
	}
	etlSecs := time.Since(t0).Seconds()
	t0 = time.Now()
	n := copyOut(b, db, copyBaseline)
	copySecs := time.Since(t0).Seconds()
	t0 = time.Now()
	var keys int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT DISTINCT tenant_id, room_id FROM chat_events WHERE created_at >= now() - interval '7 days') k`).Scan(&keys); err != nil {
		b.Fatal(err)
	}
	scanSecs := time.Since(t0).Seconds()

	var rec etl.ReconcileResult
	var recSecs, peak float64
	b.ResetTimer()
	for range b.N {
		stop := watchHeap()
		t1 := time.Now()
		if rec, err = (&etl.Runner{Source: db.Pool, Store: db}).Reconcile(ctx, 7); err != nil {
			b.Fatal(err)
		}
		recSecs += time.Since(t1).Seconds()
		peak = max(peak, stop())
	}
	b.StopTimer()
	if rec.Repaired() != 0 || rec.EventsRead != n || n != res.Events || full.EventsRead != n {
		b.Fatalf("reconcile %+v over %d events (generated %d, ETL read %d): want nothing repaired, every event read", rec, n, res.Events, full.EventsRead)
	}
	b.ReportMetric(float64(rec.RoomsChecked), "rooms")
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(recSecs/float64(b.N), "reconcile-s")
	b.ReportMetric(scanSecs, "window-scan-s")
	b.ReportMetric(etlSecs, "full-etl-s")
	b.ReportMetric(copySecs, "copy-s")
	b.ReportMetric(peak/(1<<20), "peak-heap-MiB")
}
