// Package schedule runs the background work of `sqi serve` (gocron): the
// ETL every minute, each tenant's daily, weekly and monthly reports at its
// send_at once the ETL has caught up with them, and the nightly
// reconciliation. It owns when
// the work happens, not the work: etl/ extracts and reconciles, reports/
// builds and delivers. It must not import api/.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"

	"sqi/etl"
	"sqi/metrics"
	"sqi/reports"
	"sqi/store"
)

// ETL is what the scheduler runs every minute; *etl.Runner is one. It
// returns etl.ErrBusy when another run (on any replica) holds its lock.
type ETL interface {
	RunOnce(ctx context.Context) (etl.Result, error)
}

// Reconciler is the nightly reconciliation; *etl.Runner is one.
type Reconciler interface {
	Reconcile(ctx context.Context, days int) (etl.ReconcileResult, error)
}

// Scheduler runs inside `sqi serve`: the ETL every minute, never
// overlapping itself; every minute (and at once after an ETL run when a
// report waits for one) the reports that are due: each tenant's report of
// the previous local day at its send_at in its own time zone (of the
// previous ISO week on Mondays, of the previous month on the 1st), the
// ones missed while the service was down, and the retries of failed
// deliveries; and once a night the reconciliation. Several replicas may
// run one each on the same database: every report is sent once
// (docs/reports.md), and the nightly reconciliation runs once.
type Scheduler struct {
	db         *store.DB
	etl        ETL
	reconciler Reconciler
	deliverer  *reports.Deliverer
	now        func() time.Time
	log        *slog.Logger

	// Every is how often the ETL and the reports round run (a minute).
	Every time.Duration
	// ETLTimeout bounds one ETL run (30 minutes: a backlog after an outage
	// is processed in one run; the next run waits for it).
	ETLTimeout time.Duration
	// ReportsTimeout bounds one round of reports (30 minutes).
	ReportsTimeout time.Duration
	// CatchUpDays is how many missed daily reports a restart sends, at
	// most (7); CatchUpWeeks and CatchUpMonths, weekly (2) and monthly
	// (1) ones: the latest missed report of each kind always goes out.
	CatchUpDays, CatchUpWeeks, CatchUpMonths int
	// ReconcileAt is the UTC time of day of the nightly reconciliation
	// (03:00); ReconcileDays its window (7 days); a negative ReconcileDays
	// turns it off.
	ReconcileAt   time.Duration
	ReconcileDays int
	// ReconcileTimeout bounds one reconciliation (2 hours).
	ReconcileTimeout time.Duration
	// ObserveReconcile, when set, sees every reconciliation of this process.
	ObserveReconcile func(etl.ReconcileResult, error)
	// AfterETL, when set, is called after every ETL run of this process
	// that succeeded (also one skipped because another replica's run held
	// the lock: that run may just have ended). It must not block: `sqi
	// serve` kicks the live view's refresh with it (live.Service.Kick),
	// which then evaluates the alerts in its own goroutine.
	AfterETL func()

	mu      sync.Mutex
	sched   gocron.Scheduler
	reports gocron.Job

	// etlDone is set after each ETL run of this process: a reports round
	// that was running then goes round once more.
	etlDone atomic.Bool
	// waiting is set when a report of the last round waits for the ETL.
	waiting atomic.Bool
	// waitingSince: when each waiting report was first found waiting, to
	// warn (not every minute) about an ETL that does not catch up.
	waitingMu    sync.Mutex
	waitingSince map[store.ReportKey]time.Time
}

// New returns a scheduler of the ETL, the daily reports and the nightly
// reconciliation of db. mailer nil runs no reports (no SMTP_URL); the
// reconciliation runs when etlRunner is also a Reconciler. now is the
// clock (time.Now when nil).
func New(db *store.DB, etlRunner ETL, mailer reports.Mailer, now func() time.Time, log *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{db: db, etl: etlRunner, now: now, log: log,
		Every: time.Minute, ETLTimeout: 30 * time.Minute, ReportsTimeout: 30 * time.Minute,
		CatchUpDays: 7, CatchUpWeeks: 2, CatchUpMonths: 1, ReconcileAt: 3 * time.Hour, ReconcileDays: 7, ReconcileTimeout: 2 * time.Hour,
		waitingSince: map[store.ReportKey]time.Time{}}
	if rc, ok := etlRunner.(Reconciler); ok {
		s.reconciler = rc
	}
	if mailer != nil {
		s.deliverer = reports.NewDeliverer(&reports.Generator{DB: db, Now: now}, mailer, now, log)
	}
	return s
}

// Deliverer is the scheduler's deliverer (nil without a mailer), to tune
// its retries.
func (s *Scheduler) Deliverer() *reports.Deliverer { return s.deliverer }

// Start starts the jobs; the ETL and the reports run once at once (so a
// restart catches up at once) and then every minute. gocron's singleton
// mode keeps a job from overlapping itself in this process; the ETL's
// advisory lock and the reports lock keep replicas from overlapping each
// other.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sched != nil {
		return errors.New("scheduler already started")
	}
	sched, err := gocron.NewScheduler(gocron.WithLocation(time.UTC), gocron.WithStopTimeout(time.Minute))
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	opts := func(name string, now bool) []gocron.JobOption {
		o := []gocron.JobOption{gocron.WithName(name), gocron.WithContext(ctx),
			gocron.WithSingletonMode(gocron.LimitModeReschedule)}
		if now {
			o = append(o, gocron.WithStartAt(gocron.WithStartImmediately()))
		}
		return o
	}
	if s.deliverer != nil {
		if s.reports, err = sched.NewJob(gocron.DurationJob(s.Every), gocron.NewTask(s.reportsJob), opts("reports", true)...); err != nil {
			return fmt.Errorf("schedule reports: %w", err)
		}
	} else {
		s.log.Warn("daily reports are not sent: no mailer (set SMTP_URL)")
	}
	if s.etl != nil {
		if _, err := sched.NewJob(gocron.DurationJob(s.Every), gocron.NewTask(s.etlJob), opts("etl", true)...); err != nil {
			return fmt.Errorf("schedule etl: %w", err)
		}
	}
	if s.reconciler != nil && s.ReconcileDays > 0 {
		at := s.ReconcileAt
		def := gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(at/time.Hour), uint(at%time.Hour/time.Minute), 0)))
		if _, err := sched.NewJob(def, gocron.NewTask(s.reconcileJob), opts("reconcile", false)...); err != nil {
			return fmt.Errorf("schedule reconcile: %w", err)
		}
	}
	sched.Start()
	s.sched = sched
	return nil
}

// Stop stops the jobs and waits for running ones to end (at most a
// minute; their contexts are cancelled).
func (s *Scheduler) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sched == nil {
		return nil
	}
	err := s.sched.Shutdown()
	s.sched = nil
	if err != nil {
		return fmt.Errorf("stop scheduler: %w", err)
	}
	return nil
}

// etlJob is the ETL job; only it logs, RunETL returns. After a run, a
// report that waits for the ETL is tried at once.
func (s *Scheduler) etlJob(ctx context.Context) {
	if err := s.RunETL(ctx); err != nil {
		if ctx.Err() == nil {
			s.log.Error("etl run failed", "err", err)
		}
		return
	}
	s.etlDone.Store(true)
	if s.AfterETL != nil {
		s.AfterETL()
	}
	if s.waiting.Load() {
		s.mu.Lock()
		job := s.reports
		s.mu.Unlock()
		if job != nil {
			_ = job.RunNow() // skipped while a round runs: that round goes round again
		}
	}
}

// RunETL runs the ETL once; a run of another replica in progress is not
// an error.
func (s *Scheduler) RunETL(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.ETLTimeout)
	defer cancel()
	_, err := s.etl.RunOnce(ctx)
	if errors.Is(err, etl.ErrBusy) {
		s.log.Debug("etl run skipped: another run is in progress")
		return nil
	}
	return err
}

func (s *Scheduler) reportsJob(ctx context.Context) {
	for range 3 {
		s.etlDone.Store(false)
		if err := s.RunReports(ctx); err != nil {
			if ctx.Err() == nil {
				s.log.Error("reports round failed", "err", err)
			}
			return
		}
		// An ETL run that ended during the round may be the one a
		// waiting report needs.
		if !s.waiting.Load() || !s.etlDone.Load() {
			return
		}
	}
}

// RunReports is one round: schedule the reports that have come due since
// the last round, then attempt every delivery due now whose data the ETL
// has caught up with (reports.ErrNotCaughtUp: it waits, and the round runs
// the ETL once itself). Another replica in a round makes this one a
// no-op. A tenant whose stored configuration no longer validates is
// skipped; the others go on.
func (s *Scheduler) RunReports(ctx context.Context) error {
	if s.deliverer == nil {
		return errors.New("no mailer")
	}
	ctx, cancel := context.WithTimeout(ctx, s.ReportsTimeout)
	defer cancel()
	lock, ok, err := s.db.TryAdvisoryLock(ctx, store.LockReports)
	if err != nil {
		return err
	}
	if !ok {
		s.log.Debug("reports round skipped: another replica is in one")
		return nil
	}
	defer func() {
		if err := lock.Unlock(context.WithoutCancel(ctx)); err != nil {
			s.log.Error("reports lock", "err", err)
		}
	}()

	now := s.now()
	expired, err := s.db.ExpireDeliveryLeases(ctx, now)
	if err != nil {
		return err
	}
	for _, d := range expired {
		attrs := []any{"tenant_id", d.TenantID, "kind", d.Kind, "date", d.Date.Format(metrics.DateLayout), "recipient", d.Recipient, "owner", d.Owner}
		if d.Status == store.DeliveryUnknown {
			s.log.Error("report delivery interrupted while sending: outcome unknown, not sent again", attrs...)
		} else {
			s.log.Warn("report delivery interrupted while preparing: retried", attrs...)
		}
	}
	if err := s.scheduleDue(ctx, now); err != nil {
		return err
	}

	due, err := s.db.DueReports(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	etlTried, waiting := false, false
	for _, r := range due {
		_, err := s.deliverer.Deliver(ctx, r, false)
		if errors.Is(err, reports.ErrNotCaughtUp) && !etlTried && s.etl != nil {
			etlTried = true
			if eerr := s.RunETL(ctx); eerr != nil {
				s.log.Error("etl run before reports failed", "err", eerr)
			}
			_, err = s.deliverer.Deliver(ctx, r, false)
		}
		if errors.Is(err, reports.ErrNotCaughtUp) {
			waiting = true
			s.noteWaiting(r, now, err)
			continue
		}
		s.doneWaiting(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("report %s: %w", r, err))
		}
	}
	s.waiting.Store(waiting)
	return errors.Join(errs...)
}

// scheduleDue enqueues the deliveries of the reports whose send time has
// come since the last round, kind by kind and tenant by tenant. A kind
// without recipients advances its schedule with nothing to send, so that
// recipients added later get the reports from then on, not a backlog.
func (s *Scheduler) scheduleDue(ctx context.Context, now time.Time) error {
	tenants, err := s.db.Tenants(ctx)
	if err != nil {
		return err
	}
	for i := range tenants {
		if bad := tenants[i].Invalid; bad != nil {
			s.log.Warn("tenant skipped: its stored configuration is not valid", "tenant_id", bad.TenantID, "err", bad.Err)
		}
	}
	catchUp := map[reports.Kind]int{reports.KindDaily: s.CatchUpDays, reports.KindWeekly: s.CatchUpWeeks, reports.KindMonthly: s.CatchUpMonths}
	for _, kind := range reports.Kinds {
		last, err := s.db.ReportSchedule(ctx, string(kind))
		if err != nil {
			return err
		}
		for i := range tenants {
			if tenants[i].Invalid != nil {
				continue
			}
			cfg := &tenants[i].Config
			prev, seen := last[cfg.TenantID]
			dates := reports.DuePeriods(cfg, kind, now, prev, seen, catchUp[kind])
			if len(dates) == 0 {
				continue
			}
			to := reports.Recipients(cfg, kind)
			if err := s.db.ScheduleReports(ctx, string(kind), cfg.TenantID, dates, to, now); err != nil {
				return err
			}
			if len(to) > 0 {
				s.log.Info("reports scheduled", "tenant_id", cfg.TenantID, "kind", kind, "from", dates[0].Format(metrics.DateLayout),
					"to", dates[len(dates)-1].Format(metrics.DateLayout), "recipients", len(to))
			}
		}
	}
	return nil
}

// waitWarnEvery is how often a report that keeps waiting for the ETL is
// logged as a warning.
const waitWarnEvery = 30 * time.Minute

func (s *Scheduler) noteWaiting(r store.ReportKey, now time.Time, err error) {
	s.waitingMu.Lock()
	defer s.waitingMu.Unlock()
	since, seen := s.waitingSince[r]
	attrs := []any{"tenant_id", r.TenantID, "kind", r.Kind, "date", r.Date.Format(metrics.DateLayout), "reason", err.Error()}
	switch {
	case !seen:
		s.waitingSince[r] = now
		s.log.Info("report waits for the etl to catch up", attrs...)
	case now.Sub(since) >= waitWarnEvery:
		s.waitingSince[r] = now
		s.log.Warn("report still waits for the etl to catch up: is the etl failing?", attrs...)
	}
}

func (s *Scheduler) doneWaiting(r store.ReportKey) {
	s.waitingMu.Lock()
	delete(s.waitingSince, r)
	s.waitingMu.Unlock()
}
