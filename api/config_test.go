package api_test

import (
	"net/http"
	"strings"
	"testing"

	"sqi/metrics"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	json := map[string]string{"Content-Type": "application/json"}

	// GET gives the defaults for a tenant only seen in the events.
	w := f.do(t, request{path: "/v1/tenants/acme/config", key: f.keys[pReader]})
	var got metrics.Config
	decodeInto(t, w.Body.Bytes(), &got)
	if w.Code != 200 || got.TenantID != "acme" || got.TimeZone != "Asia/Seoul" || len(got.Components) != 5 {
		t.Fatalf("status %d, %+v", w.Code, got)
	}

	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantErrors []string // each must be one of the problem's errors
	}{
		{
			name: "every problem at once",
			path: "/v1/tenants/acme/config",
			body: `{"timezone": "Mars/Olympus", "locale": "fr",
			  "components": {"a": {"metric": "wait_avg_s", "target": 10, "worst": 10, "weight": -1},
			                 "b": {"metric": "speed", "target": 1, "worst": 0, "weight": 0}},
			  "grades": [{"grade": "A", "min": 50}, {"grade": "B", "min": 80}]}`,
			wantStatus: 400,
			wantErrors: []string{
				`timezone "Mars/Olympus": use an IANA time zone`,
				`locale "fr": use ko or en`,
				`components.a.weight -1: use a number from 0 to 1000`,
				`components.a: target and worst are both 10`,
				`components.b.metric "speed": use one of rooms,`,
				`components: every weight is 0`,
				`grades[1].min 80: grades must be in descending order`,
			},
		},
		{
			// Each of these made /sqi answer +Inf or NaN (invalid JSON) before.
			name: "numbers that would make a score infinite",
			path: "/v1/tenants/acme/config",
			body: `{"sl_threshold_s": 1e308, "short_abandon_s": -1,
			  "components": {"a": {"metric": "wait_avg_s", "target": 1e300, "worst": -1e300, "weight": 1e308}},
			  "grades": [{"grade": "A", "min": 1e308}]}`,
			wantStatus: 400,
			wantErrors: []string{
				`sl_threshold_s 1e+308: use a number of seconds above 0, at most 86400`,
				`short_abandon_s -1: use a number of seconds from 0 to 86400`,
				`components.a.weight 1e+308: use a number from 0 to 1000`,
				`components.a.target 1e+300: use a number from -1e+09 to 1e+09`,
				`components.a.worst -1e+300: use a number from -1e+09 to 1e+09`,
				`components: every weight is 0`,
				`grades[0].min 1e+308: use a number from 0 to 100`,
			},
		},
		{name: "unknown field", path: "/v1/tenants/acme/config", body: `{"timezon": "UTC"}`, wantStatus: 400, wantErrors: []string{`unknown field "timezon"`}},
		{name: "not an object", path: "/v1/tenants/acme/config", body: `[1]`, wantStatus: 400, wantErrors: []string{"not a JSON object"}},
		{name: "another tenant's id", path: "/v1/tenants/acme/config", body: `{"tenant_id": "globex"}`, wantStatus: 400, wantErrors: []string{`tenant_id "\"globex\"" is not the tenant of the path "acme"`}},
		{name: "valid", path: "/v1/tenants/acme/config", body: `{"name": "Acme Corp", "timezone": "America/New_York", "locale": "en"}`, wantStatus: 200},
		{name: "new tenant", path: "/v1/tenants/initech/config", body: `{"tenant_id": "initech", "name": "Initech"}`, wantStatus: 201},
		{name: "bad tenant id in the path", path: "/v1/tenants/-bad/config", body: `{}`, wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, request{method: http.MethodPut, path: tt.path, body: tt.body, key: f.keys[pAdmin], header: json})
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if w.Code >= 400 {
				p := problemOf(t, w)
				for _, want := range tt.wantErrors {
					found := false
					for _, e := range p.Errors {
						found = found || strings.Contains(e, want)
					}
					if !found || !strings.Contains(p.Detail, want) {
						t.Errorf("no error %q in %q / %q", want, p.Errors, p.Detail)
					}
				}
				if len(tt.wantErrors) > 1 && len(p.Errors) != len(tt.wantErrors) {
					t.Errorf("%d errors, want %d: %q", len(p.Errors), len(tt.wantErrors), p.Errors)
				}
				return
			}
			decodeInto(t, w.Body.Bytes(), &got)
			r := f.do(t, request{path: tt.path, key: f.keys[pAdmin]})
			var stored metrics.Config
			decodeInto(t, r.Body.Bytes(), &stored)
			if stored.Name != got.Name || stored.TimeZone != got.TimeZone {
				t.Errorf("GET after PUT: %+v, PUT answered %+v", stored, got)
			}
		})
	}

	// The change applies to the next query: /sqi now answers in New York
	// time.
	w = f.do(t, request{path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]})
	if !strings.Contains(w.Body.String(), `"timezone":"America/New_York"`) {
		t.Errorf("sqi after the change: %.200s", w.Body)
	}
	// Readers of the new tenant do not exist; globex's reader still cannot
	// see it.
	if w := f.do(t, request{path: "/v1/tenants/initech/config", key: f.keys[pOtherReader]}); w.Code != 404 {
		t.Errorf("globex reader on initech: %d", w.Code)
	}
}
