package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serverMetrics are the Prometheus metrics of GET /metrics, in a registry
// of the server's own (several servers in one test process do not clash):
// the HTTP requests, the process, the connection pool, and the
// collectors of Deps.Collectors (the ETL's, schedule.Metrics).
type serverMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	limited  *prometheus.CounterVec
	handler  http.Handler
}

func newServerMetrics(s *Server, extra []prometheus.Collector) (*serverMetrics, error) {
	m := &serverMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sqi_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request (streaming included), by method and route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"method", "route"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_http_limited_total",
			Help: "Requests refused by a limit: rate (per key), auth (failed authentications per address), concurrency (expensive requests per key), saturated (expensive requests in all).",
		}, []string{"limit"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&poolCollector{s: s})
	for _, c := range extra {
		if err := m.reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m, nil
}

func (m *serverMetrics) observeRequest(c *gin.Context, status int, d time.Duration) {
	route, method := routeLabel(c), methodLabel(c.Request.Method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// methodLabel keeps the method label to a few values: a client may send
// any method name.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

func (s *Server) metricsHandler(c *gin.Context) {
	s.metrics.handler.ServeHTTP(c.Writer, c.Request)
}

// poolCollector exports the pgxpool statistics.
type poolCollector struct{ s *Server }

var poolDescs = struct {
	acquired, idle, total, max, constructing         *prometheus.Desc
	acquires, acquireSecs, empty, canceled, newConns *prometheus.Desc
	lifetimeDestroyed, idleDestroyed                 *prometheus.Desc
}{
	acquired:          prometheus.NewDesc("sqi_db_pool_acquired_connections", "Connections in use.", nil, nil),
	idle:              prometheus.NewDesc("sqi_db_pool_idle_connections", "Idle connections.", nil, nil),
	total:             prometheus.NewDesc("sqi_db_pool_connections", "Connections open or being opened.", nil, nil),
	max:               prometheus.NewDesc("sqi_db_pool_max_connections", "Largest size of the pool.", nil, nil),
	constructing:      prometheus.NewDesc("sqi_db_pool_constructing_connections", "Connections being opened.", nil, nil),
	acquires:          prometheus.NewDesc("sqi_db_pool_acquires_total", "Successful connection acquisitions.", nil, nil),
	acquireSecs:       prometheus.NewDesc("sqi_db_pool_acquire_seconds_total", "Time spent acquiring connections.", nil, nil),
	empty:             prometheus.NewDesc("sqi_db_pool_empty_acquires_total", "Acquisitions that waited for a connection.", nil, nil),
	canceled:          prometheus.NewDesc("sqi_db_pool_canceled_acquires_total", "Acquisitions canceled by their context.", nil, nil),
	newConns:          prometheus.NewDesc("sqi_db_pool_new_connections_total", "Connections opened.", nil, nil),
	lifetimeDestroyed: prometheus.NewDesc("sqi_db_pool_max_lifetime_closed_total", "Connections closed for their age.", nil, nil),
	idleDestroyed:     prometheus.NewDesc("sqi_db_pool_max_idle_closed_total", "Connections closed for idleness.", nil, nil),
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	d := poolDescs
	for _, x := range []*prometheus.Desc{d.acquired, d.idle, d.total, d.max, d.constructing, d.acquires,
		d.acquireSecs, d.empty, d.canceled, d.newConns, d.lifetimeDestroyed, d.idleDestroyed} {
		ch <- x
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := p.s.store.PoolStat()
	if st == nil {
		return
	}
	d := poolDescs
	g := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v)
	}
	c := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v)
	}
	g(d.acquired, float64(st.AcquiredConns()))
	g(d.idle, float64(st.IdleConns()))
	g(d.total, float64(st.TotalConns()))
	g(d.max, float64(st.MaxConns()))
	g(d.constructing, float64(st.ConstructingConns()))
	c(d.acquires, float64(st.AcquireCount()))
	c(d.acquireSecs, st.AcquireDuration().Seconds())
	c(d.empty, float64(st.EmptyAcquireCount()))
	c(d.canceled, float64(st.CanceledAcquireCount()))
	c(d.newConns, float64(st.NewConnsCount()))
	c(d.lifetimeDestroyed, float64(st.MaxLifetimeDestroyCount()))
	c(d.idleDestroyed, float64(st.MaxIdleDestroyCount()))
}
