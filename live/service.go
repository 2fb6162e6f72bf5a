package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"sqi/metrics"
	"sqi/store"
)

// ErrNoRun is returned before the first ETL run: there is no data yet.
var ErrNoRun = errors.New("no ETL run has finished yet")

// Alerts is what the service calls for the alert rules (alerts.Evaluator
// is one): Windows says which windows to compute for a tenant on a run
// when this replica is to evaluate its rules (nil when it is not: no
// rules, or the run was evaluated already); Evaluate evaluates them on
// the snapshot computed with those windows.
type Alerts interface {
	Windows(ctx context.Context, cfg *metrics.Config, run store.RunRef) ([]time.Duration, error)
	Evaluate(ctx context.Context, cfg *metrics.Config, snap *Snapshot) error
}

// Service keeps the live view of every tenant in memory. Run refreshes it
// after every ETL run: Kick (called by this replica's scheduler after its
// own run) or a poll of the latest run (PollEvery; one index look-up),
// which is how a replica learns of another replica's run. Each refresh
// computes every tenant's view once, on the run's data, and wakes the
// streams of that tenant (Watch). A request whose tenant configuration
// differs from the one of the view in memory (just changed) gets a view
// computed with its own. Without Run (a server built without the
// scheduler), Get checks the latest run at every request and computes
// what is missing.
type Service struct {
	src    Source
	days   DayRows
	alerts Alerts
	log    *slog.Logger
	now    func() time.Time

	// PollEvery is how often Run looks for a newer finished ETL run (1s).
	PollEvery time.Duration
	// TenantTimeout bounds the view of one tenant (30s): a tenant whose
	// view is slow to compute never holds up the others for longer.
	TenantTimeout time.Duration
	// Parallel is how many tenants are computed at once (2).
	Parallel int

	mu      sync.Mutex
	running bool
	run     store.RunRef // the run of the last refresh
	entries map[string]*entry
	kick    chan struct{}
	flight  singleflight.Group

	metrics *serviceMetrics
}

// entry is one tenant's view and the channel closed when it is replaced.
type entry struct {
	snap    *Snapshot
	changed chan struct{}
	// alt is the last view computed on request with another configuration
	// than snap's (one just changed, until the next refresh uses it).
	alt *Snapshot
}

// NewService returns a service computing views from src, the rows of
// whole days from days (an engine of its own: its cache sees a new
// version of today's blocks after every run); alerts may be nil.
func NewService(src Source, days DayRows, alerts Alerts, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{src: src, days: days, alerts: alerts, log: log, now: time.Now,
		PollEvery: time.Second, TenantTimeout: 30 * time.Second, Parallel: 2,
		entries: map[string]*entry{}, kick: make(chan struct{}, 1), metrics: newServiceMetrics()}
}

// Kick asks Run to look for a new ETL run now; it never blocks (the ETL
// job calls it).
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run refreshes the views after every ETL run until ctx ends. Only it
// logs; a failed refresh is tried again at the next poll.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	t := time.NewTicker(s.PollEvery)
	defer t.Stop()
	var failing quietLog
	for {
		err := s.Refresh(ctx)
		if ctx.Err() == nil {
			failing.note(s.log, err, "live view refresh failed", "live view refresh works again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// quietLog logs a failure that repeats every second (the database is
// away) once, then once a minute while it lasts, and its end.
type quietLog struct {
	since, last time.Time
}

func (q *quietLog) note(log *slog.Logger, err error, failed, recovered string) {
	now := time.Now()
	switch {
	case err == nil && !q.since.IsZero():
		log.Info(recovered, "failing_for", now.Sub(q.since).Round(time.Second).String())
		*q = quietLog{}
	case err != nil && (q.since.IsZero() || now.Sub(q.last) >= time.Minute):
		if q.since.IsZero() {
			q.since = now
		}
		q.last = now
		log.Error(failed, "err", err, "failing_for", now.Sub(q.since).Round(time.Second).String())
	}
}

// QuietLog is quietLog for the other loops of `sqi serve` that run every
// second (alerts.Notifier).
type QuietLog = quietLog

// Note logs err as quietLog does.
func (q *QuietLog) Note(log *slog.Logger, err error, failed, recovered string) {
	q.note(log, err, failed, recovered)
}

// Refresh computes every tenant's view when a newer ETL run has finished
// than the one of the views in memory; it does nothing otherwise.
func (s *Service) Refresh(ctx context.Context) error {
	run, found, err := s.src.LatestRun(ctx)
	if err != nil || !found {
		return err
	}
	s.mu.Lock()
	fresh := s.run.ID >= run.ID
	s.mu.Unlock()
	if fresh {
		return nil
	}
	start := s.now()
	tenants, err := s.src.Tenants(ctx)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(s.Parallel, 1))
	seen := make(map[string]bool, len(tenants))
	for i := range tenants {
		t := &tenants[i]
		seen[t.Config.TenantID] = true
		if t.Invalid != nil {
			continue // its requests answer the configuration's problem
		}
		g.Go(func() error {
			s.refreshTenant(gctx, &t.Config, run)
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.mu.Lock()
	s.run = run
	for id := range s.entries {
		if !seen[id] {
			delete(s.entries, id)
		}
	}
	s.mu.Unlock()
	s.metrics.refresh.Observe(s.now().Sub(start).Seconds())
	s.metrics.asOf.Set(float64(run.SnapshotAt.UnixNano()) / 1e9)
	return nil
}

// refreshTenant computes one tenant's view on run and publishes it; when
// this replica evaluates the tenant's rules on run, with their windows,
// and then evaluates them. Errors are logged: one tenant's failure leaves
// the others' views.
func (s *Service) refreshTenant(ctx context.Context, cfg *metrics.Config, run store.RunRef) {
	ctx, cancel := context.WithTimeout(ctx, s.TenantTimeout)
	defer cancel()
	var windows []time.Duration
	if s.alerts != nil {
		w, err := s.alerts.Windows(ctx, cfg, run)
		if err != nil {
			s.metrics.errors.Inc()
			s.log.Error("alert windows", "tenant_id", cfg.TenantID, "err", err)
		}
		windows = w
	}
	snap, err := Compute(ctx, s.src, s.days, cfg, run, windows)
	if err != nil {
		s.metrics.errors.Inc()
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.log.Error("live view", "tenant_id", cfg.TenantID, "run_id", run.ID, "err", err)
		}
		return
	}
	snap.Computed = s.now()
	s.publish(snap)
	if windows != nil {
		if err := s.alerts.Evaluate(ctx, cfg, snap); err != nil {
			s.metrics.errors.Inc()
			s.log.Error("alert evaluation", "tenant_id", cfg.TenantID, "run_id", run.ID, "err", err)
		}
	}
}

// publish makes snap the tenant's view, unless the one in memory is of a
// later run, and wakes the tenant's streams.
func (s *Service) publish(snap *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[snap.TenantID]
	if e == nil {
		e = &entry{changed: make(chan struct{})}
		s.entries[snap.TenantID] = e
	}
	if e.snap != nil && e.snap.Run.ID > snap.Run.ID {
		return
	}
	e.snap, e.alt = snap, nil
	close(e.changed)
	e.changed = make(chan struct{})
}

// keepAlt keeps a view computed on request with a configuration that the
// last refresh did not use; streams are not woken (the next refresh does).
func (s *Service) keepAlt(snap *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[snap.TenantID]; e != nil {
		e.alt = snap
	} else {
		s.entries[snap.TenantID] = &entry{changed: make(chan struct{}), alt: snap}
	}
}

// Current returns the tenant's view in memory (nil when none) and a
// channel closed when it is replaced.
func (s *Service) Current(tenantID string) (*Snapshot, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[tenantID]
	if e == nil {
		e = &entry{changed: make(chan struct{})}
		s.entries[tenantID] = e
	}
	return e.snap, e.changed
}

// Get returns the view of tenant cfg computed with cfg: the one in memory
// when it is, or one computed now on the latest run (a configuration just
// changed, a tenant just created, or a service that does not Run).
// ErrNoRun before the first ETL run.
func (s *Service) Get(ctx context.Context, cfg *metrics.Config) (*Snapshot, error) {
	key := ConfigKey(cfg)
	s.mu.Lock()
	running, run := s.running, s.run
	var snap, alt *Snapshot
	if e := s.entries[cfg.TenantID]; e != nil {
		snap, alt = e.snap, e.alt
	}
	s.mu.Unlock()
	if !running || run.ID == 0 {
		latest, found, err := s.src.LatestRun(ctx)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, ErrNoRun
		}
		run = latest
	}
	for _, v := range []*Snapshot{snap, alt} {
		if v != nil && v.ConfigKey == key && v.Run.ID >= run.ID {
			return v, nil
		}
	}
	v, err, _ := s.flight.Do(cfg.TenantID+"|"+key, func() (any, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.TenantTimeout)
		defer cancel()
		snap, err := Compute(cctx, s.src, s.days, cfg, run, nil)
		if err != nil {
			return nil, err
		}
		snap.Computed = s.now()
		if running {
			s.keepAlt(snap)
		} else {
			s.publish(snap)
		}
		return snap, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Snapshot), nil
}

// OpenStream counts a stream (Prometheus); call the returned function
// when it ends.
func (s *Service) OpenStream() func() {
	s.metrics.streams.Inc()
	return s.metrics.streams.Dec
}

// serviceMetrics are the Prometheus metrics of the live view.
type serviceMetrics struct {
	refresh prometheus.Histogram
	errors  prometheus.Counter
	asOf    prometheus.Gauge
	streams prometheus.Gauge
}

func newServiceMetrics() *serviceMetrics {
	return &serviceMetrics{
		refresh: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sqi_live_refresh_seconds",
			Help:    "Time to compute every tenant's live view after an ETL run (this replica).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sqi_live_errors_total",
			Help: "Tenants' live views or alert evaluations that failed (the log says why).",
		}),
		asOf: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sqi_live_as_of_timestamp_seconds",
			Help: "Unix time of the data of the live views in memory (the snapshot of their ETL run).",
		}),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sqi_live_streams",
			Help: "Server-Sent Events streams of /live open now.",
		}),
	}
}

// Collectors are the service's Prometheus metrics, for /metrics.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.refresh, m.errors, m.asOf, m.streams}
}
