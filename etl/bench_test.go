package etl_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/store"
	"sqi/synth"
)

// BenchmarkETLDay puts one day of 50,000 rooms (5 tenants × 10,000, about
// a million events) through `etl --once` and, in the same run, times the
// baseline the issue sets: merely reading those events out of PostgreSQL
// with binary COPY (SELECT ...) TO STDOUT into io.Discard. It reports both, their
// ratio, and the ETL's peak Go heap. BenchmarkETLBacklog shows that the
// peak heap does not grow with the backlog.
func BenchmarkETLDay(b *testing.B) {
	benchETL(b, 1)
}

// BenchmarkETLBacklog is BenchmarkETLDay with a backlog of one and of
// three days: the peak heap stays flat.
func BenchmarkETLBacklog(b *testing.B) {
	for _, days := range []int{1, 3} {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) { benchETL(b, days) })
	}
}

func benchETL(b *testing.B, days int) {
	db := pgtest.New(b)
	ctx := b.Context()
	res, err := synth.Generate(ctx, db.Pool, synth.Options{
		Tenants: 5, Days: days, RoomsPerDay: 10_000, Seed: 1,
		Start: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE chat_events`); err != nil {
		b.Fatal(err)
	}
	var copySecs, orderedSecs, etlSecs, peak float64
	var events int64
	b.StopTimer()
	for range b.N {
		reset(b, db)
		t0 := time.Now()
		n := copyOut(b, db, copyBaseline)
		copySecs += time.Since(t0).Seconds()
		t0 = time.Now()
		copyOut(b, db, copyBaseline+` ORDER BY tenant_id, room_id`)
		orderedSecs += time.Since(t0).Seconds()
		runtime.GC()
		stop := watchHeap()
		b.StartTimer()
		t1 := time.Now()
		r, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(ctx)
		if err != nil {
			b.Fatal(err)
		}
		etlSecs += time.Since(t1).Seconds()
		b.StopTimer()
		peak = max(peak, stop())
		if r.EventsRead != n || n != res.Events {
			b.Fatalf("etl read %d events, COPY %d, generated %d", r.EventsRead, n, res.Events)
		}
		events = n
	}
	n := float64(b.N)
	b.ReportMetric(float64(events), "events")
	b.ReportMetric(copySecs/n, "copy-s")
	b.ReportMetric(orderedSecs/n, "copy-by-room-s")
	b.ReportMetric(etlSecs/n, "etl-s")
	b.ReportMetric(etlSecs/copySecs, "etl/copy")
	b.ReportMetric(peak/(1<<20), "peak-heap-MiB")
}

// reset empties what the ETL writes, so that each iteration processes the
// whole day from scratch.
func reset(b *testing.B, db *store.DB) {
	b.Helper()
	_, err := db.Pool.Exec(b.Context(), `TRUNCATE room_facts, rejects, etl_state, etl_runs, room_blocks, blocks_dirty`)
	if err != nil {
		b.Fatal(err)
	}
}

const copyBaseline = `SELECT event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score FROM chat_events`

// copyOut is the baseline: the event columns the ETL reads, out of
// PostgreSQL with binary COPY (the format the ETL reads), into io.Discard.
func copyOut(b *testing.B, db *store.DB, query string) int64 {
	b.Helper()
	conn, err := db.Pool.Acquire(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	tag, err := conn.Conn().PgConn().CopyTo(b.Context(), io.Discard, `COPY (`+query+`) TO STDOUT WITH (FORMAT binary)`)
	if err != nil {
		b.Fatal(err)
	}
	return tag.RowsAffected()
}

// watchHeap samples the live heap every 5 ms until the returned function
// is called, which returns the largest sample in bytes.
func watchHeap() func() float64 {
	var peak atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		cancel()
		<-done
		return float64(peak.Load())
	}
}
