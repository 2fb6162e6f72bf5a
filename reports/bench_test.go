package reports_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/internal/benchdata"
	sqimetrics "sqi/metrics"
	"sqi/reports"
	"sqi/store"
)

// peakHeap runs fn and returns the highest live heap seen while it ran,
// sampled every millisecond (runtime/metrics, no stop-the-world), above
// the heap live before it started.
func peakHeap(fn func() error) (peak uint64, err error) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var (
		mu   sync.Mutex
		high = base
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if v := read(); v > high {
					mu.Lock()
					high = v
					mu.Unlock()
				}
			}
		}
	}()
	err = fn()
	close(done)
	wg.Wait()
	if v := read(); v > high {
		high = v
	}
	return high - base, err
}

// BenchmarkDailyReport writes the workbook of a 50,000-room day of the
// month of the budgets (internal/benchdata), and reports the time to
// compute the day (the day's tables, the 14-day trend and the 7 days
// before: 15 days of blocks), the time to write the workbook (the Rooms
// sheet streamed from room_facts), the peak heap of each above what was
// live before, and the size. The whole process (`sqi report daily`, with
// its peak RSS) is BenchmarkReportDailyProcess in cmd/sqi.
func BenchmarkDailyReport(b *testing.B) {
	db, _ := benchdata.Month(b)
	gen := &reports.Generator{DB: db}
	ctx := context.Background()
	day := benchdata.Start.AddDate(0, 0, 15)
	var computeT, writeT time.Duration
	var computePeak, writePeak uint64
	var size int
	for b.Loop() {
		var d *reports.Report
		var buf countWriter
		start := time.Now()
		p, err := peakHeap(func() (err error) {
			d, err = gen.Daily(ctx, benchdata.Tenant(), day)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		q, err := peakHeap(func() error { return gen.WriteWorkbook(ctx, d, &buf) })
		if err != nil {
			b.Fatal(err)
		}
		computeT += mid.Sub(start)
		writeT += time.Since(mid)
		computePeak, writePeak, size = max(computePeak, p), max(writePeak, q), buf.n
	}
	n := float64(b.N)
	b.ReportMetric(computeT.Seconds()/n, "compute-s")
	b.ReportMetric(writeT.Seconds()/n, "workbook-s")
	b.ReportMetric(float64(computePeak)/(1<<20), "compute-peak-MB")
	b.ReportMetric(float64(writePeak)/(1<<20), "workbook-peak-MB")
	b.ReportMetric(float64(size)/(1<<20), "xlsx-MB")
}

// BenchmarkRoomsSheetBaseline is the baseline of the streamed Rooms
// sheet: the same rows written into a normal excelize sheet
// (SetSheetRow), which keeps every cell in memory until the file is
// written.
func BenchmarkRoomsSheetBaseline(b *testing.B) {
	for _, rooms := range []int{5_000, 50_000} {
		b.Run(fmt.Sprintf("rooms=%d", rooms), func(b *testing.B) {
			db := seed(b, 1, 1, rooms)
			ctx := context.Background()
			cfg, err := db.Tenant(ctx, "acme")
			if err != nil {
				b.Fatal(err)
			}
			start, end := sqimetrics.DayBounds(day, day, cfg.Config.Location())
			var peak uint64
			var total time.Duration
			for b.Loop() {
				p, err := peakHeap(func() error {
					t0 := time.Now()
					err := naiveRooms(ctx, db, start, end, io.Discard)
					total += time.Since(t0)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, p)
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "rooms-sheet-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}

func naiveRooms(ctx context.Context, db *store.DB, start, end time.Time, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	row := 0
	err := db.Rooms(ctx, "acme", start, end, func(r *sqimetrics.Room) error {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		vals := []any{r.RoomID, r.OpenedAt, r.QueuedAt, r.AssignedAt, r.ClosedAt, r.Agent, r.Team, r.Channel, r.Category, "answered",
			r.Seconds(sqimetrics.DWait, sqimetrics.Calendar), r.Seconds(sqimetrics.DFirstResponse, sqimetrics.Calendar),
			r.Seconds(sqimetrics.DAssignedResponse, sqimetrics.Calendar), r.Seconds(sqimetrics.DHandle, sqimetrics.Calendar),
			r.Seconds(sqimetrics.DWrapup, sqimetrics.Calendar), r.Dropped, r.Transfers, r.Score,
			len(r.Replies), 0, 0.0, r.InvalidReason}
		for i, v := range vals {
			if f, ok := v.(float64); ok && f != f {
				vals[i] = nil
			}
		}
		return f.SetSheetRow("Sheet1", cell, &vals)
	})
	if err != nil {
		return err
	}
	return f.Write(w)
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
