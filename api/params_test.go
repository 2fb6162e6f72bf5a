package api_test

import (
	"net/http"
	"sqi/api"
	"strings"
	"testing"
)

// TestValidation checks the answer to bad input: 400 problem JSON whose
// param names the parameter and whose detail names it and what it
// accepts.
func TestValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantParam  string
		wantDetail []string // substrings of detail
	}{
		{name: "unknown group_by key", path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group_by=day,agnet",
			wantParam: "group_by", wantDetail: []string{`"agnet"`, "hour, day, week, month, agent, team, channel, category"}},
		{name: "group_by key twice", path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group_by=day,day",
			wantParam: "group_by", wantDetail: []string{`"day"`, "twice"}},
		{name: "bad from", path: "/v1/tenants/acme/sqi?from=2025-3-7&to=2025-03-09",
			wantParam: "from", wantDetail: []string{"from", "YYYY-MM-DD"}},
		{name: "impossible date", path: "/v1/tenants/acme/rooms?from=2025-02-29&to=2025-03-09",
			wantParam: "from", wantDetail: []string{"2025-02-29", "YYYY-MM-DD"}},
		{name: "missing to", path: "/v1/tenants/acme/sqi?from=2025-03-07",
			wantParam: "to", wantDetail: []string{"to is required", "YYYY-MM-DD"}},
		{name: "from after to", path: "/v1/tenants/acme/sqi?from=2025-03-09&to=2025-03-07",
			wantParam: "to", wantDetail: []string{"before", "from <= to"}},
		{name: "range over 400 days", path: "/v1/tenants/acme/rejects?from=2024-01-01&to=2025-02-04",
			wantParam: "to", wantDetail: []string{"401 days", "at most 400"}},
		{name: "range of 400 days", path: "/v1/tenants/acme/rejects?from=2024-01-01&to=2025-02-03", wantStatus: 200},
		{name: "unknown format", path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&format=pdf",
			wantParam: "format", wantDetail: []string{`"pdf"`, "json, csv, arrow, parquet, xlsx"}},
		{name: "rejects format", path: "/v1/tenants/acme/rejects?from=2025-03-07&to=2025-03-09&format=arrow",
			wantParam: "format", wantDetail: []string{`"arrow"`, "json, csv"}},
		{name: "unknown parameter", path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group-by=day",
			wantParam: "group-by", wantDetail: []string{`"group-by"`, "from, to, group_by, format, escape"}},
		{name: "parameter on a route that takes none", path: "/v1/tenants/acme/config?format=csv",
			wantParam: "format", wantDetail: []string{"no parameters"}},
		{name: "parameter twice", path: "/v1/tenants/acme/sqi?from=2025-03-07&from=2025-03-08&to=2025-03-09",
			wantParam: "from", wantDetail: []string{"2 times", "once"}},
		{name: "bad escape", path: "/v1/tenants/acme/sqi?from=%zz&to=2025-03-09",
			wantParam: "query", wantDetail: []string{"URL encoding"}},
		{name: "escape not a boolean", path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&format=csv&escape=no",
			wantParam: "escape", wantDetail: []string{`"no"`, "true", "false"}},
		{name: "escape without csv", path: "/v1/tenants/acme/rooms?from=2025-03-07&to=2025-03-09&format=xlsx&escape=false",
			wantParam: "escape", wantDetail: []string{"format=csv only"}},
		{name: "limit zero", path: "/v1/tenants/acme/rooms?from=2025-03-07&to=2025-03-09&limit=0",
			wantParam: "limit", wantDetail: []string{"1 to 10000"}},
		{name: "limit text", path: "/v1/tenants/acme/rooms?from=2025-03-07&to=2025-03-09&limit=all",
			wantParam: "limit", wantDetail: []string{`"all"`, "1 to 10000"}},
		{name: "bad cursor", path: "/v1/tenants/acme/rooms?from=2025-03-07&to=2025-03-09&cursor=abc",
			wantParam: "cursor", wantDetail: []string{"next_cursor"}},
		{name: "cursor of another range", path: "/v1/tenants/acme/rooms?from=2025-03-08&to=2025-03-09&cursor=MXwwfHg",
			wantParam: "cursor", wantDetail: []string{"same from, to, hours and filters"}},
		{name: "cursor with csv", path: "/v1/tenants/acme/rooms?from=2025-03-07&to=2025-03-09&format=csv&cursor=x",
			wantParam: "cursor", wantDetail: []string{"format=json only"}},
		{name: "report date", path: "/v1/tenants/acme/reports/daily/2025-13-01",
			wantParam: "date", wantDetail: []string{`"2025-13-01"`, "YYYY-MM-DD"}},
		{name: "no route", path: "/v1/tenant/acme/sqi", wantStatus: 404, wantDetail: []string{"/openapi.json"}},
		{name: "trailing slash", path: "/v1/tenants/", wantStatus: 404, wantDetail: []string{"no route"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.wantStatus
			if want == 0 {
				want = http.StatusBadRequest
			}
			w := f.do(t, request{path: tt.path, key: f.keys[pReader]})
			if w.Code != want {
				t.Fatalf("status %d, want %d: %s", w.Code, want, w.Body)
			}
			if want == http.StatusOK {
				return
			}
			p := problemOf(t, w)
			if p.Param != tt.wantParam {
				t.Errorf("param %q, want %q", p.Param, tt.wantParam)
			}
			if tt.wantParam != "" && !strings.Contains(p.Detail, tt.wantParam) {
				t.Errorf("detail %q does not name %s", p.Detail, tt.wantParam)
			}
			for _, s := range tt.wantDetail {
				if !strings.Contains(p.Detail, s) {
					t.Errorf("detail %q lacks %q", p.Detail, s)
				}
			}
			if want == http.StatusBadRequest && p.Type != "urn:sqi:problem:invalid-parameter" {
				t.Errorf("type %q", p.Type)
			}
		})
	}
	// A wrong method is 405 problem JSON.
	w := f.do(t, request{method: http.MethodDelete, path: "/v1/tenants/acme/config", key: f.keys[pAdmin]})
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE config: status %d", w.Code)
	}
	problemOf(t, w)
}

// TestTooManyRows: an answer of more rows than MAX_ROWS is refused with
// 422 and a detail that says what to narrow, before it takes memory.
func TestTooManyRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *api.Config) { c.MaxRows = 5 })
	w := f.do(t, request{path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group_by=hour,agent", key: f.keys[pReader]})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", w.Code, w.Body)
	}
	p := problemOf(t, w)
	if p.Type != "urn:sqi:problem:too-many-rows" || !strings.Contains(p.Detail, "more than 5 rows") || !strings.Contains(p.Detail, "shorter range") {
		t.Errorf("problem %+v", p)
	}
	if w := f.do(t, request{path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group_by=day", key: f.keys[pReader]}); w.Code != http.StatusOK {
		t.Errorf("3 rows under a bound of 5: status %d", w.Code)
	}
}
