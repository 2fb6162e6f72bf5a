package reports

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"sqi/metrics"
	"sqi/reports/mail"
	"sqi/store"
)

// Mailer sends one e-mail; reports/mail.SMTP is the real one.
type Mailer interface {
	Send(ctx context.Context, m *mail.Message) error
}

// Deliverer sends a tenant's report (daily, weekly, monthly) to its
// recipients, each at most once: every attempt is a lease on the recipient's row of
// report_deliveries (store.ClaimDelivery), taken by one replica only.
type Deliverer struct {
	Gen    *Generator
	Mailer Mailer
	Now    func() time.Time
	Log    *slog.Logger
	// Owner names this sender in the lease; unique per process.
	Owner string
	// Domain is the right-hand side of the Message-IDs.
	Domain string
	// Lease is how long an attempt may take before another replica
	// considers its sender dead (10 minutes).
	Lease time.Duration
	// SendTimeout bounds one SMTP exchange (2 minutes).
	SendTimeout time.Duration
	// MaxAttempts is how many scheduled attempts a delivery gets (6:
	// about an hour with the default backoff).
	MaxAttempts int
	// Backoff is the wait after failed attempt n (1-based): 1, 2, 4, 8,
	// 16, 32 minutes, at most an hour.
	Backoff func(attempt int) time.Duration
	// AskedAt is when a manual delivery was asked for: before the send
	// time, it needs an ETL run that started after it. Zero: Now.
	AskedAt time.Time
}

// NewDeliverer returns a deliverer with the defaults.
func NewDeliverer(gen *Generator, mailer Mailer, now func() time.Time, log *slog.Logger) *Deliverer {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Deliverer{Gen: gen, Mailer: mailer, Now: now, Log: log, Owner: newOwner(),
		Domain: "sqi.invalid", Lease: 10 * time.Minute, SendTimeout: 2 * time.Minute, MaxAttempts: 6,
		Backoff: func(n int) time.Duration { return min(time.Minute<<min(n-1, 10), time.Hour) }}
	if f, ok := mailer.(interface{ FromDomain() string }); ok && f.FromDomain() != "" {
		d.Domain = f.FromDomain()
	}
	return d
}

func newOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// MessageID is the Message-ID of report r to recipient, the same on every
// attempt: sqi-daily.acme.2026-03-08.<hash>@domain, sqi-weekly.…, sqi-monthly.….
func MessageID(r store.ReportKey, recipient, domain string) string {
	h := sha256.Sum256([]byte(strings.ToLower(recipient)))
	return fmt.Sprintf("sqi-%s.%s.%s.%s@%s", r.Kind, r.TenantID, r.Date.Format(metrics.DateLayout), hex.EncodeToString(h[:8]), domain)
}

// Enqueue creates the deliveries of report r to the tenant's current
// recipients of its kind; existing ones are kept as they are.
func (d *Deliverer) Enqueue(ctx context.Context, r store.ReportKey, trigger string) ([]string, error) {
	cfg, err := d.Gen.config(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	to := Recipients(&cfg, Kind(r.Kind))
	if _, err := d.Gen.DB.EnqueueDeliveries(ctx, r, to, trigger, d.Now()); err != nil {
		return nil, err
	}
	return to, nil
}

// period is the period of report r; a key that names none is an error.
func period(r store.ReportKey) (Period, error) {
	return PeriodOf(Kind(r.Kind), r.Date)
}

// ErrNotCaughtUp is returned (wrapped, with the instants) by Deliver when
// the ETL has not yet processed the events up to the report's send time:
// a report is never built from data that is not caught up.
var ErrNotCaughtUp = errors.New("the etl has not caught up with the report's send time")

// caughtUp checks that an ETL run whose source snapshot was taken at or
// after the report's send time has finished: such a run processed every
// event committed before it, so nothing of the day is left in a backlog.
// A manual delivery before the send time needs a run that started after
// it was asked for (now).
func (d *Deliverer) caughtUp(ctx context.Context, r store.ReportKey, manual bool) error {
	p, err := period(r)
	if err != nil {
		return err
	}
	cfg, err := d.Gen.config(ctx, r.TenantID)
	if err != nil {
		return err
	}
	need := d.AskedAt
	if need.IsZero() {
		need = d.Now()
	}
	if at, err := SendTime(&cfg, p.Last); err == nil && (!manual || at.Before(need)) {
		need = at
	}
	run, found, err := d.Gen.DB.LastETLRun(ctx)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: no ETL run has finished yet (the report needs the events up to %s)", ErrNotCaughtUp, need.UTC().Format(time.RFC3339))
	}
	if run.SnapshotAt.Before(need) {
		return fmt.Errorf("%w: the last finished ETL run saw the events up to %s, the report needs them up to %s",
			ErrNotCaughtUp, run.SnapshotAt.UTC().Format(time.RFC3339), need.UTC().Format(time.RFC3339))
	}
	return nil
}

// Deliver attempts the deliveries of report r that may be attempted now (pending, or due for a retry; manual also takes retries
// before their time and failed ones), and returns every delivery of the
// report as it stands afterwards. Nothing is claimed nor built before the
// ETL has caught up with the report (ErrNotCaughtUp). The report is built
// once, after the leases are taken, so a replica that takes none builds
// nothing.
func (d *Deliverer) Deliver(ctx context.Context, r store.ReportKey, manual bool) ([]store.Delivery, error) {
	db := d.Gen.DB
	now := d.Now()
	all, err := db.Deliveries(ctx, r)
	if err != nil {
		return nil, err
	}
	checked := false
	var claimed []store.Delivery
	for _, x := range all {
		if !claimable(x, now, manual) {
			continue
		}
		if !checked {
			if err := d.caughtUp(ctx, r, manual); err != nil {
				return nil, err
			}
			checked = true
		}
		c, ok, err := db.ClaimDelivery(ctx, x.DeliveryKey, d.Owner, now, now.Add(d.Lease), manual)
		if err != nil {
			d.release(ctx, claimed, err)
			return nil, err
		}
		if ok {
			claimed = append(claimed, c)
		}
	}
	if len(claimed) == 0 {
		return all, nil
	}

	email, err := d.build(ctx, r)
	if err != nil {
		d.release(ctx, claimed, err)
		return nil, err
	}
	for _, c := range claimed {
		d.send(ctx, c, email)
	}
	return db.Deliveries(context.WithoutCancel(ctx), r)
}

func claimable(r store.Delivery, now time.Time, manual bool) bool {
	switch r.Status {
	case store.DeliveryPending:
		return true
	case store.DeliveryRetry:
		return manual || !r.NextAttemptAt.After(now)
	case store.DeliveryFailed:
		return manual
	}
	return false
}

// build computes the report, writes its workbook and composes the e-mail.
func (d *Deliverer) build(ctx context.Context, r store.ReportKey) (*Email, error) {
	rep, err := d.Gen.Report(ctx, Kind(r.Kind), r.TenantID, r.Date)
	if err != nil {
		return nil, err
	}
	var wb bytes.Buffer
	if err := d.Gen.WriteWorkbook(ctx, rep, &wb); err != nil {
		return nil, err
	}
	return d.Gen.Email(rep, wb.Bytes())
}

// send makes one attempt and records its outcome.
func (d *Deliverer) send(ctx context.Context, c store.Delivery, email *Email) {
	if err := d.Gen.DB.StartSending(ctx, c.DeliveryKey, d.Owner, d.Now()); err != nil {
		d.Log.Error("report delivery not sent", "tenant_id", c.TenantID, "kind", c.Kind, "date", c.Date.Format(metrics.DateLayout),
			"recipient", c.Recipient, "err", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	msg := email.Message(c.ReportKey, c.Recipient, d.Now(), d.Domain)
	err := d.Mailer.Send(sctx, msg)
	cancel()
	o := store.DeliveryOutcome{Status: store.DeliverySent, MessageID: msg.MessageID}
	if err != nil {
		o = d.failure(c, err)
	}
	d.finish(ctx, c, o)
}

// failure is the outcome of a failed attempt: a retry after the backoff,
// or failed when the attempts are spent or the server refused for good.
func (d *Deliverer) failure(c store.Delivery, err error) store.DeliveryOutcome {
	o := store.DeliveryOutcome{Status: store.DeliveryRetry, Error: err.Error(), NextAttemptAt: d.Now().Add(d.Backoff(c.Attempts))}
	if c.Attempts >= d.MaxAttempts || !mail.Temporary(err) {
		o.Status = store.DeliveryFailed
	}
	return o
}

// release gives back leases taken for an attempt that could not be made
// (the report could not be built): they count as failed attempts.
func (d *Deliverer) release(ctx context.Context, claimed []store.Delivery, cause error) {
	for _, c := range claimed {
		o := store.DeliveryOutcome{Status: store.DeliveryRetry, Error: "build report: " + cause.Error(),
			NextAttemptAt: d.Now().Add(d.Backoff(c.Attempts))}
		if c.Attempts >= d.MaxAttempts {
			o.Status = store.DeliveryFailed
		}
		d.finish(ctx, c, o)
	}
}

// finish records an outcome even when ctx was cancelled meanwhile: a
// message that went out must not stay 'sending'.
func (d *Deliverer) finish(ctx context.Context, c store.Delivery, o store.DeliveryOutcome) {
	err := d.Gen.DB.FinishDelivery(context.WithoutCancel(ctx), c.DeliveryKey, d.Owner, o, d.Now())
	attrs := []any{"tenant_id", c.TenantID, "kind", c.Kind, "date", c.Date.Format(metrics.DateLayout), "recipient", c.Recipient,
		"trigger", c.Trigger, "attempt", c.Attempts, "status", o.Status}
	switch {
	case err != nil:
		d.Log.Error("report delivery not recorded", append(attrs, "err", err, "send_error", o.Error)...)
	case o.Status == store.DeliverySent:
		d.Log.Info("report delivered", append(attrs, "message_id", o.MessageID)...)
	case o.Status == store.DeliveryRetry:
		d.Log.Warn("report delivery failed, will retry", append(attrs, "err", o.Error, "next_attempt_at", o.NextAttemptAt)...)
	default:
		d.Log.Error("report delivery failed", append(attrs, "err", o.Error)...)
	}
}

// DeliverNow is the on-demand delivery of `sqi report daily|weekly|monthly
// --email`: it enqueues the report to the tenant's recipients of its kind, attempts the deliveries
// not sent yet, and retries failures up to tries times in all, pausing
// pause, then 2×pause... between rounds. Deliveries still failing are left
// for the scheduler of `sqi serve` to retry.
func (d *Deliverer) DeliverNow(ctx context.Context, r store.ReportKey, tries int, pause time.Duration) ([]store.Delivery, error) {
	if _, err := d.Enqueue(ctx, r, store.TriggerManual); err != nil {
		return nil, err
	}
	var (
		ds  []store.Delivery
		err error
	)
	for try := 1; try <= max(tries, 1); try++ {
		if ds, err = d.Deliver(ctx, r, true); err != nil {
			return ds, err
		}
		if !anyStatus(ds, store.DeliveryRetry) || try == tries {
			break
		}
		select {
		case <-ctx.Done():
			return ds, ctx.Err()
		case <-time.After(pause << (try - 1)):
		}
	}
	return ds, nil
}

func anyStatus(ds []store.Delivery, status string) bool {
	for _, d := range ds {
		if d.Status == status {
			return true
		}
	}
	return false
}

// ErrNoRecipients is returned for an e-mail to a tenant without recipients
// of the report's kind.
var ErrNoRecipients = errors.New("the tenant has no recipients of this report (report.recipients, report.weekly.recipients or report.monthly.recipients in its configuration)")
