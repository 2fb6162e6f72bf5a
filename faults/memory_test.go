package faults_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/internal/pgtest"
)

// maxServeRSS is the bound on the peak resident memory of `sqi serve` in
// TestHugeQueryMemory (docs/api.md, "Limits"). Before the fixes a
// query of this shape took 1.44 GB on 400,000 rooms, 4.16 GB three at
// once. Each expensive request now runs in one of MAX_CONCURRENT_PER_KEY
// (2) slots of its key, so three at once are at most two queries' worth;
// an answer has at most MAX_ROWS rows (100,000), and the query engine's
// cache keeps at most QUERY_CACHE_MB (256) of block aggregates: the bound
// is the binary (~50 MiB), the cache, and two queries.
const maxServeRSS = 512 << 20

// vm reads a "VmHWM:"-like field of /proc/pid/status, in bytes.
func vm(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the process status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, v)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestHugeQueryMemory drives the query — 400 days grouped by
// every key — from 3 concurrent clients of one reader key against
// `sqi serve` on 40,000 rooms, and reports the process's peak resident
// memory (VmHWM) beside its memory before the queries (the baseline).
// Each client gets its rows or a 429 telling it to wait; never a 5xx.
func TestHugeQueryMemory(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": urlOf(t, db)}
	mustSQI(t, env, "generate", "--tenants", "1", "--days", "400", "--rooms-per-day", "100", "--start", "2025-10-01")
	mustSQI(t, env, "etl", "--once")
	key := strings.TrimSpace(mustSQI(t, env, "apikey", "create", "--tenant", "acme"))
	s := startServe(t, map[string]string{"DATABASE_URL": urlOf(t, db), "READY_MAX_ETL_LAG": "0"})
	pid := s.pid

	small := s.get(t, "/v1/tenants/acme/sqi?from=2025-10-01&to=2025-10-01", key)
	if small.status != 200 {
		t.Fatalf("a small query: %+v", small)
	}
	base := vm(t, pid, "VmRSS")

	path := "/v1/tenants/acme/sqi?from=2025-10-01&to=2026-11-04&group_by=hour,day,week,month,agent,team,channel,category"
	var wg sync.WaitGroup
	answers := make([]answer, 3)
	started := time.Now()
	for i := range answers {
		wg.Go(func() { answers[i] = s.get(t, path, key) })
	}
	wg.Wait()
	took := time.Since(started)
	peak := vm(t, pid, "VmHWM")
	ok := 0
	for i, a := range answers {
		switch {
		case a.status == 200:
			ok++
		case a.status == 429 && a.retryAfter != "" && strings.Contains(a.body, "too-many-concurrent"):
		default:
			t.Errorf("client %d: status %d: %.300s", i, a.status, a.body)
		}
	}
	if ok == 0 {
		t.Error("no client got its rows")
	}
	t.Logf("peak RSS of sqi serve: %d MiB for 3 concurrent clients (%d got rows) in %s; %d MiB before the queries (baseline); bound %d MiB",
		peak>>20, ok, took.Round(time.Millisecond), base>>20, maxServeRSS>>20)
	if peak > maxServeRSS {
		t.Errorf("peak RSS %d MiB, over the bound of %d MiB", peak>>20, maxServeRSS>>20)
	}
}
