package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// fuzzRoutes are the routes FuzzQueryParams sends its input to; {t} is the
// fuzzed tenant, {d} the fuzzed path segment.
var fuzzRoutes = []string{
	"/v1/tenants/{t}/sqi",
	"/v1/tenants/{t}/rooms",
	"/v1/tenants/{t}/rejects",
	"/v1/tenants/{t}/config",
	"/v1/tenants/{t}/reports/daily/{d}",
	"/v1/tenants",
}

// FuzzQueryParams sends arbitrary query strings, tenants and path
// segments to every route, with an admin key (every tenant is visible)
// or acme's reader key: no input may produce a 5xx, and every error is a
// problem document. The seed corpus is testdata/fuzz/FuzzQueryParams, run
// by every `go test`; `go test -fuzz FuzzQueryParams ./api/` explores.
func FuzzQueryParams(f *testing.F) {
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, route uint8, tenant, segment, rawQuery string) {
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path = replace(path, "{t}", tenant)
		path = replace(path, "{d}", segment)
		key := fx.keys[pAdmin]
		if route&0x80 != 0 {
			key = fx.keys[pReader]
		}
		req := httptest.NewRequest(http.MethodGet, "http://sqi.test/", nil)
		req.URL.Path = path
		req.URL.RawPath = ""
		req.URL.RawQuery = rawQuery
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %q ? %q: status %d: %s", path, rawQuery, w.Code, w.Body)
		}
		if w.Code >= 400 {
			problemOf(t, w)
		}
	})
}

func replace(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// drillRoutes are the routes of issue 13 that FuzzDrillDown exercises.
var drillRoutes = []string{
	"/v1/tenants/acme/rooms",
	"/v1/tenants/acme/rooms/{d}",
	"/v1/tenants/acme/sqi",
	"/v1/tenants/acme/reports/weekly/{d}",
	"/v1/tenants/acme/reports/monthly/{d}",
}

// FuzzDrillDown sends arbitrary filters, shapes, comparisons, languages,
// room ids and report dates, by GET and HEAD, with acme's reader key: no
// input may produce a 5xx, and every error is a problem document. Seeds:
// testdata/fuzz/FuzzDrillDown.
func FuzzDrillDown(f *testing.F) {
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, route uint8, segment, rawQuery string) {
		path := replace(drillRoutes[int(route)%len(drillRoutes)], "{d}", segment)
		method := http.MethodGet
		if route&0x80 != 0 {
			method = http.MethodHead
		}
		req := httptest.NewRequest(method, "http://sqi.test/", nil)
		req.URL.Path = path
		req.URL.RawPath = ""
		req.URL.RawQuery = rawQuery
		req.Header.Set("Authorization", "Bearer "+fx.keys[pReader])
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q ? %q: status %d: %s", method, path, rawQuery, w.Code, w.Body)
		}
		if w.Code >= 400 && method == http.MethodGet {
			problemOf(t, w)
		}
	})
}
