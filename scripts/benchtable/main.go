// Command benchtable reads the output of `go test -bench` (several runs of
// each benchmark, -count N) and prints the performance budgets of
// docs/performance.md as a table: for each row, the median of the runs of
// the measure and of its baseline from the same runs, and the budget.
// scripts/bench.sh pipes the benchmarks into it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// row is one line of the table: a measure (benchmark, unit) and its
// baseline from the same benchmark runs.
type row struct {
	what, budget        string
	bench, unit         string
	scale               float64 // unit conversion for display
	show                string  // display unit
	baseBench, baseUnit string
	baseScale           float64
	baseShow, baseLabel string
}

var rows = []row{
	{"/sqi month by agent, 16 concurrent clients: p50", "≤ 100 ms", "SQIThroughput/month-by-agent", "p50-ms", 1, "ms",
		"SQIThroughput/month-by-agent", "direct-q/s", 1, "queries/s", "a fresh computation per query, no HTTP"},
	{"/sqi month by agent, 16 concurrent clients: p99", "≤ 300 ms", "SQIThroughput/month-by-agent", "p99-ms", 1, "ms",
		"SQIThroughput/month-by-agent", "req/s", 1, "req/s", "throughput of the same run"},
	{"/sqi month by agent, 16 concurrent clients: peak Go heap of the server", "bounded", "SQIThroughput/month-by-agent", "peak-heap-MB", 1, "MB",
		"SQIThroughput/month-by-agent", "first-ms", 1, "ms", "the run's first answer (only a process's first run starts with a cold cache)"},
	{"/sqi month by agent, hours=business, 16 clients: p99", "≤ 300 ms", "SQIThroughput/month-by-agent-business", "p99-ms", 1, "ms",
		"SQIThroughput/month-by-agent-business", "req/s", 1, "req/s", "throughput of the same run"},
	{"/sqi month by agent, one query, warm cache", "—", "StatsMonth/agent/warm", "ns/op", 1e-6, "ms",
		"StatsMonth/agent/rows-baseline", "ns/op", 1e-9, "s", "every room_facts row through one aggregator"},
	{"/sqi month by agent, one query, cold (after a configuration change)", "—", "StatsMonth/agent/cold", "ns/op", 1e-9, "s",
		"StatsMonth/agent/rows-baseline", "ns/op", 1e-9, "s", "every room_facts row through one aggregator"},
	{"/sqi month by agent, hours=business, cold", "—", "StatsMonth/agent/business-cold", "ns/op", 1e-9, "s",
		"StatsMonth/agent/cold", "ns/op", 1e-9, "s", "hours=all, cold"},
	{"daily workbook of a 50,000-room day, whole process: time", "≤ 2 s", "ReportDailyProcess", "wall-s", 1, "s",
		"ReportDailyProcess", "version-wall-s", 1, "s", "starting the binary (sqi version)"},
	{"daily workbook of a 50,000-room day, whole process: peak RSS", "≤ 150 MB", "ReportDailyProcess", "peak-RSS-MB", 1, "MB",
		"ReportDailyProcess", "version-RSS-MB", 1, "MB", "the binary at rest (sqi version)"},
	{"/rooms?format=parquet for the month (1.5 M rooms)", "≤ 10 s", "RoomsExportMonth/parquet", "ns/op", 1e-9, "s",
		"RoomsExportMonth/parquet-rows-baseline", "ns/op", 1e-9, "s", "the same file from room_facts rows"},
	{"/rooms?format=parquet for the month: peak heap", "flat", "RoomsExportMonth/parquet", "peak-heap-MB", 1, "MB",
		"RoomsExportMonth/json", "peak-heap-MB", 1, "MB", "one JSON page of 10,000 rooms"},
	{"etl --once on a day's backlog (~1 M events)", "≤ 1.5 × COPY", "ETLDay", "etl-s", 1, "s",
		"ETLDay", "copy-s", 1, "s", "binary COPY of the same rows"},
	{"etl --once on a day's backlog: the ETL's time over binary COPY's", "≤ 1.5", "ETLDay", "etl/copy", 1, "×",
		"ETLDay", "copy-by-room-s", 1, "s", "binary COPY of the same rows in the ETL's room order"},
	{"/live, one client: p99", "≤ 20 ms", "Live", "live-1client-p99-ms", 1, "ms",
		"Live", "healthz-sat-p99-ms", 1, "ms", "/healthz p99 with the cores saturated"},
	{"/live, 16 clients at 160 req/s: p99", "≤ 20 ms", "Live", "live-160rps-p99-ms", 1, "ms",
		"Live", "healthz-160rps-p99-ms", 1, "ms", "/healthz p99 at the same pace"},
	{"/live, 16 clients as fast as they can: p99", "≤ 20 ms", "Live", "live-sat-p99-ms", 1, "ms",
		"Live", "config-sat-p99-ms", 1, "ms", "GET config p99 with the cores saturated"},
	{"freshness: event committed → in /live and its stream, p95", "≤ 15 s", "Live", "fresh-p95-s", 1, "s",
		"Live", "uniform-p95-s", 1, "s", "the p95 if the ETL and the view took no time"},
	{"ETL tick, 100 new events on a 50,000-room day", "≤ 300 ms", "ETLTick100", "tick-ms", 1, "ms",
		"ETLTick100", "day-backlog-s", 1, "s", "the same day's backlog in one run"},
	{"ETL tick, 100 new events: the slowest of 20", "≤ 300 ms", "ETLTick100", "max-tick-ms", 1, "ms",
		"ETLTick100", "tick-ms", 1, "ms", "the mean tick"},
	{"web app: first paint of Trends, month by agent, cold", "≤ 1 s", "WebFirstPaint/trends-month-by-agent", "fcp-cold-ms", 1, "ms",
		"WebFirstPaint/trends-month-by-agent", "api-cold-ms", 1, "ms", "its /sqi request, cold, on a fresh server"},
	{"web app: Trends, month by agent, cold, numbers shown (load)", "—", "WebFirstPaint/trends-month-by-agent", "load-cold-ms", 1, "ms",
		"WebFirstPaint/trends-month-by-agent", "api-cold-ms", 1, "ms", "its /sqi request, cold, on a fresh server"},
	{"web app: first paint of Trends, month by day, warm", "≤ 1 s", "WebFirstPaint/trends-month-by-day", "fcp-warm-ms", 1, "ms",
		"WebFirstPaint/trends-month-by-day", "api-warm-ms", 1, "ms", "its /sqi request, warm"},
	{"web app: first paint of Live, cold", "≤ 1 s", "WebFirstPaint/live", "fcp-cold-ms", 1, "ms",
		"WebFirstPaint/live", "api-cold-ms", 1, "ms", "its /live request"},
	{"web app: first paint of Rooms, the month's first 100, cold", "≤ 1 s", "WebFirstPaint/rooms-month", "fcp-cold-ms", 1, "ms",
		"WebFirstPaint/rooms-month", "api-cold-ms", 1, "ms", "its /rooms request, cold"},
	{"web app: first paint of the settings' 30-day preview, cold", "≤ 1 s", "WebFirstPaint/settings-preview", "fcp-cold-ms", 1, "ms",
		"WebFirstPaint/settings-preview", "api-cold-ms", 1, "ms", "its POST /config/preview, cold"},
	{"web app: the settings' 30-day preview shown (load), cold", "—", "WebFirstPaint/settings-preview", "load-cold-ms", 1, "ms",
		"WebFirstPaint/settings-preview", "api-cold-ms", 1, "ms", "its POST /config/preview, cold"},
}

func main() {
	values := map[string][]float64{} // "bench|unit"
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line) // the raw results stay visible
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			values[name+"|"+f[i+1]] = append(values[name+"|"+f[i+1]], v)
		}
	}
	median := func(bench, unit string) (float64, int, bool) {
		vs := values[bench+"|"+unit]
		if len(vs) == 0 {
			return 0, 0, false
		}
		vs = slices.Clone(vs)
		slices.Sort(vs)
		m := vs[len(vs)/2]
		if len(vs)%2 == 0 {
			m = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
		}
		return m, len(vs), true
	}
	fmt.Println()
	fmt.Println("| what | median | runs | budget | baseline, same runs |")
	fmt.Println("| --- | --- | --- | --- | --- |")
	for _, r := range rows {
		v, n, ok := median(r.bench, r.unit)
		if !ok {
			continue
		}
		base := ""
		if b, _, ok := median(r.baseBench, r.baseUnit); ok {
			base = fmt.Sprintf("%s %s (%s)", num(b*r.baseScale), r.baseShow, r.baseLabel)
		}
		fmt.Printf("| %s | %s %s | %d | %s | %s |\n", r.what, num(v*r.scale), r.show, n, r.budget, base)
	}
}

func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
