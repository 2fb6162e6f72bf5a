package reports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"sqi/etl"
	"sqi/metrics"
	"sqi/store"
)

// ETL is what the scheduler runs every minute; *etl.Runner is one. It
// returns etl.ErrBusy when another run (on any replica) holds its lock.
type ETL interface {
	RunOnce(ctx context.Context) (etl.Result, error)
}

// reportsLock is the advisory lock a replica holds while it schedules and
// sends reports, so that one replica at a time does the work; the leases
// on the delivery rows are what guarantee once-only sending even if the
// lock were lost.
const reportsLock = "sqi.reports"

// Scheduler runs inside `sqi serve` (gocron): the ETL every minute, never
// overlapping itself, and every minute the reports that are due: each
// tenant's report of the previous local day at its send_at in its own
// time zone, the ones missed while the service was down, and the retries
// of failed deliveries. Several replicas may run one each on the same
// database: every report is sent once (docs/reports.md).
type Scheduler struct {
	db        *store.DB
	etl       ETL
	deliverer *Deliverer
	now       func() time.Time
	log       *slog.Logger

	// Every is how often each job runs (a minute).
	Every time.Duration
	// ETLTimeout bounds one ETL run (30 minutes: a backlog after an outage
	// is processed in one run; the next run waits for it).
	ETLTimeout time.Duration
	// ReportsTimeout bounds one round of reports (30 minutes).
	ReportsTimeout time.Duration
	// CatchUpDays is how many days back a restart sends missed reports (7).
	CatchUpDays int
	// ETLWait is how long after its send time a report waits for an ETL
	// run that started after the send time before it goes out anyway
	// (30 minutes).
	ETLWait time.Duration

	mu    sync.Mutex
	sched gocron.Scheduler
}

// NewScheduler returns a scheduler of the ETL and the daily reports of db.
// mailer nil runs the ETL only (no SMTP_URL); now is the clock (time.Now
// when nil).
func NewScheduler(db *store.DB, etlRunner ETL, mailer Mailer, now func() time.Time, log *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{db: db, etl: etlRunner, now: now, log: log,
		Every: time.Minute, ETLTimeout: 30 * time.Minute, ReportsTimeout: 30 * time.Minute,
		CatchUpDays: 7, ETLWait: 30 * time.Minute}
	if mailer != nil {
		s.deliverer = NewDeliverer(&Generator{DB: db, Now: now}, mailer, now, log)
	}
	return s
}

// Deliverer is the scheduler's deliverer (nil without a mailer), to tune
// its retries.
func (s *Scheduler) Deliverer() *Deliverer { return s.deliverer }

// Start starts both jobs; each runs once at once (so a restart catches up
// at once) and then every minute. gocron's singleton mode keeps a job
// from overlapping itself in this process; the ETL's advisory lock and
// the reports lock keep replicas from overlapping each other.
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
	opts := func(name string) []gocron.JobOption {
		return []gocron.JobOption{gocron.WithName(name), gocron.WithContext(ctx),
			gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithStartAt(gocron.WithStartImmediately())}
	}
	if s.etl != nil {
		if _, err := sched.NewJob(gocron.DurationJob(s.Every), gocron.NewTask(s.etlJob), opts("etl")...); err != nil {
			return fmt.Errorf("schedule etl: %w", err)
		}
	}
	if s.deliverer != nil {
		if _, err := sched.NewJob(gocron.DurationJob(s.Every), gocron.NewTask(s.reportsJob), opts("reports")...); err != nil {
			return fmt.Errorf("schedule reports: %w", err)
		}
	} else {
		s.log.Warn("daily reports are not sent: no mailer (set SMTP_URL)")
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

// etlJob is the ETL job; only it logs, RunETL returns.
func (s *Scheduler) etlJob(ctx context.Context) {
	if err := s.RunETL(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("etl run failed", "error", err)
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
	if err := s.RunReports(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("reports round failed", "error", err)
	}
}

// RunReports is one round: schedule the reports that have come due since
// the last round, then attempt every delivery due now. Another replica in
// a round makes this one a no-op.
func (s *Scheduler) RunReports(ctx context.Context) error {
	if s.deliverer == nil {
		return errors.New("no mailer")
	}
	ctx, cancel := context.WithTimeout(ctx, s.ReportsTimeout)
	defer cancel()
	lock, ok, err := s.db.TryAdvisoryLock(ctx, reportsLock)
	if err != nil {
		return err
	}
	if !ok {
		s.log.Debug("reports round skipped: another replica is in one")
		return nil
	}
	defer func() {
		if err := lock.Unlock(context.WithoutCancel(ctx)); err != nil {
			s.log.Error("reports lock", "error", err)
		}
	}()

	now := s.now()
	expired, err := s.db.ExpireDeliveryLeases(ctx, now)
	if err != nil {
		return err
	}
	for _, d := range expired {
		attrs := []any{"tenant_id", d.TenantID, "date", d.Date.Format(metrics.DateLayout), "recipient", d.Recipient, "owner", d.Owner}
		if d.Status == store.DeliveryUnknown {
			s.log.Error("report delivery interrupted while sending: outcome unknown, not sent again", attrs...)
		} else {
			s.log.Warn("report delivery interrupted while preparing: retried", attrs...)
		}
	}

	tenants, err := s.db.Tenants(ctx)
	if err != nil {
		return err
	}
	last, err := s.db.ReportSchedule(ctx)
	if err != nil {
		return err
	}
	configs := make(map[string]*metrics.Config, len(tenants))
	for i := range tenants {
		cfg := &tenants[i].Config
		configs[cfg.TenantID] = cfg
		prev, seen := last[cfg.TenantID]
		dates := DueDates(cfg, now, prev, seen, s.CatchUpDays)
		if len(dates) == 0 {
			continue
		}
		if err := s.db.ScheduleReports(ctx, cfg.TenantID, dates, cfg.Report.Recipients, now); err != nil {
			return err
		}
		if len(cfg.Report.Recipients) > 0 {
			s.log.Info("reports scheduled", "tenant_id", cfg.TenantID, "from", dates[0].Format(metrics.DateLayout),
				"to", dates[len(dates)-1].Format(metrics.DateLayout), "recipients", len(cfg.Report.Recipients))
		}
	}

	due, err := s.db.DueReports(ctx, now)
	if err != nil {
		return err
	}
	var errs []error
	etlTried := false
	for _, r := range due {
		if cfg, ok := configs[r.TenantID]; ok && cfg.Report.SendAt != "" {
			sendAt, _ := SendTime(cfg, r.Date)
			fresh, err := s.fresh(ctx, sendAt, now, &etlTried)
			if err != nil {
				return err
			}
			if !fresh {
				s.log.Info("report waits for the etl", "tenant_id", r.TenantID, "date", r.Date.Format(metrics.DateLayout))
				continue
			}
		}
		if _, err := s.deliverer.Deliver(ctx, r.TenantID, r.Date, false); err != nil {
			errs = append(errs, fmt.Errorf("report %s %s: %w", r.TenantID, r.Date.Format(metrics.DateLayout), err))
		}
	}
	return errors.Join(errs...)
}

// fresh reports whether the facts are fresh enough for a report sent at
// sendAt: an ETL run started at or after sendAt (it saw every event up to
// the send time), or one started now; after ETLWait it goes out anyway.
func (s *Scheduler) fresh(ctx context.Context, sendAt, now time.Time, tried *bool) (bool, error) {
	if s.etl == nil {
		return true, nil
	}
	run, found, err := s.db.LastETLRun(ctx)
	if err != nil {
		return false, err
	}
	if found && !run.StartedAt.Before(sendAt) {
		return true, nil
	}
	if !*tried {
		*tried = true
		err := s.RunETL(ctx)
		if err == nil {
			if run, found, err = s.db.LastETLRun(ctx); err != nil {
				return false, err
			}
			if !found || !run.StartedAt.Before(sendAt) {
				return true, nil
			}
			// A run of another replica was in progress (ErrBusy): its
			// result is read on the next round.
		} else {
			s.log.Error("etl run before reports failed", "error", err)
		}
	}
	if now.Sub(sendAt) >= s.ETLWait {
		s.log.Warn("report sent without a fresh etl run", "send_at", sendAt, "last_etl_run", run.StartedAt)
		return true, nil
	}
	return false, nil
}

// DueDates are the report dates of cfg's tenant to schedule at now, given
// the last date scheduled before (seen false: never). They are the dates
// whose send time has come since then, at most catchUp of them (a long
// outage does not flood the recipients), oldest first; for a tenant never
// scheduled, the latest report due only.
func DueDates(cfg *metrics.Config, now, last time.Time, seen bool, catchUp int) []time.Time {
	latest, ok := LatestDue(cfg, now)
	if !ok {
		return nil
	}
	first := latest
	if seen {
		first = last.AddDate(0, 0, 1)
		if earliest := latest.AddDate(0, 0, -(max(catchUp, 1) - 1)); first.Before(earliest) {
			first = earliest
		}
	}
	var out []time.Time
	for d := first; !d.After(latest); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// LatestDue is the last report date whose send time is at or before now:
// yesterday (local) once today's send_at has passed, else the day before.
// ok is false when the tenant has no send_at (no scheduled reports).
func LatestDue(cfg *metrics.Config, now time.Time) (time.Time, bool) {
	if cfg.Report.SendAt == "" {
		return time.Time{}, false
	}
	lt := now.In(cfg.Location())
	today := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	yesterday := today.AddDate(0, 0, -1)
	if at, _ := SendTime(cfg, yesterday); !now.Before(at) {
		return yesterday, true
	}
	return yesterday.AddDate(0, 0, -1), true
}

// SendTime is the instant the report of the local date day is due:
// send_at on the next local day in the tenant's zone. Where the clocks
// spring forward over send_at, it is the first instant after the gap (the
// moment the local clock passes send_at); where they fall back and
// send_at happens twice, the first time.
func SendTime(cfg *metrics.Config, day time.Time) (time.Time, error) {
	h, m, err := parseClock(cfg.Report.SendAt)
	if err != nil {
		return time.Time{}, err
	}
	loc := cfg.Location()
	next := day.AddDate(0, 0, 1)
	t := time.Date(next.Year(), next.Month(), next.Day(), h, m, 0, 0, loc)
	lt := t.In(loc)
	want := h*60 + m
	if got := lt.Hour()*60 + lt.Minute(); got != want || lt.Day() != next.Day() {
		// In a gap: time.Date picked a side.
		start, end := t.ZoneBounds()
		if lt.Day() != next.Day() || got < want {
			return end, nil
		}
		return start, nil
	}
	// Twice, when an earlier instant shows the same wall clock.
	start, _ := t.ZoneBounds()
	if !start.IsZero() {
		_, before := start.Add(-time.Nanosecond).Zone()
		_, after := t.Zone()
		if shift := time.Duration(before-after) * time.Second; shift > 0 {
			if e := t.Add(-shift); e.Before(start) {
				el := e.In(loc)
				if el.Hour() == h && el.Minute() == m {
					return e, nil
				}
			}
		}
	}
	return t, nil
}

func parseClock(s string) (h, m int, err error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, fmt.Errorf("send_at %q: use HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, 0, fmt.Errorf("send_at %q: use HH:MM", s)
	}
	return h, m, nil
}
