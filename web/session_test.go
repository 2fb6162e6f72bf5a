package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"sqi/api"
	"sqi/web"
)

// sessions counts the stored sessions.
func (s *site) sessions(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM web_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// weight is the stored weight of a component of acme.
func (s *site) weight(t *testing.T, comp string) float64 {
	t.Helper()
	tn, err := s.db.Tenant(context.Background(), own)
	if err != nil {
		t.Fatal(err)
	}
	return tn.Config.Components[comp].Weight
}

// Every write of a session needs the session's token in its form, and
// none comes from another site; the sign-in forms need theirs.
func TestCSRF(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20})
	c := s.client(t)
	csrf := c.signIn(s.keys["manager"])
	other := s.client(t)
	otherCSRF := other.signIn(s.keys["manager"])
	if otherCSRF == csrf {
		t.Fatal("two sessions share a CSRF token")
	}
	save := url.Values{"action": {"save"}, "name": {"x"}}
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		header []string
	}{
		{"sign-out without a token", "/signout", url.Values{}, nil},
		{"sign-out with another session's token", "/signout", url.Values{"csrf": {otherCSRF}}, nil},
		{"sign-out from another site", "/signout", url.Values{"csrf": {csrf}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"settings without a token", "/t/acme/settings", save, nil},
		{"settings with a wrong token", "/t/acme/settings", func() url.Values { v := url.Values{"csrf": {"x" + csrf[1:]}}; return v }(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			resp, body := c.post(tc.path, tc.form, tc.header...)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "양식이 만료") {
				t.Errorf("%d, want 403 with the page that says why:\n%.500s", resp.StatusCode, body)
			}
		})
	}
	c.t = t
	if resp, _ := c.get("/t/acme/live"); resp.StatusCode != http.StatusOK {
		t.Errorf("after the refused forms, the session answers %d", resp.StatusCode)
	}
	if w := s.weight(t, "service_level"); w != 25 {
		t.Errorf("a refused form changed the configuration: weight %v", w)
	}

	// The sign-in form: its token is a cookie and a field (double submit).
	fresh := s.client(t)
	resp, _ := fresh.post("/signin", url.Values{"key": {s.keys["reader"]}})
	if resp.StatusCode != http.StatusForbidden || strings.Contains(resp.Header.Get("Set-Cookie"), "sqi_session") {
		t.Errorf("sign-in without the form's token: %d %q, want 403 and no session", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	_, page := fresh.get("/signin")
	resp, _ = fresh.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf") + "x"}, "key": {s.keys["reader"]}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with another token: %d, want 403", resp.StatusCode)
	}
	resp, _ = fresh.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf")}, "key": {s.keys["reader"]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the form's token: %d, want 303", resp.StatusCode)
	}

	n := s.sessions(t)
	resp, _ = c.post("/signout", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?ended=out" {
		t.Errorf("sign-out with the token: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := s.sessions(t); got != n-1 {
		t.Errorf("sign-out left %d sessions of %d", got, n)
	}
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

// A session ends after SessionIdle without a request, and SessionMax
// after its sign-in however busy; an ended session is deleted, and the
// sign-in page says why.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	s := newSite(t, siteOptions{roomsPerDay: 20, now: clk.now, webConfig: func(c *web.Config) {
		c.SessionIdle, c.SessionMax = time.Hour, 3*time.Hour
	}})
	t0 := clk.now()
	c := s.client(t)
	c.signIn(s.keys["reader"])
	visit := func(at time.Duration, want int) {
		t.Helper()
		clk.set(t0.Add(at))
		resp, _ := c.get("/t/acme/quality")
		if resp.StatusCode != want {
			t.Fatalf("at +%s: %d, want %d (Location %s)", at, resp.StatusCode, want, resp.Header.Get("Location"))
		}
		if want == http.StatusSeeOther && !strings.Contains(resp.Header.Get("Location"), "ended=expired") {
			t.Fatalf("at +%s: to %s, want the sign-in page saying the session expired", at, resp.Header.Get("Location"))
		}
	}
	visit(50*time.Minute, http.StatusOK)
	visit(105*time.Minute, http.StatusOK) // idle 55 minutes
	visit(170*time.Minute, http.StatusSeeOther)
	if n := s.sessions(t); n != 0 {
		t.Errorf("%d sessions after the idle one ended", n)
	}
	_, page := c.get("/signin?ended=expired")
	if !strings.Contains(page, "세션이 만료되었습니다") {
		t.Error("the sign-in page does not say that the session expired")
	}

	t0 = t0.Add(3 * time.Hour)
	clk.set(t0)
	c.signIn(s.keys["reader"])
	for _, at := range []time.Duration{50, 100, 150, 170} {
		visit(at*time.Minute, http.StatusOK)
	}
	visit(180*time.Minute, http.StatusSeeOther) // busy, but 3 hours old
}

// A session signed in with a key ends when the key is revoked.
func TestRevokedKeyEndsSession(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20})
	c := s.client(t)
	c.signIn(s.keys["reader"])
	if resp, _ := c.get("/t/acme/live"); resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	id := s.keys["reader"][len("sqi_") : len("sqi_")+12]
	if err := s.db.RevokeAPIKey(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, _ := c.get("/t/acme/live")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "ended=revoked") {
		t.Errorf("after the key was revoked: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := s.sessions(t); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

// Failed sign-ins, with a key or a link, spend the address's failures (the
// API's AUTH_FAIL_RATE): beyond them every attempt is 429, a good key and a
// good link included, and nothing is looked up or spent.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20, apiConfig: func(c *api.Config) {
		c.AuthFailRate, c.AuthFailBurst = rate.Limit(0.001), 3
	}})
	c := s.client(t)
	_, page := c.get("/signin")
	token := formValue(t, page, "csrf")
	bad, _, _ := api.NewKey(api.RoleAdmin, "", "", time.Now())
	for i := range 2 {
		resp, body := c.post("/signin", url.Values{"csrf": {token}, "key": {bad}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "API 키가 올바르지 않습니다") {
			t.Fatalf("bad key %d: %d", i, resp.StatusCode)
		}
	}
	_, linkPage := c.get("/signin/link?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	resp, body := c.post("/signin/link", url.Values{"csrf": {formValue(t, linkPage, "csrf")}, "token": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "유효하지 않습니다") {
		t.Fatalf("unknown link: %d", resp.StatusCode)
	}
	resp, body = c.post("/signin", url.Values{"csrf": {token}, "key": {s.keys["reader"]}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "로그인 실패가 너무 많습니다") {
		t.Errorf("a good key after 3 failures: %d, Retry-After %q; want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	link := s.link(t, api.RoleReader, own, time.Hour)
	u, _ := url.Parse(link)
	resp, _ = c.post("/signin/link", url.Values{"csrf": {formValue(t, linkPage, "csrf")}, "token": {u.Query().Get("token")}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a good link after 3 failures: %d, want 429", resp.StatusCode)
	}
	var unused int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_links WHERE used_at IS NULL`).Scan(&unused); err != nil || unused != 1 {
		t.Errorf("the refused link was spent: %d unused (%v)", unused, err)
	}
	if n := s.sessions(t); n != 0 {
		t.Errorf("%d sessions", n)
	}
}

// A link signs in once, within its time, as a session of its role; the
// session holds no key.
func TestLoginLinks(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20})
	use := func(c *client, link string) (*http.Response, string) {
		t.Helper()
		u, err := url.Parse(link)
		if err != nil || u.Path != "/signin/link" {
			t.Fatalf("link %q", link)
		}
		resp, page := c.get(u.RequestURI())
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Set-Cookie") != "" && strings.Contains(resp.Header.Get("Set-Cookie"), "sqi_session") {
			t.Fatalf("opening the link: %d, Referrer-Policy %q", resp.StatusCode, resp.Header.Get("Referrer-Policy"))
		}
		return c.post("/signin/link", url.Values{"csrf": {formValue(t, page, "csrf")}, "token": {u.Query().Get("token")}})
	}
	link := s.link(t, api.RoleManager, own, 15*time.Minute)
	c := s.client(t)
	resp, _ := use(c, link)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/acme/live" {
		t.Fatalf("a good link: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := c.get("/t/acme/settings"); resp.StatusCode != http.StatusOK {
		t.Errorf("a manager's link session: settings %d, want 200", resp.StatusCode)
	}
	if resp, _ := c.get("/t/globex/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a link session of acme: globex %d, want 404", resp.StatusCode)
	}
	var keyID *string
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT key_id FROM web_sessions`).Scan(&keyID); err != nil || keyID != nil {
		t.Errorf("the link's session has key_id %v (%v), want none", keyID, err)
	}
	if resp, _ := use(s.client(t), link); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the link used again: %d, want 401", resp.StatusCode)
	}
	token, stale, _ := web.NewLoginLink(api.RoleReader, own, time.Now().Add(-time.Hour), 15*time.Minute)
	if err := s.db.CreateLoginLink(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	if resp, _ := use(s.client(t), web.LinkURL(s.ts.URL, token)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an expired link: %d, want 401", resp.StatusCode)
	}
	if _, _, err := web.NewLoginLink(api.RoleAdmin, "", time.Now(), time.Minute); err == nil {
		t.Error("an admin link was made")
	}
}

// Cookies are Secure when the request came over TLS: through a trusted
// proxy that says X-Forwarded-Proto: https; a header from anyone else is
// not believed.
func TestSecureCookies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		proxies []string
		header  bool
		secure  bool
	}{
		{"plain HTTP", nil, false, false},
		{"a trusted proxy's https", []string{"127.0.0.1"}, true, true},
		{"a trusted network's https", []string{"127.0.0.0/8"}, true, true},
		{"an untrusted peer's https", []string{"10.0.0.0/8"}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{roomsPerDay: 5, webConfig: func(c *web.Config) { c.TrustedProxies = tc.proxies }})
			c := s.client(t)
			var h []string
			if tc.header {
				h = []string{"X-Forwarded-Proto", "https"}
			}
			resp, page := c.get("/signin", h...)
			// The form's cookie, sent by hand: a cookie jar keeps a
			// Secure cookie from an http:// address.
			var form string
			for _, ck := range resp.Cookies() {
				if ck.Name == "sqi_csrf" {
					form = ck.Value
					if ck.Secure != tc.secure {
						t.Errorf("the form's cookie: Secure %v, want %v", ck.Secure, tc.secure)
					}
				}
			}
			resp, _ = c.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf")}, "key": {s.keys["reader"]}}, append(h, "Cookie", "sqi_csrf="+form)...)
			ck := resp.Header.Get("Set-Cookie")
			if !strings.Contains(ck, "sqi_session=") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Strict") {
				t.Fatalf("session cookie %q", ck)
			}
			if got := strings.Contains(ck, "; Secure"); got != tc.secure {
				t.Errorf("Secure %v, want %v: %q", got, tc.secure, ck)
			}
		})
	}
}

// Without a session a page leads to the sign-in and back; a page opened
// from another site (no SameSite=Strict cookie) loads itself again.
func TestSignedOut(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 5})
	c := s.client(t)
	resp, _ := c.get("/t/acme/trends?from=2026-01-01&to=2026-01-07")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Ft%2Facme%2Ftrends%3Ffrom%3D2026-01-01%26to%3D2026-01-07" {
		t.Errorf("signed out: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := c.get("/t/acme/live", "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("from another site: %d\n%.300s", resp.StatusCode, body)
	}
	for _, p := range []string{"/t/acme/live/panel", "/t/acme/live/stream"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s signed out: %d, want 401", p, resp.StatusCode)
		}
	}
	// Back where it was going, once signed in.
	_, page := c.get("/signin?next=/t/acme/quality")
	resp, _ = c.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf")}, "key": {s.keys["reader"]}, "next": {"/t/acme/quality"}})
	if resp.Header.Get("Location") != "/t/acme/quality" {
		t.Errorf("after sign-in: to %s", resp.Header.Get("Location"))
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`} {
		cc := s.client(t)
		_, page = cc.get("/signin")
		resp, _ := cc.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf")}, "key": {s.keys["reader"]}, "next": {next}})
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.Contains(loc, "evil") {
			t.Errorf("next %q sent the browser to %q", next, loc)
		}
	}
}
