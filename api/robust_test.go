package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/api"
	"sqi/etl"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// TestExpensiveSlots: an expensive request waits for a slot of its key
// and of the server; when none frees in time it is refused, 429 for its
// key's, 503 for the server's, each with Retry-After and a detail that
// says what to do. Cheap routes are not held up.
func TestExpensiveSlots(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	release := make(chan struct{})
	var mu sync.Mutex
	running, peak := 0, 0
	blocking := func(ctx context.Context, cfg *metrics.Config, q query.Query) (*query.Result, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		defer func() { mu.Lock(); running--; mu.Unlock() }()
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return query.StatsWith(ctx, f.db, cfg, q)
	}
	cfg := api.DefaultConfig()
	cfg.RateLimit, cfg.AuthFailRate = 0, 0
	cfg.MaxConcurrentPerKey, cfg.MaxConcurrent, cfg.ConcurrencyWait = 1, 2, 200*time.Millisecond
	srv, err := api.New(api.Deps{Store: f.db, Stats: blocking}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	sqi := "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo

	// Two requests hold both of the server's slots (two keys, one each).
	var wg sync.WaitGroup
	held := make([]int, 2)
	for i, key := range []string{f.keys[pReader], f.keys[pAdmin]} {
		wg.Go(func() { held[i] = serve(t, h, request{path: sqi, key: key}).Code })
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := running
		mu.Unlock()
		if n == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}

	tests := []struct {
		name, key, path string
		want            int
		wantType        string
	}{
		{name: "the key's slot is taken", key: f.keys[pReader], path: sqi, want: 429, wantType: "too-many-concurrent"},
		{name: "the server's slots are taken", key: f.keys[pOtherReader], path: "/v1/tenants/globex/sqi?from=" + fixFrom + "&to=" + fixTo, want: 503, wantType: "saturated"},
		{name: "rooms count as expensive", key: f.keys[pReader], path: "/v1/tenants/acme/rooms?from=" + fixFrom + "&to=" + fixTo, want: 429, wantType: "too-many-concurrent"},
		{name: "a cheap route is not held up", key: f.keys[pReader], path: "/v1/tenants/acme/config", want: 200},
	}
	for _, tt := range tests {
		w := serve(t, h, request{path: tt.path, key: tt.key})
		if w.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, w.Code, tt.want, w.Body)
			continue
		}
		if tt.want < 400 {
			continue
		}
		p := problemOf(t, w)
		if p.Type != "urn:sqi:problem:"+tt.wantType || w.Header().Get("Retry-After") == "" || !strings.Contains(p.Detail, "wait") {
			t.Errorf("%s: type %s, Retry-After %q, detail %q", tt.name, p.Type, w.Header().Get("Retry-After"), p.Detail)
		}
	}
	close(release)
	wg.Wait()
	if held[0] != 200 || held[1] != 200 || peak != 2 {
		t.Errorf("held requests: %v, at most %d at once; want 200s, 2", held, peak)
	}
	// Freed: the key may query again.
	if w := serve(t, h, request{path: sqi, key: f.keys[pReader]}); w.Code != 200 {
		t.Errorf("after the others ended: status %d", w.Code)
	}
	if w := serve(t, h, request{path: "/metrics"}); !strings.Contains(w.Body.String(), `sqi_http_limited_total{limit="concurrency"} 2`) ||
		!strings.Contains(w.Body.String(), `sqi_http_limited_total{limit="saturated"} 1`) {
		t.Errorf("/metrics does not count the refusals")
	}
}

// TestAuthThrottle: an address that keeps sending bad keys is answered
// 429 before its keys are looked up; another address is not affected,
// and it may try again after Retry-After.
func TestAuthThrottle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs syncBuffer
	srv, err := api.New(api.Deps{Store: f.db, Now: f.clock.now, Log: slog.New(slog.NewJSONHandler(&logs, nil))},
		func() api.Config {
			c := api.DefaultConfig()
			c.RateLimit, c.AuthFailRate, c.AuthFailBurst = 0, 2, 3
			return c
		}())
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	from := func(addr, key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/v1/tenants", nil)
		req.RemoteAddr = addr + ":4711"
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Forwarded-For", "198.51.100.99") // no trusted proxy: ignored
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for i := range 3 {
		if w := from("203.0.113.7", f.keys[pBad]); w.Code != 401 {
			t.Fatalf("bad key %d: status %d, want 401", i, w.Code)
		}
	}
	w := from("203.0.113.7", f.keys[pBad])
	if w.Code != 429 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("fourth bad key: status %d, Retry-After %q; want 429", w.Code, w.Header().Get("Retry-After"))
	}
	if p := problemOf(t, w); !strings.Contains(p.Detail, "failed authentications") {
		t.Errorf("detail %q", p.Detail)
	}
	if w := from("203.0.113.7", "garbage"); w.Code != 429 {
		t.Errorf("malformed key from the throttled address: status %d, want 429", w.Code)
	}
	if w := from("203.0.113.8", f.keys[pAdmin]); w.Code != 200 {
		t.Errorf("another address: status %d, want 200", w.Code)
	}
	if w := from("203.0.113.8", f.keys[pBad]); w.Code != 401 {
		t.Errorf("another address, bad key: status %d, want 401", w.Code)
	}
	for range 100 {
		from("203.0.113.7", f.keys[pBad])
	}
	if n := strings.Count(logs.String(), `"status":429`); n != 0 {
		t.Errorf("%d throttled requests logged at info level: a flood of bad keys floods the log", n)
	}
	if n := strings.Count(logs.String(), `"status":401`); n != 4 {
		t.Errorf("%d failed authentications logged, want the 4 that were looked at", n)
	}
	f.clock.set(f.clock.now().Add(600 * time.Millisecond)) // 2 a second: one failure back
	if w := from("203.0.113.7", f.keys[pAdmin]); w.Code != 200 {
		t.Errorf("after the wait, a valid key: status %d, want 200", w.Code)
	}
}

// TestTruncatedBody: a client that announces a longer body than it sends
// and half-closes its connection gets 400, not 500.
func TestTruncatedBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ts := httptest.NewServer(f.h)
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name": "Ac`
	fmt.Fprintf(conn, "PUT /v1/tenants/acme/config HTTP/1.1\r\nHost: sqi.test\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n%s",
		f.keys[pAdmin], body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d %s, want a 400 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p api.Problem
	if err := jsonDecode(resp, &p); err != nil || p.Type != "urn:sqi:problem:truncated-body" {
		t.Errorf("problem %+v (%v)", p, err)
	}
}

// TestBrokenStoredConfiguration: a stored configuration that no longer
// validates (a negative weight written by hand) answers a 409 problem
// naming the field on every route of its tenant only; the list, the other
// tenant and a valid PUT (which repairs it) go on. A stored document
// naming another tenant is invalid too: its routes never answer with the
// other tenant's rooms.
func TestBrokenStoredConfiguration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	broken := `{"tenant_id": "acme", "components": {"wait": {"metric": "wait_avg_s", "target": 15, "worst": 120, "weight": -3}}}`
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO tenants (tenant_id, config) VALUES ('acme', $1)
ON CONFLICT (tenant_id) DO UPDATE SET config = EXCLUDED.config`, broken); err != nil {
		t.Fatal(err)
	}
	r := "from=" + fixFrom + "&to=" + fixTo
	for _, path := range []string{"/v1/tenants/acme/sqi?" + r, "/v1/tenants/acme/rooms?" + r, "/v1/tenants/acme/config",
		"/v1/tenants/acme/rejects?" + r, "/v1/tenants/acme/reports/daily/" + fixFrom} {
		for _, key := range []string{f.keys[pReader], f.keys[pAdmin]} {
			w := f.do(t, request{path: path, key: key})
			if w.Code != http.StatusConflict {
				t.Errorf("%s: status %d, want 409: %s", path, w.Code, w.Body)
				continue
			}
			p := problemOf(t, w)
			if p.Param != "components.wait.weight" || !strings.Contains(p.Detail, "components.wait.weight -3") || !strings.Contains(p.Detail, "PUT /v1/tenants/acme/config") {
				t.Errorf("%s: param %q, detail %q", path, p.Param, p.Detail)
			}
		}
	}
	if w := f.do(t, request{path: "/v1/tenants/globex/sqi?" + r, key: f.keys[pOtherReader]}); w.Code != 200 {
		t.Errorf("the other tenant: status %d", w.Code)
	}
	var list api.TenantsBody
	w := f.do(t, request{path: "/v1/tenants", key: f.keys[pAdmin]})
	decodeInto(t, w.Body.Bytes(), &list)
	if w.Code != 200 || len(list.Tenants) != 2 || len(list.Tenants[0].ConfigErrors) == 0 ||
		!strings.HasPrefix(list.Tenants[0].ConfigErrors[0], "components.wait.weight -3") || list.Tenants[1].ConfigErrors != nil {
		t.Errorf("list: status %d, %+v", w.Code, list)
	}
	if w := f.do(t, request{path: "/v1/tenants", key: f.keys[pReader]}); w.Code != 200 || !strings.Contains(w.Body.String(), "config_errors") {
		t.Errorf("the reader's list: status %d %s", w.Code, w.Body)
	}

	// A valid PUT repairs it.
	w = f.do(t, request{method: http.MethodPut, path: "/v1/tenants/acme/config", key: f.keys[pAdmin], body: `{"name": "Acme"}`,
		header: map[string]string{"Content-Type": "application/json"}})
	if w.Code != 200 {
		t.Fatalf("repairing PUT: status %d: %s", w.Code, w.Body)
	}
	if w := f.do(t, request{path: "/v1/tenants/acme/sqi?" + r, key: f.keys[pReader]}); w.Code != 200 {
		t.Errorf("after the repair: status %d", w.Code)
	}

	// The stored document names another tenant.
	if _, err := f.db.Pool.Exec(ctx, `UPDATE tenants SET config = '{"tenant_id": "globex"}' WHERE tenant_id = 'acme'`); err != nil {
		t.Fatal(err)
	}
	w = f.do(t, request{path: "/v1/tenants/acme/rooms?limit=10000&" + r, key: f.keys[pReader]})
	if w.Code != http.StatusConflict || strings.Contains(w.Body.String(), leakMark) {
		t.Fatalf("a document naming globex: status %d: %.300s", w.Code, w.Body)
	}
	if p := problemOf(t, w); p.Param != "tenant_id" {
		t.Errorf("param %q, want tenant_id", p.Param)
	}
}

// TestFeedRejectsRoute: events whose ids the API cannot address are no
// tenant's and no room's; the ETL counts them, and an admin sees them.
func TestFeedRejectsRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2025, 3, 8, 3, 0, 0, 0, time.UTC) // in the fixture's range in Seoul
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at) VALUES
  (900001, 'bad tenant', 'r1', 'room_opened', $1), (900002, 'bad tenant', 'r1', 'room_closed', $1),
  (900003, 'acme', $2, 'room_opened', $1),
  (900004, 'acme', repeat('x', 129), 'room_opened', $1)`, at, "room\nwith a line break"); err != nil {
		t.Fatal(err)
	}
	runETLOn(t, f.db)
	var body api.FeedRejectsBody
	w := f.do(t, request{path: "/v1/feed-rejects", key: f.keys[pAdmin]})
	decodeInto(t, w.Body.Bytes(), &body)
	got := map[string]int64{}
	for _, g := range body.Groups {
		got[g.TenantID+" "+g.Reason] = g.Events
	}
	if w.Code != 200 || got["bad tenant bad_tenant_id"] != 2 || got["acme bad_room_id"] != 2 || len(got) != 2 {
		t.Errorf("feed rejects: status %d, %v", w.Code, got)
	}
	if w := f.do(t, request{path: "/v1/feed-rejects", key: f.keys[pReader]}); w.Code != 403 {
		t.Errorf("reader: status %d, want 403", w.Code)
	}
	w = f.do(t, request{path: "/v1/tenants/acme/rejects?from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]})
	var rej api.RejectsBody
	decodeInto(t, w.Body.Bytes(), &rej)
	n := int64(0)
	for _, c := range rej.Rejects {
		if c.Reason == metrics.RejectBadRoomID {
			n = c.Count
		}
	}
	if n != 2 {
		t.Errorf("acme's rejects: %+v; want 2 bad_room_id", rej.Rejects)
	}
	if w := f.do(t, request{path: "/v1/tenants", key: f.keys[pAdmin]}); strings.Contains(w.Body.String(), "bad tenant") {
		t.Errorf("the list names a tenant the API cannot address: %s", w.Body)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}

func runETLOn(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(context.Background()); err != nil {
		t.Fatalf("etl: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
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

// TestClientGoneIsNotAnOutage: a client that closes the connection in the
// middle of a long answer is logged as a client that went away, never as
// the database being away (a warning that whoever watches them would take
// for an outage).
func TestClientGoneIsNotAnOutage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs syncBuffer
	srv, err := api.New(api.Deps{Store: f.db, Now: f.clock.now, Log: slog.New(slog.NewJSONHandler(&logs, nil))}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for range 20 {
		// Rooms as JSON stream from the database straight to the client.
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/tenants/acme/rooms?limit=10000&from="+fixFrom+"&to="+fixTo, nil)
		req.Header.Set("Authorization", "Bearer "+f.keys[pReader])
		tr := &http.Transport{DisableCompression: true, WriteBufferSize: 1 << 10, ReadBufferSize: 1 << 10}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		_, _ = io.ReadFull(resp.Body, buf)
		tr.CloseIdleConnections()
		if c, ok := resp.Body.(io.Closer); ok {
			_ = c.Close() // closes the connection: the rest is not read
		}
		time.Sleep(20 * time.Millisecond)
		if strings.Contains(logs.String(), "client went away") {
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "client went away") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "client went away") {
		t.Fatalf("no client went away: the answer fitted the buffers, the test proves nothing\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "database-unavailable") || strings.Contains(logs.String(), `"level":"WARN"`) || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a client that went away was logged as a failure:\n%s", logs.String())
	}
}
