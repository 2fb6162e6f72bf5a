package schedule

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sqi/etl"
	"sqi/store"
)

// Metrics are the Prometheus metrics of the background work: what the
// ETL runs and reconciliations of this process did, and the lag of the
// last ETL run recorded by any replica, read at scrape time. `sqi serve`
// registers them with the API's /metrics (api.Deps.Collectors) and sets
// ObserveETL as etl.Runner.Observe.
type Metrics struct {
	db  *store.DB
	now func() time.Time

	etlRuns    *prometheus.CounterVec
	etlSecs    prometheus.Histogram
	etlCount   *prometheus.CounterVec
	reconciles *prometheus.CounterVec
	repaired   prometheus.Counter
}

// NewMetrics returns the metrics of the work on db; now is the clock of
// the lag (time.Now when nil).
func NewMetrics(db *store.DB, now func() time.Time) *Metrics {
	if now == nil {
		now = time.Now
	}
	return &Metrics{db: db, now: now,
		etlRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_etl_runs_total",
			Help: "ETL runs by result: ok, error, or busy (another run held the lock).",
		}, []string{"result"}),
		etlSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sqi_etl_run_duration_seconds",
			Help:    "Duration of successful ETL runs.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
		etlCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_etl_total",
			Help: "What successful ETL runs did: events read, rooms recomputed, rooms changed, rejects, feed rejects, blocks rebuilt.",
		}, []string{"what"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_reconcile_runs_total",
			Help: "Reconciliations by result: ok or error.",
		}, []string{"result"}),
		repaired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sqi_reconcile_rooms_repaired_total",
			Help: "Rooms that reconciliations found missing, changed or removed, and wrote.",
		}),
	}
}

// ObserveETL records an ETL run.
func (m *Metrics) ObserveETL(res etl.Result, err error) {
	switch {
	case errors.Is(err, etl.ErrBusy):
		m.etlRuns.WithLabelValues("busy").Inc()
	case err != nil:
		m.etlRuns.WithLabelValues("error").Inc()
	default:
		m.etlRuns.WithLabelValues("ok").Inc()
		m.etlSecs.Observe(res.Seconds)
		m.etlCount.WithLabelValues("events_read").Add(float64(res.EventsRead))
		m.etlCount.WithLabelValues("rooms_recomputed").Add(float64(res.RoomsRecomputed))
		m.etlCount.WithLabelValues("rooms_changed").Add(float64(res.RoomsChanged))
		m.etlCount.WithLabelValues("rejects").Add(float64(res.Rejects))
		m.etlCount.WithLabelValues("feed_rejects").Add(float64(res.FeedRejects))
		m.etlCount.WithLabelValues("blocks_rebuilt").Add(float64(res.BlocksRebuilt))
	}
}

// ObserveReconcile records a reconciliation.
func (m *Metrics) ObserveReconcile(res etl.ReconcileResult, err error) {
	if err != nil {
		m.reconciles.WithLabelValues("error").Inc()
		return
	}
	m.reconciles.WithLabelValues("ok").Inc()
	m.repaired.Add(float64(res.Repaired()))
}

var (
	descETLLag = prometheus.NewDesc("sqi_etl_lag_seconds",
		"Seconds since the last recorded ETL run finished (any replica).", nil, nil)
	descETLLast = prometheus.NewDesc("sqi_etl_last_run_finished_timestamp_seconds",
		"Unix time at which the last recorded ETL run finished.", nil, nil)
	descETLLastEvents = prometheus.NewDesc("sqi_etl_last_run_events_read",
		"Events read by the last recorded ETL run.", nil, nil)
)

// scrapeTimeout bounds the database read of a scrape.
const scrapeTimeout = 2 * time.Second

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.etlRuns.Describe(ch)
	m.etlSecs.Describe(ch)
	m.etlCount.Describe(ch)
	m.reconciles.Describe(ch)
	m.repaired.Describe(ch)
	ch <- descETLLag
	ch <- descETLLast
	ch <- descETLLastEvents
}

// Collect implements prometheus.Collector: the counters, and the last run
// read from the database, true even when the runs happen in another
// replica.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.etlRuns.Collect(ch)
	m.etlSecs.Collect(ch)
	m.etlCount.Collect(ch)
	m.reconciles.Collect(ch)
	m.repaired.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	run, found, err := m.db.LastETLRun(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descETLLag, err)
		return
	}
	if !found {
		return
	}
	ch <- prometheus.MustNewConstMetric(descETLLag, prometheus.GaugeValue, m.now().Sub(run.FinishedAt).Seconds())
	ch <- prometheus.MustNewConstMetric(descETLLast, prometheus.GaugeValue, float64(run.FinishedAt.UnixNano())/1e9)
	ch <- prometheus.MustNewConstMetric(descETLLastEvents, prometheus.GaugeValue, float64(run.EventsRead))
}
