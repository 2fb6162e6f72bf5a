package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"sqi/internal/benchdata"
)

// BenchmarkReportDailyProcess runs `sqi report daily` as users do — a
// process of its own, the 50,000-room day of the month of the budgets
// (internal/benchdata) into a file — and reports its wall time and peak
// resident memory (the kernel's ru_maxrss), the budget's terms (SPEC:
// ≤ 2 s, ≤ 150 MB). The baseline in the same run is `sqi version`, the
// cost of starting the binary.
func BenchmarkReportDailyProcess(b *testing.B) {
	_, url := benchdata.Month(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "sqi")
	if out, err := exec.Command("go", "build", "-o", bin, "sqi/cmd/sqi").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (time.Duration, int64) {
		b.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("sqi %v: %v\n%s", args, err, out)
		}
		return time.Since(t0), cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
	}
	day := benchdata.Start.AddDate(0, 0, 15).Format(time.DateOnly)
	var wall, start time.Duration
	var rss, startRSS int64
	for b.Loop() {
		w, r := run("report", "daily", "--tenant", benchdata.Tenant(), "--date", day, "--out", filepath.Join(dir, "r.xlsx"))
		s, sr := run("version")
		wall, rss, start, startRSS = wall+w, max(rss, r), start+s, max(startRSS, sr)
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "wall-s")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(start.Seconds()/n, "version-wall-s")
	b.ReportMetric(float64(startRSS)/(1<<20), "version-RSS-MB")
}
