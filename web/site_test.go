package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sqi/alerts"
	"sqi/api"
	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/live"
	"sqi/metrics"
	"sqi/query"
	"sqi/reports"
	"sqi/store"
	"sqi/synth"
	"sqi/web"
)

// site is sqi serve's HTTP side on a database of its own: the API with
// the web app mounted, a live view refreshed after each ETL run, real
// reports, and the keys of each role.
type site struct {
	db     *store.DB
	srv    *api.Server
	app    *web.App
	ts     *httptest.Server
	live   *live.Service
	keys   map[string]string // by role: reader, manager, admin (of acme), other (reader of globex)
	nextID atomic.Int64      // event ids of the events a test adds
	cancel context.CancelFunc
}

// The site's tenants (synth's first two: Korean and American).
const (
	own   = "acme"
	other = "globex"
)

type siteOptions struct {
	roomsPerDay int
	apiConfig   func(*api.Config)
	webConfig   func(*web.Config)
	now         func() time.Time
}

// newSite generates two weeks of events for two tenants and today's until
// now, a few rooms of acme around now (waiting, in progress),
// runs the ETL, and serves it all.
func newSite(t *testing.T, o siteOptions) *site {
	t.Helper()
	if o.roomsPerDay == 0 {
		o.roomsPerDay = 120
	}
	ctx := context.Background()
	db := pgtest.New(t)
	s := &site{db: db, keys: map[string]string{}}
	cfg := metrics.DefaultConfig(own)
	cfg.Name = "Acme 고객센터"
	cfg.Alerts = &metrics.Alerts{Rules: []metrics.AlertRule{
		{Name: "queue", Metric: metrics.NowWaiting, Op: ">=", Threshold: 1},
		{Name: "sl_drop", Metric: "service_level_pct", Window: "30m", Op: "<", Threshold: 50, MinRooms: 50},
	}}
	if err := db.PutTenant(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	gcfg := metrics.DefaultConfig(other)
	gcfg.Name, gcfg.TimeZone, gcfg.Locale = "Globex", "America/New_York", "en"
	if err := db.PutTenant(ctx, gcfg); err != nil {
		t.Fatal(err)
	}
	// Two weeks and today until now: the events still to come are cut,
	// which leaves the rooms of the last minutes waiting or in progress.
	seoul, _ := time.LoadLocation("Asia/Seoul")
	start := metrics.LocalDate(time.Now(), seoul).AddDate(0, 0, -14)
	if _, err := synth.Generate(ctx, db.Pool, synth.Options{Tenants: 2, Days: 15, RoomsPerDay: o.roomsPerDay, Seed: 5, Start: start}); err != nil {
		t.Fatalf("generate: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM chat_events WHERE occurred_at > now()`); err != nil {
		t.Fatal(err)
	}
	s.nextID.Store(9_000_000_000)
	now := time.Now()
	s.addRoom(t, own, "live-wait-1", now, []liveEvent{{"room_opened", "", "", 6 * time.Minute}, {"queued", "", "", 5 * time.Minute}})
	s.addRoom(t, own, "live-talk-1", now, []liveEvent{{"room_opened", "", "", 9 * time.Minute}, {"queued", "", "", 8 * time.Minute},
		{"agent_assigned", "", "agent-001", 7 * time.Minute}, {"message", "agent", "agent-001", 6 * time.Minute}})
	s.etl(t)

	log := slog.New(slog.DiscardHandler)
	eval := alerts.NewEvaluator(db, alerts.NewMetrics(db), log)
	s.live = live.NewService(db, query.NewEngine(db, 16<<20), eval, log)
	s.live.PollEvery = 100 * time.Millisecond
	lctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.live.Run(lctx) //nolint:errcheck // returns nil at cancel

	acfg := api.DefaultConfig()
	acfg.AuthFailRate, acfg.RateLimit = 0, 0
	if o.apiConfig != nil {
		o.apiConfig(&acfg)
	}
	eng := query.NewEngine(db, 64<<20)
	srv, err := api.New(api.Deps{Store: db, Engine: eng, Reports: &reports.Generator{DB: db, Engine: eng}, Live: s.live, Log: log}, acfg)
	if err != nil {
		t.Fatal(err)
	}
	wcfg := web.DefaultConfig()
	if o.webConfig != nil {
		o.webConfig(&wcfg)
	}
	app, err := web.New(web.Deps{API: srv, Store: db, Log: log, Now: o.now}, wcfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount(app.Register)
	s.srv, s.app = srv, app
	s.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.CloseStreams()
		s.ts.Close()
		cancel()
	})
	for _, k := range []struct{ name, role, tenant string }{
		{"reader", api.RoleReader, own}, {"manager", api.RoleManager, own}, {"admin", api.RoleAdmin, ""}, {"other", api.RoleReader, other},
	} {
		key, stored, err := api.NewKey(k.role, k.tenant, k.name, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIKey(ctx, stored); err != nil {
			t.Fatal(err)
		}
		s.keys[k.name] = key
	}
	s.waitLive(t)
	return s
}

// liveEvent is an event of a room added around now: its type, actor,
// agent, and how long before now it happened.
type liveEvent struct {
	typ, actor, agent string
	ago               time.Duration
}

// addRoom writes a room's events into chat_events.
func (s *site) addRoom(t *testing.T, tenant, room string, now time.Time, events []liveEvent) {
	t.Helper()
	for _, e := range events {
		id := s.nextID.Add(1)
		null := func(v string) any {
			if v == "" {
				return nil
			}
			return v
		}
		team := any(nil)
		if e.typ == "queued" {
			team = "tech"
		}
		if _, err := s.db.Pool.Exec(context.Background(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'web')`, id, tenant, room, e.typ, now.Add(-e.ago), null(e.actor), null(e.agent), team); err != nil {
			t.Fatal(err)
		}
	}
}

// etl runs the ETL once and tells the live view.
func (s *site) etl(t *testing.T) {
	t.Helper()
	if _, err := (&etl.Runner{Source: s.db.Pool, Store: s.db}).RunOnce(context.Background()); err != nil {
		t.Fatalf("etl: %v", err)
	}
	if s.live != nil {
		s.live.Kick()
	}
}

// waitLive waits until the live view has data.
func (s *site) waitLive(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp := s.api(t, "reader", "/v1/tenants/"+own+"/live")
		if resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			return
		}
		resp.Body.Close()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the live view has no data after 30 s")
}

// api makes a request of the API with a key.
func (s *site) api(t *testing.T, key, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.keys[key])
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// apiJSON decodes the API's JSON answer to path into out.
func (s *site) apiJSON(t *testing.T, key, path string, out any) {
	t.Helper()
	resp := s.api(t, key, path)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// link makes a one-time sign-in link.
func (s *site) link(t *testing.T, role, tenant string, ttl time.Duration) string {
	t.Helper()
	token, l, err := web.NewLoginLink(role, tenant, time.Now(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.CreateLoginLink(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return web.LinkURL(s.ts.URL, token)
}

// client is a browser-less client of the web app: a cookie jar, no
// redirects followed.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (s *site) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: s.ts.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string, header ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// formValue is the value of the hidden input name of a page.
func formValue(t *testing.T, page, name string) string {
	t.Helper()
	i := strings.Index(page, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no input %s in the page:\n%.2000s", name, page)
	}
	rest := page[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// signIn signs the client in with a key and returns the session's CSRF
// token (from its next page).
func (c *client) signIn(key string) string {
	c.t.Helper()
	_, page := c.get("/signin")
	resp, body := c.post("/signin", url.Values{"csrf": {formValue(c.t, page, "csrf")}, "key": {key}, "next": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	_, page = c.get(resp.Header.Get("Location"))
	return formValue(c.t, page, "csrf")
}
