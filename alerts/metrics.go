package alerts

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// FiringCounter counts the rules firing now over every tenant; *store.DB
// is one.
type FiringCounter interface {
	CountFiringAlerts(ctx context.Context) (int64, error)
}

// Metrics are the Prometheus metrics of the alerts: evaluations and
// notifications of this process, delivery outcomes by channel, and the
// rules firing now (read from the database at scrape time, true whatever
// replica evaluated them). Labels take a few fixed values only: no
// tenant, rule or destination.
type Metrics struct {
	db          FiringCounter
	evaluations *prometheus.CounterVec
	notifs      *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
	seconds     *prometheus.HistogramVec
}

// NewMetrics returns the metrics; db may be nil (no firing gauge).
func NewMetrics(db FiringCounter) *Metrics {
	return &Metrics{db: db,
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_alert_evaluations_total",
			Help: "Evaluations of a tenant's alert rules by result: ok, skipped (another replica evaluated the run), error.",
		}, []string{"result"}),
		notifs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_alert_notifications_total",
			Help: "Changes of state of alert rules notified, by state: firing or resolved.",
		}, []string{"state"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqi_alert_deliveries_total",
			Help: "Attempts to deliver a notification by channel (email, webhook) and outcome: sent, retry, failed.",
		}, []string{"channel", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sqi_alert_delivery_seconds",
			Help:    "Duration of delivery attempts by channel.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
	}
}

func (m *Metrics) evaluation(result string) {
	if m != nil {
		m.evaluations.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) notified(state string) {
	if m != nil {
		m.notifs.WithLabelValues(state).Inc()
	}
}

func (m *Metrics) delivered(channel, result string, d time.Duration) {
	if m != nil {
		m.deliveries.WithLabelValues(channel, result).Inc()
		m.seconds.WithLabelValues(channel).Observe(d.Seconds())
	}
}

var descFiring = prometheus.NewDesc("sqi_alerts_firing", "Alert rules firing now, over every tenant.", nil, nil)

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.evaluations.Describe(ch)
	m.notifs.Describe(ch)
	m.deliveries.Describe(ch)
	m.seconds.Describe(ch)
	ch <- descFiring
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.evaluations.Collect(ch)
	m.notifs.Collect(ch)
	m.deliveries.Collect(ch)
	m.seconds.Collect(ch)
	if m.db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := m.db.CountFiringAlerts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descFiring, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descFiring, prometheus.GaugeValue, float64(n))
}
