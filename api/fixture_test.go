package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/api"
	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
	"sqi/synth"
)

// The fixture: two synthetic tenants, acme (Asia/Seoul) and globex
// (America/New_York), three days of events from fixStart, through the ETL.
// Every room, agent and team id of globex starts with "gx-" (acme's do
// not), so that a globex row in an acme answer is easy to see.
const (
	fixStart = "2025-03-07" // a Friday: the range spans a week boundary
	fixFrom  = "2025-03-07"
	fixTo    = "2025-03-09"
	fixDays  = 3
	fixRooms = 40 // per tenant and day
	own      = "acme"
	other    = "globex"
	leakMark = "gx-"
)

type fixture struct {
	db      *store.DB
	srv     *api.Server
	h       http.Handler
	keys    map[string]string // by principal name
	clock   *clock
	reports *fakeReports
}

// Principal names of the isolation matrix.
const (
	pNone         = "no key"
	pBad          = "bad key"
	pReader       = "reader of acme"
	pOtherReader  = "reader of globex"
	pAdmin        = "admin"
	pRevoked      = "revoked reader of acme"
	pManager      = "manager of acme"
	pOtherManager = "manager of globex"
)

// newData makes the database of the fixture.
func newData(t testing.TB) *store.DB {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	start, _ := time.Parse(time.DateOnly, fixStart)
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 2, Days: fixDays, RoomsPerDay: fixRooms, Seed: 7, Start: start}); err != nil {
		t.Fatalf("generate: %v", err)
	}
	const mark = `UPDATE chat_events SET room_id = 'gx-' || room_id, agent_id = 'gx-' || agent_id, team_id = 'gx-' || team_id
WHERE tenant_id = 'globex'`
	if _, err := db.Pool.Exec(ctx, mark); err != nil {
		t.Fatalf("mark globex: %v", err)
	}
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(ctx); err != nil {
		t.Fatalf("etl: %v", err)
	}
	return db
}

// newFixture builds the data, the keys and a server with no rate limit.
func newFixture(t testing.TB, mod ...func(*api.Config)) *fixture {
	t.Helper()
	db := newData(t)
	f := &fixture{db: db, clock: &clock{t: time.Now()}, reports: &fakeReports{}, keys: map[string]string{}}
	ctx := context.Background()
	for _, k := range []struct{ name, role, tenant string }{
		{pReader, api.RoleReader, own},
		{pOtherReader, api.RoleReader, other},
		{pAdmin, api.RoleAdmin, ""},
		{pRevoked, api.RoleReader, own},
		{pManager, api.RoleManager, own},
		{pOtherManager, api.RoleManager, other},
	} {
		key, stored, err := api.NewKey(k.role, k.tenant, k.name, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIKey(ctx, stored); err != nil {
			t.Fatal(err)
		}
		f.keys[k.name] = key
		if k.name == pRevoked {
			if err := db.RevokeAPIKey(ctx, stored.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A well-formed key that was never created.
	bad, _, _ := api.NewKey(api.RoleAdmin, "", "", time.Now())
	f.keys[pBad] = bad
	f.srv = f.server(t, mod...)
	f.h = f.srv.Handler()
	return f
}

// server builds another server on the fixture's database.
func (f *fixture) server(t testing.TB, mod ...func(*api.Config)) *api.Server {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.RateLimit, cfg.AuthFailRate = 0, 0 // every request of httptest comes from one address
	for _, m := range mod {
		m(&cfg)
	}
	srv, err := api.New(api.Deps{Store: f.db, Reports: f.reports, Now: f.clock.now, Log: testLog(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func testLog(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewJSONHandler(t.Output(), nil))
	}
	return slog.New(slog.DiscardHandler)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fakeReports writes a one-sheet workbook naming the tenant, the kind of
// report and its first day.
type fakeReports struct {
	mu    sync.Mutex
	calls int
}

func (r *fakeReports) write(tenantID, kind string, day time.Time, w io.Writer) error {
	r.mu.Lock()
	r.calls++
	r.mu.Unlock()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetCellValue("Sheet1", "A1", tenantID)
	_ = f.SetCellValue("Sheet1", "B1", day.Format(metrics.DateLayout))
	_ = f.SetCellValue("Sheet1", "C1", kind)
	return f.Write(w)
}

func (r *fakeReports) WriteDaily(ctx context.Context, tenantID string, day time.Time, w io.Writer) error {
	return r.write(tenantID, "daily", day, w)
}

func (r *fakeReports) WriteWeekly(ctx context.Context, tenantID string, monday time.Time, w io.Writer) error {
	return r.write(tenantID, "weekly", monday, w)
}

func (r *fakeReports) WriteMonthly(ctx context.Context, tenantID string, month time.Time, w io.Writer) error {
	return r.write(tenantID, "monthly", month, w)
}

var (
	_ api.WeeklyReports  = (*fakeReports)(nil)
	_ api.MonthlyReports = (*fakeReports)(nil)
)

// request is one HTTP request of a test.
type request struct {
	method string
	path   string // with the query string
	key    string // "" for none
	body   string
	header map[string]string
}

func (f *fixture) do(t testing.TB, r request) *httptest.ResponseRecorder {
	t.Helper()
	return serve(t, f.h, r)
}

func serve(t testing.TB, h http.Handler, r request) *httptest.ResponseRecorder {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(method, "http://sqi.test"+r.path, body)
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// problemOf decodes a problem document, failing the test when the
// response is not one.
func problemOf(t testing.TB, w *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d, Content-Type %q, want application/problem+json; body %.300s", w.Code, ct, w.Body.String())
	}
	var p api.Problem
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("problem document: %v; body %s", err, w.Body.String())
	}
	if p.Status != w.Code || p.Type == "" || p.Title == "" || p.Detail == "" || p.Instance == "" || p.RequestID == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, w.Code)
	}
	if p.RequestID != w.Header().Get("X-Request-ID") {
		t.Fatalf("problem request_id %q, header X-Request-ID %q", p.RequestID, w.Header().Get("X-Request-ID"))
	}
	return p
}

func decodeInto(t testing.TB, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
}
