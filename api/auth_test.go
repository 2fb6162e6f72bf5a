package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sqi/api"
	"sqi/internal/pgtest"
)

func TestNewKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, role, tenant string
		wantErr            string
	}{
		{name: "reader", role: api.RoleReader, tenant: "acme"},
		{name: "admin", role: api.RoleAdmin},
		{name: "reader without tenant", role: api.RoleReader, wantErr: "needs a tenant"},
		{name: "admin with tenant", role: api.RoleAdmin, tenant: "acme", wantErr: "takes no tenant"},
		{name: "unknown role", role: "owner", tenant: "acme", wantErr: `role "owner"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, k, err := api.NewKey(tt.role, tt.tenant, "label", time.Now())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(key, "sqi_"+k.ID+"_") || len(k.SecretSHA256) != 32 || k.TenantID != tt.tenant || k.Role != tt.role {
				t.Errorf("key %q, stored %+v", key, k)
			}
			if strings.Contains(key, string(k.SecretSHA256)) {
				t.Error("the stored hash is in the key")
			}
			key2, _, _ := api.NewKey(tt.role, tt.tenant, "label", time.Now())
			if key2 == key {
				t.Error("two keys are equal")
			}
		})
	}
}

// TestAuthentication checks the ways a key can be wrong: all 401, with
// the same detail, so that a caller learns nothing about other keys.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	good := f.keys[pReader]
	tampered := good[:len(good)-2] + "AA"
	if tampered == good {
		tampered = good[:len(good)-2] + "BB"
	}
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{name: "good", header: "Bearer " + good, want: 200},
		{name: "scheme in lower case", header: "bearer " + good, want: 200},
		{name: "none", header: "", want: 401},
		{name: "basic", header: "Basic " + good, want: 401},
		{name: "no scheme", header: good, want: 401},
		{name: "empty bearer", header: "Bearer ", want: 401},
		{name: "wrong secret", header: "Bearer " + tampered, want: 401},
		{name: "unknown id", header: "Bearer " + f.keys[pBad], want: 401},
		{name: "revoked", header: "Bearer " + f.keys[pRevoked], want: 401},
		{name: "garbage", header: "Bearer sqi_\x00\xff_zz", want: 401},
	}
	// An id of digits only has no upper case; the case is then moot.
	if upper := "sqi_" + strings.ToUpper(good[4:16]) + good[16:]; upper != good {
		tests = append(tests, struct {
			name   string
			header string
			want   int
		}{name: "upper-case id", header: "Bearer " + upper, want: 401})
	}
	var details []string
	for _, tt := range tests {
		w := f.do(t, request{path: "/v1/tenants", header: map[string]string{"Authorization": tt.header}})
		if w.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.want)
			continue
		}
		if tt.want == 401 {
			p := problemOf(t, w)
			if tt.name != "none" {
				details = append(details, p.Detail)
			}
			if !strings.Contains(p.Detail, "Authorization") {
				t.Errorf("%s: detail %q does not say where the key goes", tt.name, p.Detail)
			}
		}
	}
	for _, d := range details[1:] {
		if d != details[0] {
			t.Errorf("bad keys get different answers: %q and %q", d, details[0])
		}
	}
}

// TestRateLimit checks 429 with Retry-After once a key has used its
// burst, per key, and the recovery when time passes.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.server(t, func(c *api.Config) { c.RateLimit = 1; c.RateBurst = 3 }).Handler()
	get := func(key string) *http.Response {
		return serve(t, h, request{path: "/v1/tenants", key: key}).Result()
	}
	for i := range 3 {
		if r := get(f.keys[pReader]); r.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i, r.StatusCode)
		}
	}
	r := get(f.keys[pReader])
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("4th request: status %d, Retry-After %q; want 429, 1", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := get(f.keys[pAdmin]); r.StatusCode != 200 {
		t.Errorf("another key: status %d", r.StatusCode)
	}
	f.clock.set(f.clock.now().Add(1100 * time.Millisecond))
	if r := get(f.keys[pReader]); r.StatusCode != 200 {
		t.Errorf("a second later: status %d", r.StatusCode)
	}
}

// TestDatabaseDown: with the database away, every route that needs it
// answers 503 problem JSON with Retry-After (never 500), whatever the
// key; /readyz says why; the routes that need no database still answer.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	srv, err := api.New(api.Deps{Store: unreachableDB(t)}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	key, _, _ := api.NewKey(api.RoleAdmin, "", "", time.Now())
	json := map[string]string{"Content-Type": "application/json"}
	for _, r := range []request{
		{path: "/v1/tenants", key: key},
		{path: "/v1/tenants/acme/sqi?from=2025-03-01&to=2025-03-02", key: key},
		{path: "/v1/tenants/acme/rooms?from=2025-03-01&to=2025-03-02&format=csv", key: key},
		{path: "/v1/tenants/acme/reports/daily/2025-03-01", key: key},
		{path: "/v1/tenants/acme/config", key: key},
		{method: http.MethodPut, path: "/v1/tenants/acme/config", key: key, body: `{}`, header: json},
		{path: "/v1/tenants/acme/rejects?from=2025-03-01&to=2025-03-02", key: key},
		{path: "/v1/feed-rejects", key: key},
	} {
		w := serve(t, srv.Handler(), r)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s: status %d, want 503: %s", r.method, r.path, w.Code, w.Body)
			continue
		}
		p := problemOf(t, w)
		if p.Type != "urn:sqi:problem:database-unavailable" || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: type %s, Retry-After %q", r.path, p.Type, w.Header().Get("Retry-After"))
		}
		if strings.Contains(p.Detail, "refused") || strings.Contains(p.Detail, "127.0.0.1") {
			t.Errorf("a 503 shows its cause to the caller: %q", p.Detail)
		}
	}
	w := serve(t, srv.Handler(), request{path: "/readyz"})
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "does not answer") {
		t.Errorf("readyz: status %d: %s", w.Code, w.Body)
	}
	for _, path := range []string{"/healthz", "/openapi.json", "/metrics"} {
		if w := serve(t, srv.Handler(), request{path: path}); w.Code != 200 {
			t.Errorf("%s: status %d with the database down", path, w.Code)
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	srv, err := api.New(api.Deps{Store: pgtest.New(t)}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, sent, want string }{
		{name: "kept", sent: "abc-123.x", want: "abc-123.x"},
		{name: "replaced when odd", sent: "a b\nc", want: ""},
		{name: "made when absent", sent: "", want: ""},
	}
	for _, tt := range tests {
		w := serve(t, srv.Handler(), request{path: "/healthz", header: map[string]string{"X-Request-ID": tt.sent}})
		got := w.Header().Get("X-Request-ID")
		if tt.want != "" && got != tt.want || tt.want == "" && (len(got) != 24 || got == tt.sent) {
			t.Errorf("%s: X-Request-ID %q", tt.name, got)
		}
	}
}
