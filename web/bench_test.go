package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sqi/api"
	"sqi/internal/benchdata"
	"sqi/live"
	"sqi/query"
	"sqi/store"
	"sqi/web"
)

// benchServer is sqi serve's HTTP side on the month of the budgets, with
// a query engine of its own: a fresh one has a cold cache of partials.
type benchServer struct {
	ts     *httptest.Server
	srv    *api.Server
	cancel context.CancelFunc
}

func newBenchServer(b *testing.B, db *store.DB) *benchServer {
	b.Helper()
	log := slog.New(slog.DiscardHandler)
	eng := query.NewEngine(db, api.DefaultQueryCacheBytes)
	lv := live.NewService(db, query.NewEngine(db, 64<<20), nil, log)
	ctx, cancel := context.WithCancel(context.Background())
	go lv.Run(ctx) //nolint:errcheck // nil at cancel
	cfg := api.DefaultConfig()
	cfg.RateLimit, cfg.AuthFailRate = 0, 0
	srv, err := api.New(api.Deps{Store: db, Engine: eng, Live: lv, Log: log}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	// The web app's clock is the day after the month, so that the
	// settings' preview of the last 30 days is the month.
	now := func() time.Time { return benchdata.Start.AddDate(0, 0, benchdata.Days).Add(3 * time.Hour) }
	app, err := web.New(web.Deps{API: srv, Store: db, Log: log, Now: now}, web.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	srv.Mount(app.Register)
	s := &benchServer{ts: httptest.NewServer(srv.Handler()), srv: srv, cancel: cancel}
	// The live view has data once its first refresh is done.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if snap, _ := lv.Current(benchdata.Tenant()); snap != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

func (s *benchServer) close() {
	s.srv.CloseStreams()
	s.ts.Close()
	s.cancel()
}

// apiTime is the time of one API request with a key.
func apiTime(b *testing.B, base, key, path string) time.Duration {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return d
}

// paint is a page load's Navigation Timing and paint timing, in ms from
// the start of the navigation.
type paint struct {
	FCP  float64 `json:"fcp"`  // first contentful paint
	TTFB float64 `json:"ttfb"` // the first byte of the page
	Load float64 `json:"load"` // the load event's end
}

// load navigates to u and reads its timings.
func (b *tab) load(u string) paint {
	b.t.Helper()
	if resp := b.navigate(u); resp.Status != http.StatusOK {
		b.t.Fatalf("%s: %d", u, resp.Status)
	}
	for range 100 {
		p := eval[paint](b, `(() => {
  const n = performance.getEntriesByType("navigation")[0];
  const f = performance.getEntriesByName("first-contentful-paint")[0];
  return {fcp: f ? f.startTime : -1, ttfb: n.responseStart, load: n.loadEventEnd};
})()`)
		if p.FCP >= 0 && p.Load > 0 {
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.t.Fatalf("%s: no first contentful paint", u)
	return paint{}
}

func median(ds []float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkWebFirstPaint loads each page of the web app in headless
// Chromium on the month of the budgets (1.5 million rooms) and reports its
// first contentful paint and its load, cold (the first load on a server
// whose query cache is empty) and warm (the median of the next five);
// beside them, as the baseline, the API request the page is made of, cold
// (on another fresh server) and warm.
func BenchmarkWebFirstPaint(b *testing.B) {
	db, _ := benchdata.Month(b)
	tenant := benchdata.Tenant()
	key, stored, err := api.NewKey(api.RoleManager, tenant, "bench-web", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateAPIKey(context.Background(), stored); err != nil {
		b.Fatal(err)
	}
	var room struct {
		Rooms []struct {
			RoomID string `json:"room_id"`
		} `json:"rooms"`
	}
	month := "from=2026-10-01&to=2026-10-30"
	pages := []struct {
		name, page, api string
	}{
		{"live", "/live", "/live"},
		{"trends-month-by-day", "/trends?" + month + "&group_by=day", "/sqi?" + month + "&group_by=day"},
		{"trends-month-by-agent", "/trends?" + month + "&group_by=agent", "/sqi?" + month + "&group_by=agent"},
		{"rooms-month", "/rooms?" + month, "/rooms?" + month + "&limit=100"},
		{"room", "/rooms/", "/rooms/"},
		{"quality-month", "/quality?" + month, "/rejects?" + month},
		{"settings", "/settings", "/config"},
	}
	b.Run("settings-preview", func(b *testing.B) {
		for range b.N {
			benchPreview(b, db, tenant, key)
		}
	})
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for range b.N {
				pagePath, apiPath := p.page, p.api
				if p.name == "room" {
					s := newBenchServer(b, db)
					req, _ := http.NewRequest(http.MethodGet, s.ts.URL+"/v1/tenants/"+tenant+"/rooms?"+month+"&limit=1", nil)
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					json.NewDecoder(resp.Body).Decode(&room)
					resp.Body.Close()
					s.close()
					pagePath += room.Rooms[0].RoomID
					apiPath += room.Rooms[0].RoomID
				}
				// The baseline, cold then warm, on a server of its own.
				s := newBenchServer(b, db)
				apiCold := apiTime(b, s.ts.URL, key, "/v1/tenants/"+tenant+apiPath)
				var apiWarm []float64
				for range 5 {
					apiWarm = append(apiWarm, float64(apiTime(b, s.ts.URL, key, "/v1/tenants/"+tenant+apiPath).Microseconds())/1000)
				}
				s.close()

				s = newBenchServer(b, db)
				tb := newTab(b, 1280, 900)
				tb.navigate(s.ts.URL + "/signin")
				tb.do(chromedp.SendKeys(chromedp.ID("key"), key))
				tb.submit(chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
				u := s.ts.URL + "/t/" + tenant + pagePath
				cold := tb.load(u)
				var fcp, load []float64
				for range 5 {
					w := tb.load(u)
					fcp, load = append(fcp, w.FCP), append(load, w.Load)
				}
				s.close()
				b.ReportMetric(cold.FCP, "fcp-cold-ms")
				b.ReportMetric(cold.Load, "load-cold-ms")
				b.ReportMetric(median(fcp), "fcp-warm-ms")
				b.ReportMetric(median(load), "load-warm-ms")
				b.ReportMetric(float64(apiCold.Microseconds())/1000, "api-cold-ms")
				b.ReportMetric(median(apiWarm), "api-warm-ms")
			}
		})
	}
}

// benchPreview measures the page of a settings preview (a changed weight:
// a configuration never computed, so the preview's numbers are cold),
// beside the API's POST /config/preview of the same document on a fresh
// server.
func benchPreview(b *testing.B, db *store.DB, tenant, key string) {
	b.Helper()
	weight := fmt.Sprint(20 + time.Now().UnixNano()%50) // a weight never previewed
	s := newBenchServer(b, db)
	req, _ := http.NewRequest(http.MethodGet, s.ts.URL+"/v1/tenants/"+tenant+"/config", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var cfg map[string]any
	json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	comps := cfg["components"].(map[string]any)
	comps["service_level"].(map[string]any)["weight"] = json.Number(weight + "1")
	doc, _ := json.Marshal(cfg)
	day := benchdata.Start.AddDate(0, 0, benchdata.Days)
	q := "?from=" + day.AddDate(0, 0, -30).Format("2006-01-02") + "&to=" + day.AddDate(0, 0, -1).Format("2006-01-02")
	req, _ = http.NewRequest(http.MethodPost, s.ts.URL+"/v1/tenants/"+tenant+"/config/preview"+q, bytes.NewReader(doc))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	apiCold := time.Since(start)
	s.close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("preview: %d", resp.StatusCode)
	}

	s = newBenchServer(b, db)
	defer s.close()
	tb := newTab(b, 1280, 900)
	tb.navigate(s.ts.URL + "/signin")
	tb.do(chromedp.SendKeys(chromedp.ID("key"), key))
	tb.submit(chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	tb.navigate(s.ts.URL + "/t/" + tenant + "/settings")
	name := eval[string](tb, `document.querySelector('input[value="service_level"]').name.replace(".name", ".weight")`)
	tb.do(chromedp.SetValue(chromedp.CSS(`input[name="`+name+`"]`), weight))
	tb.submit(chromedp.Click(chromedp.ID("preview-button")))
	p := eval[paint](tb, `(() => {
  const n = performance.getEntriesByType("navigation")[0];
  const f = performance.getEntriesByName("first-contentful-paint")[0];
  return {fcp: f ? f.startTime : -1, ttfb: n.responseStart, load: n.loadEventEnd};
})()`)
	if eval[int](tb, `document.querySelectorAll("#preview").length`) != 1 {
		b.Fatal("no preview")
	}
	b.ReportMetric(p.FCP, "fcp-cold-ms")
	b.ReportMetric(p.Load, "load-cold-ms")
	b.ReportMetric(float64(apiCold.Microseconds())/1000, "api-cold-ms")
}
