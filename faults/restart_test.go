package faults_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cluster is a PostgreSQL cluster of the test's own, from the machine's
// binaries (initdb, pg_ctl), stopped and removed when the test ends.
type cluster struct {
	bin, dir string
	port     int
}

func pgBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	t.Fatal("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: run scripts/pg.sh, which installs them")
	return ""
}

// asPG runs a PostgreSQL tool, as the postgres user when the test runs as
// root (initdb refuses root).
func asPG(t *testing.T, name string, args ...string) {
	t.Helper()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "sqi-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user to run PostgreSQL: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c := &cluster{bin: pgBin(t), dir: dir, port: freePort(t)}
	asPG(t, filepath.Join(c.bin, "initdb"), "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
	c.start(t)
	t.Cleanup(func() {
		cmd := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "immediate", "stop")
		if os.Geteuid() != 0 {
			cmd = exec.Command(filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "immediate", "stop")
		}
		_ = cmd.Run()
	})
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) start(t *testing.T) {
	t.Helper()
	asPG(t, filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off", c.port, c.dir), "start")
}

// stop stops the server as a crash would (immediate: no checkpoint, every
// connection cut).
func (c *cluster) stop(t *testing.T) {
	t.Helper()
	asPG(t, filepath.Join(c.bin, "pg_ctl"), "-D", c.data(), "-m", "immediate", "-w", "stop")
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&connect_timeout=2", c.port, db)
}

// serve runs `sqi serve` until the test ends; its log lines are kept.
type served struct {
	base string
	pid  int
	mu   sync.Mutex
	log  []string
}

func startServe(t *testing.T, env map[string]string) *served {
	t.Helper()
	port := freePort(t)
	env["HTTP_ADDR"] = fmt.Sprintf("127.0.0.1:%d", port)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := command(ctx, env, "serve")
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{base: "http://" + env["HTTP_ADDR"], pid: cmd.Process.Pid}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sqi serve did not start: %s", s.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *served) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

type answer struct {
	status     int
	retryAfter string
	ctype      string
	body       string
}

func (s *served) get(t *testing.T, path, key string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), string(b)}
}

// TestPostgresRestartUnderServe stops PostgreSQL (as a crash would) under
// a running `sqi serve`: while it is down every route that needs it
// answers 503 problem JSON with Retry-After, /readyz says why, /healthz
// still answers; when it is back the API and the ETL recover by
// themselves, and nothing ever answered 500.
func TestPostgresRestartUnderServe(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	asPG(t, filepath.Join(c.bin, "createdb"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "sqi")
	env := map[string]string{"DATABASE_URL": c.url("sqi")}
	mustSQI(t, env, "migrate")
	mustSQI(t, env, "generate", "--tenants", "1", "--days", "1", "--rooms-per-day", "200", "--start", "2026-03-07")
	mustSQI(t, env, "etl", "--once")
	key := strings.TrimSpace(mustSQI(t, env, "apikey", "create", "--tenant", "acme"))
	s := startServe(t, map[string]string{"DATABASE_URL": c.url("sqi"), "ETL_INTERVAL": "1s", "READY_MAX_ETL_LAG": "1m"})

	sqiPath := "/v1/tenants/acme/sqi?from=2026-03-07&to=2026-03-08"
	before := s.get(t, sqiPath, key)
	if before.status != 200 || s.get(t, "/readyz", "").status != 200 {
		t.Fatalf("before the restart: %+v", before)
	}

	c.stop(t)
	for _, r := range []struct{ path, key string }{
		{sqiPath, key},
		{"/v1/tenants", key},
		{"/v1/tenants/acme/rooms?from=2026-03-07&to=2026-03-07&format=csv", key},
		{"/v1/tenants/acme/config", key},
		{"/v1/tenants", "sqi_0123456789ab_" + strings.Repeat("A", 43)},
	} {
		a := s.get(t, r.path, r.key)
		var p struct{ Type, Detail string }
		if a.status != 503 || a.retryAfter == "" || a.ctype != "application/problem+json" || json.Unmarshal([]byte(a.body), &p) != nil ||
			p.Type != "urn:sqi:problem:database-unavailable" {
			t.Errorf("while down, %s: %+v", r.path, a)
		}
	}
	if a := s.get(t, "/readyz", ""); a.status != 503 || !strings.Contains(a.body, "does not answer") {
		t.Errorf("readyz while down: %+v", a)
	}
	if a := s.get(t, "/healthz", ""); a.status != 200 {
		t.Errorf("healthz while down: %+v", a)
	}

	c.start(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := s.get(t, sqiPath, key)
		if a.status == 200 {
			if a.body != before.body {
				t.Errorf("after the restart /sqi answers differently")
			}
			break
		}
		if a.status != 503 || time.Now().After(deadline) {
			t.Fatalf("after the restart: %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The ETL recovers too: events written now appear in /sqi.
	mustSQI(t, env, "generate", "--tenants", "1", "--days", "1", "--rooms-per-day", "50", "--start", "2026-03-08")
	deadline = time.Now().Add(30 * time.Second)
	for {
		a := s.get(t, sqiPath, key)
		if a.status == 200 && a.body != before.body {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ETL did not pick up events written after the restart: %+v\n%s", a, s.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if a := s.get(t, "/readyz", ""); a.status != 200 {
		t.Errorf("readyz after the restart: %+v", a)
	}
	logs := s.logs()
	if testing.Verbose() {
		t.Log(logs)
	}
	if strings.Contains(logs, `"status":500`) || strings.Contains(logs, `"level":"ERROR","msg":"request`) {
		t.Errorf("a request failed with 500 or an error:\n%s", logs)
	}
}
