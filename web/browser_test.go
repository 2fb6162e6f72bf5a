package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"sqi/metrics"
)

var screenshots = flag.Bool("screenshots", false, "write the browser test's screenshots into docs/screenshots/ (for the README)")

// chromiumBin is the browser of the tests: SQI_CHROMIUM_BIN, or Debian's
// chromium on PATH (scripts/test.sh installs it when absent).
func chromiumBin(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("SQI_CHROMIUM_BIN"); b != "" {
		return b
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: install Debian's chromium (scripts/test.sh does) or set SQI_CHROMIUM_BIN")
	return ""
}

// tab is a headless Chromium of its own (its own profile: cookies) with
// one tab, recording the console's errors.
type tab struct {
	t      testing.TB
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	// expected are the URLs whose error status (403, 404) a step asked
	// for: Chromium logs "Failed to load resource" for them.
	expected []string
}

func newTab(t testing.TB, width, height int) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumBin(t)), chromedp.NoSandbox,
		chromedp.WindowSize(width, height), chromedp.Flag("lang", "ko-KR"), chromedp.Flag("font-render-hinting", "none"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() {
		cancelTime()
		cancelCtx()
		cancelAlloc()
	})
	msgs := chromedp.Console(ctx)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				tb.mu.Lock()
				if !slices.Contains(tb.expected, m.URL) || !strings.Contains(m.Text, "status of 40") {
					tb.errors = append(tb.errors, m.String())
				}
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// expect allows the console error of a page that answers 4xx on purpose.
func (b *tab) expect(u string) {
	b.mu.Lock()
	b.expected = append(b.expected, u)
	b.mu.Unlock()
}

// noConsoleErrors fails the test when the pages wrote an error to the
// console (a CSP violation, a script error, a failed load).
func (b *tab) noConsoleErrors() {
	b.t.Helper()
	time.Sleep(200 * time.Millisecond) // messages arrive after the actions
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		b.t.Errorf("console errors:\n%s", strings.Join(b.errors, "\n"))
	}
	b.errors = nil
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// navigate loads u and returns the document's response.
func (b *tab) navigate(u string) *network.Response {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("navigate %s: %v", u, err)
	}
	return resp
}

// submit runs the steps (a click that sends a form or follows a link)
// and waits for the page they load.
func (b *tab) submit(steps ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return resp
}

func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (b *tab) location() string { return eval[string](b, `location.pathname + location.search`) }

// shot saves a screenshot of the page's top, height pixels of a
// 1280-pixel-wide window: into docs/screenshots/ with -screenshots, into
// the test's directory otherwise.
func (b *tab) shot(name string, height int64) {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(1280, height))
	_ = eval[int](b, `window.scrollTo(0, 0), 0`)
	defer b.do(chromedp.EmulateViewport(1280, 900))
	// The fonts the page asked for (SQI Hangul on a machine without a
	// Korean font) are in before the picture is taken.
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		b.t.Fatalf("screenshot %s: fonts: %v", name, err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := b.t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// readable checks the page at 200 % zoom (a 640-pixel-wide layout in a
// 1280-pixel window): no part of the page but a table's own scrolling box
// is wider than the window.
func (b *tab) readable() {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(640, 900, chromedp.EmulateScale(2)))
	defer b.do(chromedp.EmulateViewport(1280, 900))
	overflow := eval[int](b, `document.documentElement.scrollWidth - window.innerWidth`)
	if overflow > 0 {
		wide := eval[[]string](b, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right).slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))`)
		b.t.Errorf("%s at 200 %%: the page is %d pixels wider than the window: %v", b.location(), overflow, wide)
	}
}

// metricsOnPage are the data-metric and data-v of the page's tiles.
func metricsOnPage(b *tab) map[string]string {
	return eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll("[data-metric][data-v]")].map(e => [e.dataset.metric, e.dataset.v]))`)
}

// rawOf is a JSON value of the API as the page carries it (data-v).
func rawOf(v json.RawMessage) string {
	if len(v) == 0 {
		return "null"
	}
	return string(v)
}

// tableOf reads a sortable table: per row, its cells' data-v by column.
func tableOf(b *tab) []map[string]string {
	return eval[[]map[string]string](b, `(() => {
  const t = document.querySelector("table.sortable");
  if (!t) return [];
  const cols = [...t.tHead.rows[0].cells].map(c => c.dataset.col);
  return [...t.tBodies[0].rows].map(r => Object.fromEntries([...r.cells].map((c, i) => [cols[i], c.dataset.v])));
})()`)
}

// TestBrowser drives the web app in a real headless Chromium, as a
// manager, a reader signed in with a link and a signed-out visitor
// (docs/web.md): every page's numbers are the API's.
func TestBrowser(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 300})
	base := s.ts.URL
	cfg := metrics.DefaultConfig(own)
	cfg.TimeZone = "Asia/Seoul"
	today := metrics.LocalDate(time.Now(), cfg.Location())
	from, to := today.AddDate(0, 0, -7).Format(metrics.DateLayout), today.AddDate(0, 0, -1).Format(metrics.DateLayout)

	m := newTab(t, 1280, 900)
	t.Run("sign in with a key", func(t *testing.T) {
		m.t = t
		m.navigate(base + "/")
		if loc := m.location(); !strings.HasPrefix(loc, "/signin") {
			t.Fatalf("/ signed out went to %s, want /signin", loc)
		}
		m.shot("signin", 600)
		m.do(chromedp.SendKeys(chromedp.ID("key"), s.keys["manager"]))
		resp := m.submit(chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
		if resp.Status != http.StatusOK || m.location() != "/t/acme/live" {
			t.Fatalf("after sign-in: %d at %s", resp.Status, m.location())
		}
		csp, _ := resp.Headers["Content-Security-Policy"].(string)
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("Content-Security-Policy %q: want script-src 'self' and no unsafe-inline", csp)
		}
		// The embedded Korean fonts load under the page's CSP, so Hangul
		// reads on a machine without a Korean font (this one may have none).
		for _, weight := range []string{"400", "700"} {
			n, err := chromedp.Run(m.ctx, chromedp.Evaluate[int](`document.fonts.load("`+weight+` 16px 'SQI Hangul'", "실시간 대기").then(fs => fs.filter(f => f.status === "loaded").length)`, chromedp.EvalAwaitPromise))
			if err != nil || n != 1 {
				t.Errorf("the web font SQI Hangul %s: %d faces loaded, %v", weight, n, err)
			}
		}
		// The key is not in the browser: not in a cookie, not in storage.
		all := m.cookies()
		for _, c := range all {
			if secret := s.keys["manager"][len("sqi_")+12+1:]; strings.Contains(c.Value, secret) {
				t.Errorf("cookie %s holds the key", c.Name)
			}
			if c.Name == "sqi_session" && (!c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict) {
				t.Errorf("session cookie: HttpOnly %v, SameSite %s; want true, Strict", c.HTTPOnly, c.SameSite)
			}
		}
		m.noConsoleErrors()
	})

	t.Run("live shows the numbers of /live and changes after an ETL run", func(t *testing.T) {
		m.t = t
		m.navigate(base + "/t/acme/live")
		var body struct {
			Now     map[string]json.RawMessage `json:"now"`
			Today   map[string]json.RawMessage `json:"today"`
			Last60m map[string]json.RawMessage `json:"last_60m"`
		}
		s.apiJSON(t, "manager", "/v1/tenants/acme/live", &body)
		page := metricsOnPage(m)
		if len(page) < 20 {
			t.Fatalf("the Live page shows %d numbers: %v", len(page), page)
		}
		var comps map[string]json.RawMessage
		_ = json.Unmarshal(body.Today["components"], &comps)
		for k, v := range page {
			part, name, _ := strings.Cut(k, ".")
			var want json.RawMessage
			switch part {
			case "now":
				want = body.Now[name]
			case "today":
				if c, ok := strings.CutPrefix(name, "components."); ok {
					want = comps[c]
				} else {
					want = body.Today[name]
				}
			case "last_60m":
				want = body.Last60m[name]
			}
			if name == "grade" {
				continue
			}
			if v != rawOf(want) {
				t.Errorf("Live %s = %s, /live says %s", k, v, rawOf(want))
			}
		}
		if got := eval[string](m, `document.querySelector('[data-metric="today.wait_avg_s"] dd').textContent`); !regexp.MustCompile(`^(\d+:\d\d(:\d\d)?|–)$`).MatchString(got) {
			t.Errorf("today's wait reads %q, want m:ss", got)
		}
		if n := eval[int](m, `document.querySelectorAll(".alerts li.firing").length`); n < 1 {
			t.Errorf("the firing rule queue (waiting >= 1) is not listed")
		}
		m.readable()
		m.shot("live", 1500)
		waiting := page["now.waiting"]
		_ = eval[int](m, `window.sqiMarker = 42`)
		s.addRoom(t, own, "live-wait-2", time.Now(), []liveEvent{{"room_opened", "", "", 2 * time.Minute}, {"queued", "", "", time.Minute}})
		s.etl(t)
		var now struct {
			Now map[string]json.RawMessage `json:"now"`
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			s.apiJSON(t, "manager", "/v1/tenants/acme/live", &now)
			got := eval[string](m, `document.querySelector('[data-metric="now.waiting"]').dataset.v`)
			if got == rawOf(now.Now["waiting"]) && got != waiting {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after an ETL run the Live page shows waiting %s (was %s), /live says %s", got, waiting, now.Now["waiting"])
			}
			time.Sleep(200 * time.Millisecond)
		}
		if eval[int](m, `window.sqiMarker || 0`) != 42 {
			t.Error("the Live page reloaded itself; it should update in place")
		}
		m.navigate(base + "/t/acme/live?wall=1")
		m.shot("live-wall", 1000)
		m.noConsoleErrors()
	})

	t.Run("trends show the rows of /sqi", func(t *testing.T) {
		m.t = t
		for _, q := range []string{
			"from=" + from + "&to=" + to + "&group_by=day",
			"from=" + from + "&to=" + to + "&group_by=agent&compare=previous_period",
			"from=" + from + "&to=" + to + "&group_by=week,channel&hours=business&cols=all",
		} {
			m.navigate(base + "/t/acme/trends?" + q)
			apiQ, _ := url.ParseQuery(q)
			apiQ.Del("cols")
			var body struct {
				GroupBy []string                     `json:"group_by"`
				Rows    []map[string]json.RawMessage `json:"rows"`
			}
			s.apiJSON(t, "reader", "/v1/tenants/acme/sqi?"+apiQ.Encode(), &body)
			rows := tableOf(m)
			if len(rows) != len(body.Rows) || len(rows) == 0 {
				t.Fatalf("%s: the page shows %d rows, /sqi has %d", q, len(rows), len(body.Rows))
			}
			key := func(r map[string]string) string {
				var ks []string
				for _, k := range body.GroupBy {
					col := map[string]string{"agent": "agent_id", "team": "team_id"}[k]
					if col == "" {
						col = k
					}
					ks = append(ks, r[col])
				}
				return strings.Join(ks, "|")
			}
			api := map[string]map[string]json.RawMessage{}
			for _, r := range body.Rows {
				flat := map[string]string{}
				for k, v := range r {
					flat[k] = rawOf(v)
				}
				api[key(flat)] = r
			}
			checked := 0
			for _, r := range rows {
				want, ok := api[key(r)]
				if !ok {
					t.Errorf("%s: row %s is not in /sqi", q, key(r))
					continue
				}
				var comps map[string]json.RawMessage
				_ = json.Unmarshal(want["components"], &comps)
				for col, v := range r {
					w := want[col]
					if c, ok := strings.CutPrefix(col, "components."); ok {
						w = comps[c]
					}
					if v != rawOf(w) {
						t.Errorf("%s: row %s %s = %s, /sqi says %s", q, key(r), col, v, rawOf(w))
					}
					checked++
				}
			}
			if checked < len(rows)*10 {
				t.Errorf("%s: only %d cells compared", q, checked)
			}
			if strings.Contains(q, "compare") {
				changes := eval[[]string](m, `[...document.querySelectorAll("table.sortable tbody tr:first-child [data-change]")].map(e => e.dataset.change)`)
				first := tableOf(m)[0]
				var ch map[string]json.RawMessage
				_ = json.Unmarshal(api[key(first)]["change"], &ch)
				if len(changes) < 5 || changes[0] != rawOf(ch["sqi"]) {
					t.Errorf("%s: the first row's changes %v, /sqi's change of sqi %s", q, changes, rawOf(ch["sqi"]))
				}
				arrows := eval[int](m, `[...document.querySelectorAll(".change.better, .change.worse")].filter(e => /[▲▼]/.test(e.textContent) && e.querySelector(".word")).length`)
				if arrows == 0 {
					t.Errorf("%s: no change shows an arrow and a word", q)
				}
				// The script sorts by SQI, highest first.
				m.do(chromedp.Click(chromedp.CSS(`th[data-col="sqi"] .sort`)))
				sqis := eval[[]string](m, `[...document.querySelectorAll("table.sortable tbody tr")].map(r => r.cells[1].dataset.v)`)
				for i := 1; i < len(sqis); i++ {
					if sqis[i] != "null" && sqis[i-1] != "null" && atof(sqis[i]) > atof(sqis[i-1]) {
						t.Fatalf("sorted by SQI: %v", sqis)
					}
				}
				m.shot("trends-compare", 1000)
			} else if strings.HasSuffix(q, "group_by=day") {
				m.readable()
				m.shot("trends", 1150)
			}
		}
		m.noConsoleErrors()
	})

	t.Run("drill-down reaches a room's timeline", func(t *testing.T) {
		m.t = t
		m.navigate(base + "/t/acme/trends?from=" + from + "&to=" + to + "&group_by=agent")
		m.submit(chromedp.Click(chromedp.CSS(`table.sortable tbody tr:nth-child(2) th a`)))
		loc := m.location()
		u, _ := url.Parse(loc)
		if u.Path != "/t/acme/rooms" || u.Query().Get("agent_id") == "" {
			t.Fatalf("a row of agents led to %s", loc)
		}
		q := u.Query()
		q.Set("limit", "100")
		var rooms struct {
			Rooms []map[string]json.RawMessage `json:"rooms"`
		}
		s.apiJSON(t, "reader", "/v1/tenants/acme/rooms?"+q.Encode(), &rooms)
		ids := eval[[]string](m, `[...document.querySelectorAll("table.sortable tbody tr th")].map(e => e.dataset.v)`)
		var want []string
		for _, r := range rooms.Rooms {
			want = append(want, rawOf(r["room_id"]))
		}
		if len(ids) == 0 || !slices.Equal(ids, want) {
			t.Fatalf("the Rooms page lists %v, /rooms %v", ids, want)
		}
		m.readable()
		m.shot("rooms", 900)
		m.submit(chromedp.Click(chromedp.CSS(`table.sortable tbody tr:first-child th a`)))
		var room struct {
			RoomID string `json:"room_id"`
			Events []struct {
				EventID int64 `json:"event_id"`
			} `json:"events"`
		}
		var id string
		_ = json.Unmarshal([]byte(ids[0]), &id)
		s.apiJSON(t, "reader", "/v1/tenants/acme/rooms/"+url.PathEscape(id), &room)
		events := eval[[]string](m, `[...document.querySelectorAll("table.timeline tbody tr[data-event]")].map(e => e.dataset.event)`)
		var wantEvents []string
		for _, e := range room.Events {
			wantEvents = append(wantEvents, fmt.Sprint(e.EventID))
		}
		if len(events) < 3 || !slices.Equal(events, wantEvents) {
			t.Fatalf("the room's timeline lists events %v, /rooms/{room} %v", events, wantEvents)
		}
		m.readable()
		m.shot("room", 1250)
		m.noConsoleErrors()
	})

	t.Run("a download is a workbook", func(t *testing.T) {
		m.t = t
		dir := t.TempDir()
		m.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
			return err
		}))
		download := func(click chromedp.Action[chromedp.Void]) *excelize.File {
			t.Helper()
			progress := chromedp.Events(m.ctx, browser.DownloadProgress)
			m.do(click)
			for ev, err := range progress {
				if err != nil {
					t.Fatal(err)
				}
				if ev.State == browser.DownloadProgressStateCanceled {
					t.Fatal("the download was cancelled")
				}
				if ev.State != browser.DownloadProgressStateCompleted {
					continue
				}
				f, err := excelize.OpenFile(filepath.Join(dir, ev.GUID))
				if err != nil {
					t.Fatalf("excelize cannot open the download: %v", err)
				}
				t.Cleanup(func() { f.Close() })
				return f
			}
			t.Fatal("no download")
			return nil
		}
		m.navigate(base + "/t/acme/trends?from=" + from + "&to=" + to + "&group_by=day")
		f := download(chromedp.Click(chromedp.CSS(`.downloads a[href*="format=xlsx"]`)))
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(rows) != 2+7 {
			t.Fatalf("the workbook of the trends has %d rows (%v), want a label row, a key row and 7 days", len(rows), err)
		}
		if !slices.Contains(rows[1], "sqi") || !slices.Contains(rows[0], "서비스 레벨 %") {
			t.Errorf("the workbook's header rows: %v / %v", rows[0], rows[1])
		}
		m.navigate(base + "/t/acme/downloads")
		m.shot("downloads", 800)
		f = download(chromedp.Click(chromedp.CSS(`form.card:first-of-type button`)))
		if sheets := f.GetSheetList(); len(sheets) < 5 || sheets[0] != "요약" {
			t.Errorf("the daily report's sheets: %v", sheets)
		}
		m.noConsoleErrors()
	})

	t.Run("data quality shows /rejects", func(t *testing.T) {
		m.t = t
		m.navigate(base + "/t/acme/quality")
		m.readable()
		var rej struct {
			Total int64 `json:"total"`
		}
		tFrom, tTo := today.AddDate(0, 0, -13).Format(metrics.DateLayout), today.Format(metrics.DateLayout)
		s.apiJSON(t, "reader", "/v1/tenants/acme/rejects?from="+tFrom+"&to="+tTo, &rej)
		got := eval[string](m, `document.getElementById("rejects-total").textContent`)
		if strings.ReplaceAll(got, ",", "") != fmt.Sprint(rej.Total) {
			t.Errorf("the Data quality page's total is %s, /rejects says %d", got, rej.Total)
		}
		m.shot("quality", 900)
		m.noConsoleErrors()
	})

	t.Run("a manager changes a weight, previews, saves, and the SQI changes", func(t *testing.T) {
		m.t = t
		pFrom, pTo := today.AddDate(0, 0, -30).Format(metrics.DateLayout), today.AddDate(0, 0, -1).Format(metrics.DateLayout)
		sqiOf := func() string {
			var b struct {
				Rows []map[string]json.RawMessage `json:"rows"`
			}
			s.apiJSON(t, "reader", "/v1/tenants/acme/sqi?from="+pFrom+"&to="+pTo, &b)
			return rawOf(b.Rows[0]["sqi"])
		}
		before := sqiOf()
		m.navigate(base + "/t/acme/settings")
		m.shot("settings", 1100)
		unlabelled := eval[[]string](m, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(e => !e.labels || e.labels.length === 0 || !e.labels[0].textContent.trim()).map(e => e.name)`)
		if len(unlabelled) > 0 {
			t.Errorf("settings fields without a label: %v", unlabelled)
		}
		m.readable()
		weight := eval[string](m, `document.querySelector('input[value="service_level"]').name.replace(".name", ".weight")`)
		m.do(chromedp.SetValue(chromedp.CSS(`input[name="`+weight+`"]`), "80"))
		m.submit(chromedp.Click(chromedp.ID("preview-button")))
		page := metricsOnPage(m)
		if page["preview.current"] != before {
			t.Errorf("the preview's current SQI is %s, /sqi says %s", page["preview.current"], before)
		}
		if page["preview.proposed"] == before || page["preview.proposed"] == "" {
			t.Fatalf("the preview's SQI under weight 80 is %q, the same as today's %s", page["preview.proposed"], before)
		}
		m.shot("settings-preview", 1000)
		m.submit(chromedp.Click(chromedp.ID("save-button")))
		if loc := m.location(); !strings.HasSuffix(loc, "/settings?saved=1") {
			t.Fatalf("after saving: %s", loc)
		}
		var cfg metrics.Config
		s.apiJSON(t, "manager", "/v1/tenants/acme/config", &cfg)
		if w := cfg.Components["service_level"].Weight; w != 80 {
			t.Errorf("the saved weight is %v, want 80", w)
		}
		if after := sqiOf(); after != page["preview.proposed"] {
			t.Errorf("after saving, /sqi's SQI is %s; the preview said %s (it was %s)", after, page["preview.proposed"], before)
		}
		m.noConsoleErrors()
	})

	link := s.link(t, "reader", own, 15*time.Minute)
	r := newTab(t, 1280, 900)
	t.Run("a reader signs in with a link, has no settings and sees no other tenant", func(t *testing.T) {
		r.t = t
		r.navigate(link)
		r.shot("link", 500)
		resp := r.submit(chromedp.Click(chromedp.ID("use-link")))
		if resp.Status != http.StatusOK || r.location() != "/t/acme/live" {
			t.Fatalf("the link led to %d %s", resp.Status, r.location())
		}
		if n := eval[int](r, `document.querySelectorAll('nav a[href$="/settings"]').length`); n != 0 {
			t.Error("a reader's navigation links to the settings")
		}
		r.expect(base + "/t/acme/settings")
		if resp := r.navigate(base + "/t/acme/settings"); resp.Status != http.StatusForbidden {
			t.Errorf("a reader's settings: %d, want 403", resp.Status)
		}
		for _, p := range []string{"/t/globex/live", "/t/globex/trends", "/t/nobody/live"} {
			r.expect(base + p)
			if resp := r.navigate(base + p); resp.Status != http.StatusNotFound {
				t.Errorf("%s for a reader of acme: %d, want 404", p, resp.Status)
			}
		}
		r.shot("error-404", 450)
		// The link was spent.
		again := newTab(t, 1280, 900)
		again.navigate(link)
		again.expect(base + "/signin/link")
		if resp := again.submit(chromedp.Click(chromedp.ID("use-link"))); resp.Status != http.StatusUnauthorized {
			t.Errorf("a used link: %d, want 401", resp.Status)
		}
		again.noConsoleErrors()
		r.noConsoleErrors()
	})

	t.Run("keyboard: the skip link comes first and leads to the page", func(t *testing.T) {
		r.t = t
		r.navigate(base + "/t/acme/trends")
		r.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
				if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: "Tab", Code: "Tab", WindowsVirtualKeyCode: 9}); err != nil {
					return err
				}
			}
			return nil
		}))
		if cls := eval[string](r, `document.activeElement.className`); cls != "skip" {
			t.Errorf("the first Tab focuses %q, want the skip link", cls)
		}
		unlabelled := eval[[]string](r, `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")].filter(e => !e.labels || e.labels.length === 0).map(e => e.name)`)
		if len(unlabelled) > 0 {
			t.Errorf("fields without a label: %v", unlabelled)
		}
	})

	t.Run("sign-out ends the session", func(t *testing.T) {
		r.t = t
		r.navigate(base + "/t/acme/live")
		var session string
		for _, c := range r.cookies() {
			if c.Name == "sqi_session" {
				session = c.Value
			}
		}
		if session == "" {
			t.Fatal("no session cookie")
		}
		r.submit(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
		if loc := r.location(); loc != "/signin?ended=out" {
			t.Fatalf("after sign-out: %s", loc)
		}
		r.navigate(base + "/t/acme/live")
		if loc := r.location(); !strings.HasPrefix(loc, "/signin") {
			t.Errorf("after sign-out, Live went to %s", loc)
		}
		// The old cookie is worth nothing: the session is deleted.
		req, _ := http.NewRequest(http.MethodGet, base+"/t/acme/live", nil)
		req.AddCookie(&http.Cookie{Name: "sqi_session", Value: session})
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("the signed-out session's cookie: %d to %s, want a redirect to /signin", resp.StatusCode, resp.Header.Get("Location"))
		}
		r.noConsoleErrors()
	})

	t.Run("English", func(t *testing.T) {
		m.t = t
		m.navigate(base + "/t/acme/trends?from=" + from + "&to=" + to + "&group_by=day&lang=en")
		if lang := eval[string](m, `document.documentElement.lang`); lang != "en" {
			t.Errorf("?lang=en: the page's lang is %q", lang)
		}
		if h := eval[string](m, `document.querySelector("h1").textContent`); h != "Trends" {
			t.Errorf("?lang=en: the title is %q", h)
		}
		m.shot("trends-en", 1150)
		m.navigate(base + "/t/acme/live?lang=ko")
		m.noConsoleErrors()
	})
}

func atof(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}

func ptr[T any](v T) *T { return &v }

// cookies are the tab's cookies for the site.
func (b *tab) cookies() []*network.Cookie {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, _ *chromedp.Target) ([]*network.Cookie, error) {
		r, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		if err != nil {
			return nil, err
		}
		return r.Cookies, nil
	}))
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}
