package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sqi/api"
	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/query"
	"sqi/schedule"
	"sqi/store"
)

func TestReadyz(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *api.Config) { c.ReadyMaxETLLag = time.Minute })
	run, found, err := f.db.LastETLRun(t.Context())
	if err != nil || !found {
		t.Fatalf("last run: %v %v", found, err)
	}
	tests := []struct {
		name       string
		now        time.Time
		maxLag     time.Duration
		want       int
		wantReason string
	}{
		{name: "fresh", now: run.FinishedAt.Add(30 * time.Second), maxLag: time.Minute, want: 200},
		{name: "late", now: run.FinishedAt.Add(2 * time.Minute), maxLag: time.Minute, want: 503, wantReason: "more than READY_MAX_ETL_LAG 1m0s"},
		{name: "not checked", now: run.FinishedAt.Add(time.Hour), maxLag: 0, want: 200},
	}
	for _, tt := range tests {
		f.clock.set(tt.now)
		h := f.server(t, func(c *api.Config) { c.ReadyMaxETLLag = tt.maxLag }).Handler()
		w := serve(t, h, request{path: "/readyz"})
		var r api.Readiness
		decodeInto(t, w.Body.Bytes(), &r)
		if w.Code != tt.want || !strings.Contains(r.Reason, tt.wantReason) || r.ETLLagSeconds == nil {
			t.Errorf("%s: status %d, %+v", tt.name, w.Code, r)
		}
	}

	// Before the first ETL run.
	srv, err := api.New(api.Deps{Store: pgtest.New(t)}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	w := serve(t, srv.Handler(), request{path: "/readyz"})
	if w.Code != 503 || !strings.Contains(w.Body.String(), "no ETL run") {
		t.Errorf("no run: status %d: %s", w.Code, w.Body)
	}
	if w := serve(t, srv.Handler(), request{path: "/healthz"}); w.Code != 200 {
		t.Errorf("healthz: %d", w.Code)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The ETL's metrics live beside the scheduler; sqi serve registers
	// them with the API's /metrics.
	m := schedule.NewMetrics(f.db, nil)
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv, err := api.New(api.Deps{Store: f.db, Collectors: []prometheus.Collector{m}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	serve(t, h, request{path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]})
	serve(t, h, request{path: "/v1/tenants/acme/sqi?from=x", key: f.keys[pReader]})
	serve(t, h, request{path: "/nowhere"})
	m.ObserveETL(etl.Result{EventsRead: 42, RoomsRecomputed: 7, Seconds: 0.3}, nil)
	m.ObserveETL(etl.Result{}, etl.ErrBusy)
	m.ObserveETL(etl.Result{}, errors.New("boom"))
	m.ObserveReconcile(etl.ReconcileResult{Missing: 3, Changed: 2}, nil)
	w := serve(t, h, request{path: "/metrics"})
	body := w.Body.String()
	for _, want := range []string{
		`sqi_http_requests_total{code="200",method="GET",route="/v1/tenants/:tenant/sqi"} 1`,
		`sqi_http_requests_total{code="400",method="GET",route="/v1/tenants/:tenant/sqi"} 1`,
		`sqi_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`sqi_http_request_duration_seconds_count{method="GET",route="/v1/tenants/:tenant/sqi"} 2`,
		`sqi_etl_runs_total{result="ok"} 1`,
		`sqi_etl_runs_total{result="busy"} 1`,
		`sqi_etl_runs_total{result="error"} 1`,
		`sqi_etl_total{what="events_read"} 42`,
		`sqi_etl_run_duration_seconds_count 1`,
		`sqi_etl_lag_seconds `,
		`sqi_etl_last_run_finished_timestamp_seconds `,
		`sqi_reconcile_runs_total{result="ok"} 1`,
		`sqi_reconcile_rooms_repaired_total 5`,
		`sqi_db_pool_max_connections `,
		`sqi_db_pool_acquires_total `,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "acme") {
		t.Error("/metrics names a tenant: labels must be route templates")
	}
}

// TestTimeout checks that a request that outlives RequestTimeout is cut
// with a 503 problem.
func TestTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	slow := func(ctx context.Context, cfg *metrics.Config, q query.Query) (*query.Result, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	cfg := api.DefaultConfig()
	cfg.RequestTimeout = 50 * time.Millisecond
	srv, err := api.New(api.Deps{Store: f.db, Stats: slow}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	w := serve(t, srv.Handler(), request{path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]})
	if w.Code != http.StatusServiceUnavailable || time.Since(start) > 5*time.Second {
		t.Fatalf("status %d after %s", w.Code, time.Since(start))
	}
	if p := problemOf(t, w); p.Type != "urn:sqi:problem:timeout" || !strings.Contains(p.Detail, "50ms") {
		t.Errorf("problem %+v", p)
	}
}

func TestReports(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := f.do(t, request{path: "/v1/tenants/acme/reports/daily/2025-03-08", key: f.keys[pReader]})
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(w.Header().Get("Content-Disposition"), `filename="acme_daily_2025-03-08.xlsx"`) {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	// The names of sqi report and of the e-mail's attachment (reports.Period.FileName).
	for path, name := range map[string]string{
		"/v1/tenants/acme/reports/weekly/2025-03-03": "acme_weekly_2025-03-03.xlsx",
		"/v1/tenants/acme/reports/monthly/2025-03":   "acme_monthly_2025-03.xlsx",
	} {
		if w := f.do(t, request{path: path, key: f.keys[pReader]}); w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), `filename="`+name+`"`) {
			t.Errorf("%s: status %d, Content-Disposition %q, want %s", path, w.Code, w.Header().Get("Content-Disposition"), name)
		}
	}
	strs := bodyStrings(t, "xlsx", w.Body.Bytes())
	if strings.Join(strs, ",") != "acme,2025-03-08,daily" {
		t.Errorf("workbook cells %v", strs)
	}

	// A server without reports answers 503, after the tenant checks.
	srv, err := api.New(api.Deps{Store: f.db, Log: testLog(t)}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	w = serve(t, srv.Handler(), request{path: "/v1/tenants/acme/reports/daily/2025-03-08", key: f.keys[pReader]})
	if p := problemOf(t, w); w.Code != 503 || p.Type != "urn:sqi:problem:reports-unavailable" {
		t.Errorf("no reports: status %d, %+v", w.Code, p)
	}
	w = serve(t, srv.Handler(), request{path: "/v1/tenants/globex/reports/daily/2025-03-08", key: f.keys[pReader]})
	if w.Code != 404 {
		t.Errorf("no reports, other tenant: status %d", w.Code)
	}

	// A report that fails for a missing tenant is a 404, other failures 500.
	for _, tt := range []struct {
		err  error
		want int
	}{{store.ErrNotFound, 404}, {fmt.Errorf("%w %q", store.ErrNotFound, "acme"), 404}, {errors.New("disk full"), 500}} {
		srv, _ := api.New(api.Deps{Store: f.db, Reports: failingReports{tt.err}}, api.DefaultConfig())
		w := serve(t, srv.Handler(), request{path: "/v1/tenants/acme/reports/daily/2025-03-08", key: f.keys[pReader]})
		if w.Code != tt.want {
			t.Errorf("report error %v: status %d, want %d", tt.err, w.Code, tt.want)
		}
		problemOf(t, w)
	}
}

type failingReports struct{ err error }

func (r failingReports) WriteDaily(context.Context, string, time.Time, io.Writer) error {
	return r.err
}
