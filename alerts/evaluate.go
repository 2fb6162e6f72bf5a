// Package alerts evaluates each tenant's alert rules after every ETL run
// and delivers each change of state, once, to every e-mail address and
// webhook of the tenant (docs/alerts.md). The values come from the live
// view (live.Snapshot); the states, notifications and deliveries are
// claimed rows of the store, so that several replicas evaluate and send
// each once. E-mail goes through reports/mail; webhooks are signed POSTs
// through a client that refuses private addresses at dial time. It must
// not import api/, reports/ (reports/mail excepted) or etl/.
package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"

	"sqi/live"
	"sqi/metrics"
	"sqi/store"
)

// EvalStore is what the evaluator needs of the primary database;
// *store.DB is one.
type EvalStore interface {
	AlertEvaluatedRun(ctx context.Context, tenantID string) (int64, error)
	EvaluateAlerts(ctx context.Context, tenantID string, run store.RunRef, owner string, now time.Time,
		decide func(current map[string]store.AlertState) (store.AlertEvaluation, error)) (store.AlertEvaluation, bool, error)
}

var _ EvalStore = (*store.DB)(nil)

// Evaluator evaluates a tenant's rules on the live view of an ETL run.
// It is the live.Service's Alerts: Windows tells the service which
// windows to compute when the run is still to be evaluated, Evaluate
// writes the new states and the notifications, once whatever the number
// of replicas (store.EvaluateAlerts).
type Evaluator struct {
	DB    EvalStore
	Owner string
	Now   func() time.Time
	Log   *slog.Logger
	// Wake, when set, is called after an evaluation that made
	// notifications (the Notifier's Kick).
	Wake    func()
	Metrics *Metrics
}

var _ live.Alerts = (*Evaluator)(nil)

// NewEvaluator returns an evaluator on the primary database db.
func NewEvaluator(db EvalStore, m *Metrics, log *slog.Logger) *Evaluator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Evaluator{DB: db, Owner: NewOwner(), Now: time.Now, Log: log, Metrics: m}
}

// NewOwner names this process in leases and claims: host, pid and a
// random part.
func NewOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Windows returns the windows of cfg's rules when run is still to be
// evaluated for the tenant (an empty list for rules without windows),
// nil when there is nothing to evaluate: no rules and none evaluated
// before, or run evaluated already.
func (e *Evaluator) Windows(ctx context.Context, cfg *metrics.Config, run store.RunRef) ([]time.Duration, error) {
	last, err := e.DB.AlertEvaluatedRun(ctx, cfg.TenantID)
	if err != nil {
		return nil, err
	}
	hasRules := cfg.Alerts != nil && len(cfg.Alerts.Rules) > 0
	if last >= run.ID || (!hasRules && last == 0) {
		return nil, nil
	}
	windows := []time.Duration{}
	if hasRules {
		for i := range cfg.Alerts.Rules {
			if w := cfg.Alerts.Rules[i].WindowDuration(); w > 0 {
				windows = append(windows, w)
			}
		}
	}
	return windows, nil
}

// Evaluate compares every rule of cfg with its value in snap and records
// the new states; each rule whose state changes (ok to firing, firing to
// ok) gets one notification with a delivery to every e-mail and webhook
// of cfg. A rule without a verdict (fewer rooms than min_rooms, an empty
// denominator) keeps its state. A rule first seen firing notifies; one
// first seen ok does not. States of rules no longer configured are
// dropped.
func (e *Evaluator) Evaluate(ctx context.Context, cfg *metrics.Config, snap *live.Snapshot) error {
	ev, ok, err := e.DB.EvaluateAlerts(ctx, cfg.TenantID, snap.Run, e.Owner, e.Now(),
		func(current map[string]store.AlertState) (store.AlertEvaluation, error) {
			return Decide(cfg, snap, current)
		})
	if err != nil {
		e.Metrics.evaluation("error")
		return err
	}
	if !ok {
		e.Metrics.evaluation("skipped")
		return nil
	}
	e.Metrics.evaluation("ok")
	for _, n := range ev.Notifications {
		e.Metrics.notified(n.State)
		e.Log.Info("alert", "tenant_id", cfg.TenantID, "rule", n.Rule, "state", n.State, "metric", n.Metric,
			"value", n.Value, "threshold", n.Threshold, "as_of", n.AsOf, "deliveries", len(n.Deliveries))
	}
	if len(ev.Notifications) > 0 && e.Wake != nil {
		e.Wake()
	}
	return nil
}

// Decide computes the states and notifications of cfg's rules on snap
// from their current states: the evaluation's logic, pure.
func Decide(cfg *metrics.Config, snap *live.Snapshot, current map[string]store.AlertState) (store.AlertEvaluation, error) {
	var ev store.AlertEvaluation
	if cfg.Alerts == nil {
		ev.States = []store.AlertState{}
		return ev, nil
	}
	asOf := snap.AsOf()
	for i := range cfg.Alerts.Rules {
		r := &cfg.Alerts.Rules[i]
		v, rooms, found := snap.RuleValue(r)
		windowed := !metrics.IsNowMetric(r.Metric)
		verdict := found && !v.Null && (!windowed || rooms >= r.MinRooms)
		prev, had := current[r.Name]
		s := store.AlertState{Rule: r.Name, State: store.AlertOK, Since: asOf, AsOf: asOf, RunID: snap.Run.ID}
		if had {
			s.State, s.Since = prev.State, prev.Since
		}
		if windowed && found {
			n := rooms
			s.Rooms = &n
		}
		if verdict {
			shown := r.ShownValue(v.V)
			s.Value = &shown
			next := store.AlertOK
			if r.Breached(shown) {
				next = store.AlertFiring
			}
			if next != s.State || (!had && next == store.AlertFiring) {
				kind := store.AlertFiring
				if next == store.AlertOK {
					kind = store.AlertResolved
				}
				n, err := notification(cfg, r, kind, shown, snap)
				if err != nil {
					return ev, err
				}
				ev.Notifications = append(ev.Notifications, n)
				s.State, s.Since = next, asOf
			}
		}
		ev.States = append(ev.States, s)
	}
	return ev, nil
}

// Payload is the JSON body of a webhook (docs/alerts.md), in this order.
type Payload struct {
	TenantID  string  `json:"tenant_id"`
	Rule      string  `json:"rule"`
	State     string  `json:"state"` // firing or resolved
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	AsOf      string  `json:"as_of"`
	Text      string  `json:"text"`
}

// notification builds the notification of rule r changing to kind with
// value v, and its deliveries: one per e-mail address and webhook, each
// with its own id (X-SQI-Delivery).
func notification(cfg *metrics.Config, r *metrics.AlertRule, kind string, v float64, snap *live.Snapshot) (store.AlertNotification, error) {
	asOf := snap.AsOf()
	text := Text(cfg, r, kind, v, asOf)
	body, err := json.Marshal(Payload{TenantID: cfg.TenantID, Rule: r.Name, State: kind, Metric: r.Metric, Value: v,
		Threshold: r.Threshold, AsOf: asOf.In(cfg.Location()).Format(time.RFC3339), Text: text})
	if err != nil {
		return store.AlertNotification{}, fmt.Errorf("alert body: %w", err)
	}
	value := v
	n := store.AlertNotification{Rule: r.Name, State: kind, Metric: r.Metric, Window: r.Window, Op: r.Op, Value: &value,
		Threshold: r.Threshold, AsOf: asOf, RunID: snap.Run.ID, Text: text, Body: string(body)}
	for _, addr := range cfg.Alerts.Emails {
		n.Deliveries = append(n.Deliveries, store.AlertDelivery{ID: uuid.NewString(), Channel: store.ChannelEmail, Destination: addr})
	}
	for _, w := range cfg.Alerts.Webhooks {
		n.Deliveries = append(n.Deliveries, store.AlertDelivery{ID: uuid.NewString(), Channel: store.ChannelWebhook,
			Destination: w.URL, Secret: w.Secret})
	}
	return n, nil
}
