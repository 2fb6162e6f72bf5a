package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/api"
	"sqi/internal/pgtest"
)

// servedEnv is the environment of the tests below: the test database and
// the given variables.
func servedEnv(url string, vars map[string]string) func(string) string {
	return func(k string) string {
		if k == "SOURCE_DATABASE_URL" || k == "DATABASE_URL" {
			return url
		}
		return vars[k]
	}
}

func runWith(t *testing.T, ctx context.Context, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// TestServeAndStatsAgree runs the command line end to end: generate, etl,
// apikey create, stats, then serve on a real port; GET /v1/tenants/T/sqi
// (through the handler and through sqi serve) must be the bytes that
// `sqi stats` printed, and serve must stop cleanly on cancel.
func TestServeAndStatsAgree(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	getenv := servedEnv(url, nil)
	for _, args := range [][]string{
		{"generate", "--tenants", "2", "--days", "2", "--rooms-per-day", "60", "--start", "2025-03-07"},
		{"etl", "--once"},
	} {
		if code, _, errOut := runWith(t, t.Context(), getenv, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	code, key, errOut := runWith(t, t.Context(), getenv, "apikey", "create", "--tenant", "acme", "--role", "reader", "--name", "bi")
	key = strings.TrimSpace(key)
	if code != 0 || !strings.HasPrefix(key, "sqi_") || strings.Count(key, "\n") != 0 || !strings.Contains(errOut, "not shown again") {
		t.Fatalf("apikey create: exit %d, key %q, stderr %q", code, key, errOut)
	}

	queries := []struct {
		args  []string
		query string
	}{
		{[]string{"--from", "2025-03-07", "--to", "2025-03-08"}, "from=2025-03-07&to=2025-03-08"},
		{[]string{"--from", "2025-03-07", "--to", "2025-03-08", "--group-by", "day,agent"}, "from=2025-03-07&to=2025-03-08&group_by=day,agent"},
		{[]string{"--from", "2025-03-07", "--to", "2025-03-08", "--group-by", "hour,channel", "--format", "csv"}, "from=2025-03-07&to=2025-03-08&group_by=hour,channel&format=csv"},
		{[]string{"--from", "2025-03-08", "--to", "2025-03-08", "--group-by", "agent", "--shape", "long", "--compare", "previous_period"}, "from=2025-03-08&to=2025-03-08&group_by=agent&shape=long&compare=previous_period"},
		{[]string{"--from", "2025-03-08", "--to", "2025-03-08", "--group-by", "day", "--compare", "previous_period", "--format", "csv"}, "from=2025-03-08&to=2025-03-08&group_by=day&compare=previous_period&format=csv"},
	}
	stats := make([]string, len(queries))
	for i, q := range queries {
		code, out, errOut := runWith(t, t.Context(), getenv, append([]string{"stats", "--tenant", "acme"}, q.args...)...)
		if code != 0 || len(out) < 100 {
			t.Fatalf("stats %v: exit %d: %s", q.args, code, errOut)
		}
		stats[i] = out
	}

	// Through the handler.
	e := &env{getenv: getenv}
	defer e.close()
	store, err := e.store(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{Store: store}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		req := httptest.NewRequest("GET", "/v1/tenants/acme/sqi?"+q.query, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		if w.Code != 200 || w.Body.String() != stats[i] {
			t.Errorf("handler %s: status %d, body differs from sqi stats:\n got %.300s\nwant %.300s", q.query, w.Code, w.Body, stats[i])
		}
	}

	// Through sqi serve on a real port.
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, &logs,
			servedEnv(url, map[string]string{"HTTP_ADDR": addr, "READY_MAX_ETL_LAG": "0"}))
	}()
	base := "http://" + addr
	waitUp(t, base+"/healthz", done)
	for i, q := range queries {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/v1/tenants/acme/sqi?"+q.query, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req) // asks for gzip and decompresses
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != stats[i] {
			t.Errorf("sqi serve %s: status %d, body differs from sqi stats:\n got %.300s\nwant %.300s", q.query, resp.StatusCode, body, stats[i])
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	for _, want := range []string{`"msg":"sqi serve started"`, `"msg":"request"`, `"route":"/v1/tenants/:tenant/sqi"`, `"msg":"sqi serve stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if strings.Contains(logs.String(), key) {
		t.Error("the log holds the API key")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(t *testing.T, url string, done chan int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before answering", code)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("serve did not answer /healthz")
}

func TestAPIKeyCommand(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	getenv := servedEnv(url, nil)
	if code, _, errOut := runWith(t, t.Context(), getenv, "tenant", "put"); code == 0 {
		t.Fatalf("tenant put with no input succeeded: %s", errOut)
	}
	var stdin = `{"tenant_id": "acme"}`
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"tenant", "put"}, strings.NewReader(stdin), &out, &errOut, getenv); code != 0 {
		t.Fatalf("tenant put: %s", errOut.String())
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "reader", args: []string{"apikey", "create", "--tenant", "acme", "--role", "reader"}, wantOut: "sqi_"},
		{name: "admin", args: []string{"apikey", "create", "--role", "admin", "--name", "ops"}, wantOut: "sqi_", wantErr: "admin key"},
		{name: "admin with tenant", args: []string{"apikey", "create", "--role", "admin", "--tenant", "acme"}, wantCode: 2, wantErr: "--tenant: an admin key sees every tenant"},
		{name: "reader without tenant", args: []string{"apikey", "create"}, wantCode: 2, wantErr: "--tenant is required for a reader key"},
		{name: "unknown tenant", args: []string{"apikey", "create", "--tenant", "nosuch"}, wantCode: 2, wantErr: `tenant "nosuch" is neither configured`},
		{name: "bad role", args: []string{"apikey", "create", "--tenant", "acme", "--role", "owner"}, wantCode: 2, wantErr: `--role "owner"`},
		{name: "list", args: []string{"apikey", "list"}, wantOut: "ID  "},
		{name: "revoke unknown", args: []string{"apikey", "revoke", "0123456789ab"}, wantCode: 2, wantErr: "no API key"},
		{name: "bad sub-command", args: []string{"apikey", "delete"}, wantCode: 2, wantErr: `unknown command "delete": give create, list, revoke`},
	}
	keys := map[string]string{}
	for _, tt := range tests {
		code, out, errOut := runWith(t, t.Context(), getenv, tt.args...)
		if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tt.name, code, out, errOut)
		}
		keys[tt.name] = strings.TrimSpace(out)
	}
	// list shows both keys, never a secret; revoke takes an id or a key.
	_, list, _ := runWith(t, t.Context(), getenv, "apikey", "list")
	for _, name := range []string{"reader", "admin"} {
		id := keys[name][4:16]
		if !strings.Contains(list, id) || strings.Contains(list, keys[name][17:]) {
			t.Errorf("list %q: id %s missing or secret shown", list, id)
		}
	}
	if code, out, errOut := runWith(t, t.Context(), getenv, "apikey", "revoke", keys["reader"]); code != 0 || !strings.Contains(out, "revoked") || strings.Contains(out, "already") {
		t.Errorf("revoke: exit %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runWith(t, t.Context(), getenv, "apikey", "revoke", keys["reader"]); code != 0 || !strings.Contains(out, "was already revoked at ") {
		t.Errorf("revoke again: exit %d %q %q, want already revoked", code, out, errOut)
	}
	_, list, _ = runWith(t, t.Context(), getenv, "apikey", "list")
	if strings.Count(list, "-\n") != 1 { // the admin key's REVOKED column
		t.Errorf("after revoke, list %q", list)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine's writes and
// the test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
