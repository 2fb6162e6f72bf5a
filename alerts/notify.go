package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"sqi/live"
	"sqi/metrics"
	"sqi/reports/mail"
	"sqi/store"
)

// Mailer sends one e-mail; reports/mail.SMTP (SMTP_URL) is the real one.
type Mailer interface {
	Send(ctx context.Context, m *mail.Message) error
}

// DeliveryStore is what the notifier needs of the primary database;
// *store.DB is one.
type DeliveryStore interface {
	ClaimAlertDelivery(ctx context.Context, owner string, now, leaseUntil time.Time, skip []string) (store.AlertDelivery, store.AlertNotification, bool, error)
	FinishAlertDelivery(ctx context.Context, d store.AlertDelivery, owner string, o store.DeliveryOutcome, now time.Time) error
	ExpireAlertLeases(ctx context.Context, now time.Time) ([]store.AlertDelivery, error)
}

var _ DeliveryStore = (*store.DB)(nil)

// Notifier sends the deliveries of the notifications, on every replica:
// each round it ends the leases that ran out, then claims due deliveries
// (store.ClaimAlertDelivery: each is taken by one replica) and attempts
// each in a goroutine of its own, bounded in number and per tenant, with
// a timeout. A failed attempt is retried with backoff under the same
// delivery id; one that cannot succeed (a forbidden address, a 4xx, no
// SMTP_URL) fails at once. Nothing here waits on the ETL or the API, and
// one tenant's hanging webhook holds at most PerTenant workers.
type Notifier struct {
	DB     DeliveryStore
	Mailer Mailer // nil: e-mails fail with "no SMTP_URL"
	Client *http.Client
	Owner  string
	Now    func() time.Time
	Log    *slog.Logger
	// Domain is the right-hand side of the e-mails' Message-IDs.
	Domain string

	PollEvery time.Duration // how often due deliveries are looked for (1s)
	Workers   int           // attempts at once (4)
	PerTenant int           // attempts at once for one tenant (2)
	Timeout   time.Duration // one attempt (10s)
	Lease     time.Duration // after which another replica takes over (Timeout + a minute)
	// MaxAttempts is how many attempts a delivery gets (8); Backoff the
	// wait after failed attempt n (1-based).
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
	Metrics     *Metrics

	kick     chan struct{}
	mu       sync.Mutex
	inflight map[string]int // by tenant
	total    int
	wg       sync.WaitGroup
}

// DefaultBackoff is the wait after failed attempt n: base × 3^(n−1),
// at most 30 minutes (10s, 30s, 1m30s, 4m30s, 13m30s, 30m, ... with a
// base of 10s).
func DefaultBackoff(base time.Duration) func(int) time.Duration {
	return func(n int) time.Duration {
		d := base
		for i := 1; i < n && d < 30*time.Minute; i++ {
			d *= 3
		}
		return min(d, 30*time.Minute)
	}
}

// NewNotifier returns a notifier with the defaults; mailer may be nil.
func NewNotifier(db DeliveryStore, mailer Mailer, client *http.Client, m *Metrics, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{DB: db, Mailer: mailer, Client: client, Owner: NewOwner(), Now: time.Now, Log: log,
		Domain: "sqi.invalid", PollEvery: time.Second, Workers: 4, PerTenant: 2, Timeout: 10 * time.Second,
		MaxAttempts: 8, Backoff: DefaultBackoff(10 * time.Second), Metrics: m,
		kick: make(chan struct{}, 1), inflight: map[string]int{}}
	if f, ok := mailer.(interface{ FromDomain() string }); ok && f.FromDomain() != "" {
		n.Domain = f.FromDomain()
	}
	return n
}

// Kick asks for a round now (after an evaluation that made
// notifications); it never blocks.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx ends, then waits for the attempts under
// way (their contexts end with ctx: they are recorded as retries).
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.PollEvery)
	defer t.Stop()
	defer n.wg.Wait()
	var failing live.QuietLog
	for {
		err := n.Round(ctx)
		if ctx.Err() == nil {
			failing.Note(n.Log, err, "alert deliveries round failed", "alert deliveries work again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-n.kick:
		}
	}
}

// Round ends expired leases and starts the attempts of the due
// deliveries that free workers can take.
func (n *Notifier) Round(ctx context.Context) error {
	now := n.Now()
	expired, err := n.DB.ExpireAlertLeases(ctx, now)
	if err != nil {
		return err
	}
	for _, d := range expired {
		n.Log.Warn("alert delivery interrupted: "+d.LastError, "tenant_id", d.TenantID, "delivery_id", d.ID,
			"channel", d.Channel, "destination", shownDestination(d), "status", d.Status)
	}
	for {
		skip, free := n.busy()
		if !free {
			return nil
		}
		lease := n.Lease
		if lease <= 0 {
			lease = n.Timeout + time.Minute
		}
		now := n.Now()
		d, notif, ok, err := n.DB.ClaimAlertDelivery(ctx, n.Owner, now, now.Add(lease), skip)
		if err != nil || !ok {
			return err
		}
		n.start(d.TenantID)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer n.done(d.TenantID)
			n.attempt(ctx, d, notif)
		}()
	}
}

// busy returns the tenants at their limit of attempts, and whether a
// worker is free.
func (n *Notifier) busy() (skip []string, free bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for t, k := range n.inflight {
		if k >= max(n.PerTenant, 1) {
			skip = append(skip, t)
		}
	}
	return skip, n.total < max(n.Workers, 1)
}

func (n *Notifier) start(tenantID string) {
	n.mu.Lock()
	n.inflight[tenantID]++
	n.total++
	n.mu.Unlock()
}

func (n *Notifier) done(tenantID string) {
	n.mu.Lock()
	if n.inflight[tenantID]--; n.inflight[tenantID] <= 0 {
		delete(n.inflight, tenantID)
	}
	n.total--
	n.mu.Unlock()
	n.Kick() // a worker is free: due deliveries may wait
}

// shownDestination is a delivery's destination as logs and the API show
// it: an address as it is, a webhook's URL redacted.
func shownDestination(d store.AlertDelivery) string {
	if d.Channel == store.ChannelWebhook {
		return metrics.RedactURL(d.Destination)
	}
	return d.Destination
}

// attempt makes one attempt of d and records its outcome.
func (n *Notifier) attempt(ctx context.Context, d store.AlertDelivery, notif store.AlertNotification) {
	start := n.Now()
	actx, cancel := context.WithTimeout(ctx, n.Timeout)
	var err error
	switch d.Channel {
	case store.ChannelWebhook:
		err = postWebhook(actx, n.Client, d.Destination, d.Secret, d.ID, []byte(notif.Body))
	case store.ChannelEmail:
		err = n.sendMail(actx, d, notif)
	default:
		err = permanent("unknown channel %q", d.Channel)
	}
	cancel()
	now := n.Now()
	o := store.DeliveryOutcome{Status: store.DeliverySent}
	switch {
	case err == nil:
	case IsPermanent(err):
		o = store.DeliveryOutcome{Status: store.DeliveryFailed, Error: err.Error()}
	case d.Attempts >= n.MaxAttempts:
		o = store.DeliveryOutcome{Status: store.DeliveryFailed, Error: fmt.Sprintf("%v (attempt %d of %d: given up)", err, d.Attempts, n.MaxAttempts)}
	default:
		o = store.DeliveryOutcome{Status: store.DeliveryRetry, Error: err.Error(), NextAttemptAt: now.Add(n.Backoff(d.Attempts))}
	}
	n.Metrics.delivered(d.Channel, o.Status, now.Sub(start))
	if ferr := n.DB.FinishAlertDelivery(context.WithoutCancel(ctx), d, n.Owner, o, now); ferr != nil {
		n.Log.Error("alert delivery not recorded", "tenant_id", d.TenantID, "delivery_id", d.ID, "err", ferr)
		return
	}
	attrs := []any{"tenant_id", d.TenantID, "rule", notif.Rule, "state", notif.State, "delivery_id", d.ID,
		"channel", d.Channel, "destination", shownDestination(d), "attempt", d.Attempts, "status", o.Status}
	switch o.Status {
	case store.DeliverySent:
		n.Log.Info("alert delivered", attrs...)
	case store.DeliveryRetry:
		n.Log.Warn("alert delivery failed: retried", append(attrs, "next_attempt_at", o.NextAttemptAt, "err", err)...)
	default:
		n.Log.Error("alert delivery failed", append(attrs, "err", err)...)
	}
}

// sendMail sends the notification to d's address through the mailer:
// the text line as the subject, the details below it.
func (n *Notifier) sendMail(ctx context.Context, d store.AlertDelivery, notif store.AlertNotification) error {
	if n.Mailer == nil {
		return permanent("no SMTP_URL: e-mail alerts need the service's SMTP_URL")
	}
	m := &mail.Message{To: d.Destination, Subject: notif.Text, Text: mailText(notif),
		MessageID: "sqi-alert." + d.ID + "@" + n.Domain, Date: notif.CreatedAt}
	err := n.Mailer.Send(ctx, m)
	if err == nil {
		return nil
	}
	// The mailer's errors name the SMTP server, never its password.
	if !mail.Temporary(err) {
		return permanent("smtp refused the message: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return temporary("smtp did not answer in time")
	}
	return temporary("smtp: %v", err)
}

// mailText is the plain-text body of an alert e-mail.
func mailText(n store.AlertNotification) string {
	var b strings.Builder
	b.WriteString(n.Text)
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "tenant_id: %s\nrule: %s\nstate: %s\nmetric: %s\n", n.TenantID, n.Rule, n.State, n.Metric)
	if n.Window != "" {
		fmt.Fprintf(&b, "window: %s\n", n.Window)
	}
	if n.Value != nil {
		fmt.Fprintf(&b, "value: %v\n", *n.Value)
	}
	fmt.Fprintf(&b, "threshold: %s %v\nas_of: %s\n", n.Op, n.Threshold, n.AsOf.UTC().Format(time.RFC3339))
	b.WriteString("\n-- \nsqi alerts (docs/alerts.md)\n")
	return b.String()
}
