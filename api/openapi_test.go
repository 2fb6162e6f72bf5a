package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"sqi/api"
	"sqi/internal/pgtest"
	"sqi/metrics"
)

func init() {
	// The binary formats: checked as opaque strings.
	for _, ct := range []string{"application/vnd.apache.arrow.stream", "application/vnd.apache.parquet",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/html", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// loadOpenAPI loads and validates the served document. kin-openapi
// v0.153.0 loads OpenAPI 3.1 and validates schemas with JSON Schema
// 2020-12 when asked (openapi3.EnableJSONSchema2020), which is how the
// responses are checked below: type arrays with "null", const,
// contentMediaType and examples are 3.1 features the document uses.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	return doc
}

var ginParam = regexp.MustCompile(`[:*]([a-z_]+)`)

// TestOpenAPIRoutes checks that every route served is documented and every
// documented operation is served.
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	srv, err := api.New(api.Deps{Store: pgtest.New(t)}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	for _, r := range srv.Routes() {
		served = append(served, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	if !slices.Equal(served, documented) {
		t.Errorf("routes differ\nserved:     %v\ndocumented: %v", served, documented)
	}
}

// TestOpenAPISchemas checks that the row schemas name every column: the
// metrics of the catalog for /sqi, the room columns for /rooms.
func TestOpenAPISchemas(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	row := doc.Components.Schemas["SQIRow"].Value
	for _, d := range metrics.Catalog {
		if row.Properties[d.Name] == nil || !slices.Contains(row.Required, d.Name) {
			t.Errorf("SQIRow lacks metric %s", d.Name)
		}
	}
	for _, k := range metrics.GroupKeys {
		if row.Properties[metrics.KeyColumn(k)] == nil {
			t.Errorf("SQIRow lacks group key %s", metrics.KeyColumn(k))
		}
	}
	room := doc.Components.Schemas["Room"].Value
	if len(room.Properties) != len(metrics.ExportFields) {
		t.Errorf("Room has %d properties, the export %d columns", len(room.Properties), len(metrics.ExportFields))
	}
	for _, c := range metrics.ExportFields {
		if room.Properties[c.Name] == nil {
			t.Errorf("Room lacks column %s", c.Name)
		}
	}
}

// TestOpenAPIResponses sends requests to every route, answered with every
// documented status that a test can provoke, and validates each response
// (status, headers, body against its schema) with openapi3filter. Every
// operation must have had a 2xx validated.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	limited := f.server(t, func(c *api.Config) { c.RateLimit = 0.001; c.RateBurst = 1 }).Handler()
	tinyBody := f.server(t, func(c *api.Config) { c.MaxBodyBytes = 16 }).Handler()

	r := "from=" + fixFrom + "&to=" + fixTo
	reader, admin, manager := f.keys[pReader], f.keys[pAdmin], f.keys[pManager]
	var room string
	if err := f.db.Pool.QueryRow(t.Context(), `SELECT room_id FROM room_facts WHERE tenant_id = 'acme' ORDER BY room_id LIMIT 1`).Scan(&room); err != nil {
		t.Fatal(err)
	}
	cfgDoc := `{"name": "Acme", "timezone": "Asia/Seoul", "components": {"wait": {"metric": "wait_avg_s", "target": 15, "worst": 120, "weight": 1}}}`
	cfgAlerts := `{"alerts": {"rules": [{"name": "sl", "metric": "service_level_pct", "window": "30m", "op": "<", "threshold": 70, "min_rooms": 5},
  {"name": "queue", "metric": "waiting", "op": ">=", "threshold": 10}], "emails": ["lead@acme.example"],
  "webhooks": [{"url": "https://hooks.example/T0/B0/xyz", "secret": "s3cret"}]}}`
	tests := []struct {
		name string
		h    http.Handler // nil: the fixture's server
		req  request
		want int
	}{
		{name: "healthz", req: request{path: "/healthz"}, want: 200},
		{name: "readyz", req: request{path: "/readyz"}, want: 200},
		{name: "metrics", req: request{path: "/metrics"}, want: 200},
		{name: "openapi", req: request{path: "/openapi.json"}, want: 200},
		{name: "tenants", req: request{path: "/v1/tenants", key: admin}, want: 200},
		{name: "tenants no key", req: request{path: "/v1/tenants"}, want: 401},
		{name: "tenants rate limited 1", h: limited, req: request{path: "/v1/tenants", key: admin}, want: 200},
		{name: "tenants rate limited 2", h: limited, req: request{path: "/v1/tenants", key: admin}, want: 429},
		{name: "sqi json", req: request{path: "/v1/tenants/acme/sqi?" + r, key: reader}, want: 200},
		{name: "sqi json grouped", req: request{path: "/v1/tenants/acme/sqi?group_by=hour,day,week,month,agent,team,channel,category&" + r, key: reader}, want: 200},
		{name: "sqi csv", req: request{path: "/v1/tenants/acme/sqi?format=csv&" + r, key: reader}, want: 200},
		{name: "sqi arrow", req: request{path: "/v1/tenants/acme/sqi?format=arrow&" + r, key: reader}, want: 200},
		{name: "sqi parquet", req: request{path: "/v1/tenants/acme/sqi?format=parquet&" + r, key: reader}, want: 200},
		{name: "sqi xlsx", req: request{path: "/v1/tenants/acme/sqi?format=xlsx&" + r, key: reader}, want: 200},
		{name: "sqi bad date", req: request{path: "/v1/tenants/acme/sqi?from=2025-02-30&to=2025-03-01", key: reader}, want: 400},
		{name: "sqi other tenant", req: request{path: "/v1/tenants/globex/sqi?" + r, key: reader}, want: 404},
		{name: "sqi bad key", req: request{path: "/v1/tenants/acme/sqi?" + r, key: f.keys[pBad]}, want: 401},
		{name: "sqi rate limited", h: limited, req: request{path: "/v1/tenants/acme/sqi?" + r, key: reader}, want: 200},
		{name: "rooms json", req: request{path: "/v1/tenants/acme/rooms?limit=5&" + r, key: reader}, want: 200},
		{name: "rooms json all", req: request{path: "/v1/tenants/acme/rooms?limit=10000&" + r, key: reader}, want: 200},
		{name: "rooms csv", req: request{path: "/v1/tenants/acme/rooms?format=csv&" + r, key: reader}, want: 200},
		{name: "rooms arrow", req: request{path: "/v1/tenants/acme/rooms?format=arrow&" + r, key: reader}, want: 200},
		{name: "rooms parquet", req: request{path: "/v1/tenants/acme/rooms?format=parquet&" + r, key: reader}, want: 200},
		{name: "rooms xlsx", req: request{path: "/v1/tenants/acme/rooms?format=xlsx&" + r, key: reader}, want: 200},
		{name: "rooms bad limit", req: request{path: "/v1/tenants/acme/rooms?limit=0&" + r, key: reader}, want: 400},
		{name: "report", req: request{path: "/v1/tenants/acme/reports/daily/" + fixFrom, key: reader}, want: 200},
		{name: "report bad date", req: request{path: "/v1/tenants/acme/reports/daily/yesterday", key: reader}, want: 400},
		{name: "report other tenant", req: request{path: "/v1/tenants/globex/reports/daily/" + fixFrom, key: reader}, want: 404},
		{name: "config", req: request{path: "/v1/tenants/acme/config", key: reader}, want: 200},
		{name: "config put", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: admin, body: cfgDoc}, want: 200},
		{name: "config put new", req: request{method: "PUT", path: "/v1/tenants/initech/config", key: admin, body: cfgDoc}, want: 201},
		{name: "config put bad", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: admin, body: `{"locale": "fr", "grades": []}`}, want: 400},
		{name: "config put reader", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: reader, body: cfgDoc}, want: 403},
		{name: "config put text", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: admin, body: cfgDoc, header: map[string]string{"Content-Type": "text/plain"}}, want: 415},
		{name: "config put large", h: tinyBody, req: request{method: "PUT", path: "/v1/tenants/acme/config", key: admin, body: cfgDoc}, want: 413},
		{name: "rejects", req: request{path: "/v1/tenants/acme/rejects?" + r, key: reader}, want: 200},
		{name: "rejects csv", req: request{path: "/v1/tenants/acme/rejects?format=csv&" + r, key: reader}, want: 200},
		{name: "rejects bad format", req: request{path: "/v1/tenants/acme/rejects?format=xlsx&" + r, key: reader}, want: 400},
		{name: "live", req: request{path: "/v1/tenants/acme/live", key: reader}, want: 200},
		{name: "live other tenant", req: request{path: "/v1/tenants/globex/live", key: reader}, want: 404},
		{name: "live bad parameter", req: request{path: "/v1/tenants/acme/live?from=2025-03-07", key: reader}, want: 400},
		{name: "config put alerts", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: admin, body: cfgAlerts}, want: 200},
		{name: "config with alerts", req: request{path: "/v1/tenants/acme/config", key: reader}, want: 200},
		{name: "alerts", req: request{path: "/v1/tenants/acme/alerts?limit=10", key: reader}, want: 200},
		{name: "alerts bad limit", req: request{path: "/v1/tenants/acme/alerts?limit=0", key: reader}, want: 400},
		{name: "alerts other tenant", req: request{path: "/v1/tenants/globex/alerts", key: reader}, want: 404},
		{name: "feed rejects", req: request{path: "/v1/feed-rejects", key: admin}, want: 200},
		{name: "feed rejects reader", req: request{path: "/v1/feed-rejects", key: reader}, want: 403},
		{name: "broken stored configuration", req: request{path: "/v1/tenants/broken/sqi?" + r, key: admin}, want: 409},
		{name: "broken in the list", req: request{path: "/v1/tenants", key: admin}, want: 200},
		{name: "sqi long", req: request{path: "/v1/tenants/acme/sqi?shape=long&group_by=day,agent&" + r, key: reader}, want: 200},
		{name: "sqi compare", req: request{path: "/v1/tenants/acme/sqi?compare=previous_period&group_by=day,in_hours&" + r, key: reader}, want: 200},
		{name: "sqi long compare", req: request{path: "/v1/tenants/acme/sqi?compare=previous_year&shape=long&group_by=week&" + r, key: reader}, want: 200},
		{name: "sqi csv bom lang", req: request{path: "/v1/tenants/acme/sqi?format=csv&bom=true&lang=ko&" + r, key: reader}, want: 200},
		{name: "sqi xlsx lang", req: request{path: "/v1/tenants/acme/sqi?format=xlsx&lang=en&compare=previous_period&" + r, key: reader}, want: 200},
		{name: "sqi parquet range", req: request{path: "/v1/tenants/acme/sqi?format=parquet&" + r, key: reader, header: map[string]string{"Range": "bytes=0-3"}}, want: 206},
		{name: "sqi parquet range outside", req: request{path: "/v1/tenants/acme/sqi?format=parquet&" + r, key: reader, header: map[string]string{"Range": "bytes=99999999-"}}, want: 416},
		{name: "sqi bad shape", req: request{path: "/v1/tenants/acme/sqi?shape=tall&" + r, key: reader}, want: 400},
		{name: "sqi head", req: request{method: "HEAD", path: "/v1/tenants/acme/sqi?format=csv&" + r, key: reader}, want: 200},
		{name: "sqi head json", req: request{method: "HEAD", path: "/v1/tenants/acme/sqi?" + r, key: reader}, want: 200},
		{name: "rooms head", req: request{method: "HEAD", path: "/v1/tenants/acme/rooms?format=parquet&" + r, key: reader}, want: 200},
		{name: "rooms filtered", req: request{path: "/v1/tenants/acme/rooms?outcome=answered&wait_gt=1.5&in_hours=true&channel=web&" + r, key: reader}, want: 200},
		{name: "rooms bad outcome", req: request{path: "/v1/tenants/acme/rooms?outcome=lost&" + r, key: reader}, want: 400},
		{name: "room", req: request{path: "/v1/tenants/acme/rooms/" + url.PathEscape(room), key: reader}, want: 200},
		{name: "room unknown", req: request{path: "/v1/tenants/acme/rooms/nosuch", key: reader}, want: 404},
		{name: "report head", req: request{method: "HEAD", path: "/v1/tenants/acme/reports/daily/" + fixFrom, key: reader}, want: 200},
		{name: "weekly report", req: request{path: "/v1/tenants/acme/reports/weekly/2025-03-03", key: reader}, want: 200},
		{name: "weekly report head", req: request{method: "HEAD", path: "/v1/tenants/acme/reports/weekly/2025-03-03", key: reader}, want: 200},
		{name: "weekly report not a monday", req: request{path: "/v1/tenants/acme/reports/weekly/2025-03-04", key: reader}, want: 400},
		{name: "monthly report", req: request{path: "/v1/tenants/acme/reports/monthly/2025-03", key: reader}, want: 200},
		{name: "monthly report head", req: request{method: "HEAD", path: "/v1/tenants/acme/reports/monthly/2025-03", key: reader}, want: 200},
		{name: "config put manager", req: request{method: "PUT", path: "/v1/tenants/acme/config", key: manager, body: cfgDoc}, want: 200},
		{name: "preview", req: request{method: "POST", path: "/v1/tenants/acme/config/preview?" + r, key: manager, body: cfgDoc}, want: 200},
		{name: "preview reader", req: request{method: "POST", path: "/v1/tenants/acme/config/preview?" + r, key: reader, body: cfgDoc}, want: 403},
		{name: "preview bad", req: request{method: "POST", path: "/v1/tenants/acme/config/preview?" + r, key: admin, body: `{"locale": "fr"}`}, want: 400},
		{name: "docs", req: request{path: "/docs"}, want: 200},
		{name: "docs asset", req: request{path: "/docs/swagger-ui.css"}, want: 200},
		{name: "docs no asset", req: request{path: "/docs/nosuch.js"}, want: 404},
		{name: "readyz late", req: request{path: "/readyz"}, want: 503},
	}
	ctx := context.Background()
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO tenants (tenant_id, config) VALUES ('broken', '{"tenant_id": "broken", "sl_threshold_s": -1}');
INSERT INTO feed_rejects (tenant_id, event_id, room_id, reason, occurred_at) VALUES ('bad tenant', 1, 'r', 'bad_tenant_id', now())`); err != nil {
		t.Fatal(err)
	}
	ok := map[string]bool{}
	for _, tt := range tests {
		if tt.name == "readyz late" {
			f.clock.set(time.Now().Add(time.Hour))
		}
		h := tt.h
		if h == nil {
			h = f.h
		}
		if (tt.req.method == "PUT" || tt.req.method == "POST") && tt.req.header == nil {
			tt.req.header = map[string]string{"Content-Type": "application/json"}
		}
		w := serve(t, h, tt.req)
		if w.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %.300s", tt.name, w.Code, tt.want, w.Body)
			continue
		}
		op := validateResponse(t, router, tt.req, w)
		if w.Code < 300 {
			ok[op] = true
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !ok[method+" "+path] {
				t.Errorf("no 2xx of %s %s was validated", method, path)
			}
		}
	}
}

// validateResponse validates the request and its response against the
// document and returns the operation ("GET /v1/tenants").
func validateResponse(t *testing.T, router routers.Router, r request, w *httptest.ResponseRecorder) string {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, "http://sqi.test"+r.path, strings.NewReader(r.body))
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", method, r.path, err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus:   true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()},
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if w.Code < 400 || w.Code == http.StatusTooManyRequests {
		// Requests answered 4xx are invalid on purpose.
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: request does not validate: %v", method, r.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: %d response does not validate: %v", method, r.path, w.Code, err)
	}
	if w.Header().Get("X-Request-ID") == "" {
		t.Errorf("%s %s: no X-Request-ID", method, r.path)
	}
	return route.Method + " " + route.Path
}
