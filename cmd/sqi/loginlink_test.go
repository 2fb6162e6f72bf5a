package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sqi/internal/pgtest"
)

// TestLoginLinkCommand: `sqi login-link` prints a link (PUBLIC_URL, or
// HTTP_ADDR's) that signs a browser in to the web app that `sqi serve`
// serves, once; bad input is a usage error naming what to change.
func TestLoginLinkCommand(t *testing.T) {
	t.Parallel()
	_, dbURL := pgtest.NewWithURL(t)
	addr := freeAddr(t)
	getenv := servedEnv(dbURL, map[string]string{"HTTP_ADDR": addr, "READY_MAX_ETL_LAG": "0"})
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"tenant", "put"}, strings.NewReader(`{"tenant_id": "acme", "name": "Acme"}`), &out, &errOut, getenv); code != 0 {
		t.Fatalf("tenant put: %s", errOut.String())
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no tenant", nil, nil, "--tenant is required"},
		{"unknown tenant", nil, []string{"--tenant", "nobody"}, `tenant "nobody" is neither configured nor seen`},
		{"admin", nil, []string{"--tenant", "acme", "--role", "admin"}, "--role \"admin\": use reader or manager"},
		{"ttl too long", nil, []string{"--tenant", "acme", "--ttl", "48h"}, "--ttl 48h0m0s: give a duration from 1s to 24h"},
		{"bad PUBLIC_URL", map[string]string{"PUBLIC_URL": "sqi.example.com"}, []string{"--tenant", "acme"}, "PUBLIC_URL \"sqi.example.com\""},
	} {
		env := map[string]string{"HTTP_ADDR": addr}
		for k, v := range tc.env {
			env[k] = v
		}
		code, _, errOut := runWith(t, t.Context(), servedEnv(dbURL, env), append([]string{"login-link"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", tc.name, code, errOut, tc.want)
		}
	}
	code, public, _ := runWith(t, t.Context(), servedEnv(dbURL, map[string]string{"PUBLIC_URL": "https://sqi.example.com/"}), "login-link", "--tenant", "acme")
	if code != 0 || !regexp.MustCompile(`^https://sqi\.example\.com/signin/link\?token=[A-Za-z0-9_-]{43}\n$`).MatchString(public) {
		t.Errorf("with PUBLIC_URL: exit %d, %q", code, public)
	}
	code, link, errOut2 := runWith(t, t.Context(), getenv, "login-link", "--tenant", "acme", "--role", "manager")
	link = strings.TrimSpace(link)
	if code != 0 || !strings.HasPrefix(link, "http://"+addr+"/signin/link?token=") || !strings.Contains(errOut2, "manager of tenant acme, valid once until") {
		t.Fatalf("login-link: exit %d, %q, stderr %q", code, link, errOut2)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard, getenv) }()
	waitUp(t, "http://"+addr+"/healthz", done)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get(link)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the link's page: %d\n%.500s", resp.StatusCode, page)
	}
	u, _ := url.Parse(link)
	post, err := c.PostForm("http://"+addr+"/signin/link", url.Values{"csrf": {m[1]}, "token": {u.Query().Get("token")}})
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusSeeOther || post.Header.Get("Location") != "/t/acme/live" {
		t.Fatalf("using the link: %d to %s", post.StatusCode, post.Header.Get("Location"))
	}
	if resp, _ := get("http://" + addr + "/"); resp.Header.Get("Location") != "/t/acme/live" {
		t.Errorf("/ signed in: to %s", resp.Header.Get("Location"))
	}
	resp, page = get("http://" + addr + "/t/acme/settings")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "SQI 구성 요소") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("a manager's settings through sqi serve: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// The web app's settings of `sqi serve` are checked at start.
func TestServeWebConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, want string }{
		{"WEB_SESSION_IDLE", "soon", "WEB_SESSION_IDLE \"soon\": give a duration of at least 1m0s"},
		{"WEB_SESSION_MAX", "10s", "WEB_SESSION_MAX \"10s\": give a duration of at least 1m0s"},
	} {
		_, err := loadServeConfig(func(k string) string {
			if k == tc.name {
				return tc.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want %q", tc.name, tc.value, err, tc.want)
		}
	}
	c, err := loadServeConfig(func(k string) string {
		return map[string]string{"WEB_SESSION_IDLE": "30m", "WEB_SESSION_MAX": "24h", "TRUSTED_PROXIES": "10.0.0.0/8"}[k]
	})
	if err != nil || c.Web.SessionIdle != 30*time.Minute || c.Web.SessionMax != 24*time.Hour || len(c.Web.TrustedProxies) != 1 {
		t.Errorf("web config %+v, %v", c.Web, err)
	}
}
