package synth_test

import (
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/synth"
)

// BenchmarkGenerateDay writes one 50,000-room day of one tenant
// (≈1 million events) into a fresh database per iteration.
func BenchmarkGenerateDay(b *testing.B) {
	var events int64
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		pool := pgtest.New(b).Pool
		b.StartTimer()
		res, err := synth.Generate(b.Context(), pool, synth.Options{
			Tenants: 1, Days: 1, RoomsPerDay: 50_000, Seed: 1,
			Start: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			b.Fatal(err)
		}
		events += res.Events
		elapsed += res.Elapsed
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
}
