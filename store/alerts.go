package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Alert states and notification kinds (migrations/00007_live_alerts.sql).
const (
	AlertOK       = "ok"
	AlertFiring   = "firing"
	AlertResolved = "resolved" // a notification: the rule went back to ok
)

// Alert delivery channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// AlertState is the state of one rule of a tenant after its last
// evaluation. Value is nil when the rule gave no verdict (too few rooms in
// its window, or an empty denominator); Rooms is nil for a now metric.
type AlertState struct {
	Rule  string
	State string // AlertOK or AlertFiring
	Since time.Time
	Value *float64
	Rooms *int
	AsOf  time.Time // the data's instant of the last evaluation
	RunID int64
}

// AlertNotification is one change of state of a rule: what every e-mail
// and webhook of the tenant is sent. Body is the exact JSON of the
// webhooks.
type AlertNotification struct {
	ID        int64
	TenantID  string
	Rule      string
	State     string // AlertFiring or AlertResolved
	Metric    string
	Window    string // "" for a now metric
	Op        string
	Value     *float64
	Threshold float64
	AsOf      time.Time
	RunID     int64
	Text      string
	Body      string
	CreatedAt time.Time
	// Deliveries: one per destination (read with AlertHistory).
	Deliveries []AlertDelivery
}

// AlertDelivery is the delivery of one notification to one destination.
// ID is the X-SQI-Delivery header, the same on every retry.
type AlertDelivery struct {
	ID             string
	NotificationID int64
	TenantID       string
	Channel        string // ChannelEmail or ChannelWebhook
	Destination    string // the address, or the webhook URL (a credential: never shown whole)
	Secret         string // the webhook's signing secret
	Status         string // DeliveryPending, DeliverySending ("sending"), DeliverySent, DeliveryRetry, DeliveryFailed, DeliveryUnknown
	Attempts       int
	NextAttemptAt  time.Time
	Owner          string
	LastError      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         time.Time // zero until sent
}

// AlertEvaluation is what one evaluation of a tenant's rules writes: the
// state of every configured rule (the states of rules no longer
// configured are dropped) and the notifications of the rules whose state
// changed, each with its deliveries.
type AlertEvaluation struct {
	States        []AlertState
	Notifications []AlertNotification
}

// AlertEvaluatedRun returns the last ETL run whose data tenantID's rules
// were evaluated on (0 before the first evaluation): a replica that sees
// a later run may evaluate it.
func (db *DB) AlertEvaluatedRun(ctx context.Context, tenantID string) (int64, error) {
	const q = `SELECT run_id FROM alert_evaluations WHERE tenant_id = $1`
	var id int64
	err := db.Pool.QueryRow(ctx, q, tenantID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("alert evaluation of %q: %w", tenantID, err)
	}
	return id, nil
}

// EvaluateAlerts evaluates tenantID's rules on run, once whatever the
// number of replicas: in one transaction it moves the tenant's evaluated
// run forward to run (a conditional upsert: a replica that evaluates the
// same run or an earlier one gets ok false and writes nothing), reads the
// rules' current states under that lock, calls decide with them, and
// writes what decide returns. A change of state therefore produces one
// notification, with one delivery per destination, and never two.
func (db *DB) EvaluateAlerts(ctx context.Context, tenantID string, run RunRef, owner string, now time.Time,
	decide func(current map[string]AlertState) (AlertEvaluation, error)) (ev AlertEvaluation, ok bool, err error) {
	const (
		claim = `INSERT INTO alert_evaluations (tenant_id, run_id, as_of, evaluated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (tenant_id) DO UPDATE SET run_id = EXCLUDED.run_id, as_of = EXCLUDED.as_of,
  evaluated_by = EXCLUDED.evaluated_by, updated_at = EXCLUDED.updated_at
WHERE alert_evaluations.run_id < EXCLUDED.run_id
RETURNING true`
		dropGone = `DELETE FROM alert_states WHERE tenant_id = $1 AND NOT (rule = ANY($2::text[]))`
		upsert   = `INSERT INTO alert_states (tenant_id, rule, state, since, value, rooms, as_of, run_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (tenant_id, rule) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, value = EXCLUDED.value,
  rooms = EXCLUDED.rooms, as_of = EXCLUDED.as_of, run_id = EXCLUDED.run_id`
		notify = `INSERT INTO alert_notifications (tenant_id, rule, state, metric, rule_window, op, value, threshold, as_of, run_id, text, body, created_at)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`
		deliver = `INSERT INTO alert_deliveries (tenant_id, id, notification_id, channel, destination, secret, next_attempt_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)`
	)
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var claimed bool
		err := tx.QueryRow(ctx, claim, tenantID, run.ID, run.SnapshotAt, owner, now).Scan(&claimed)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // evaluated already (this run or a later one)
		}
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		current, err := alertStates(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		byRule := make(map[string]AlertState, len(current))
		for _, s := range current {
			byRule[s.Rule] = s
		}
		if ev, err = decide(byRule); err != nil {
			return err
		}
		rules := make([]string, len(ev.States))
		for i, s := range ev.States {
			rules[i] = s.Rule
		}
		if _, err := tx.Exec(ctx, dropGone, tenantID, rules); err != nil {
			return fmt.Errorf("drop states: %w", err)
		}
		for _, s := range ev.States {
			if _, err := tx.Exec(ctx, upsert, tenantID, s.Rule, s.State, s.Since, s.Value, s.Rooms, s.AsOf, s.RunID); err != nil {
				return fmt.Errorf("write state: %w", err)
			}
		}
		for i := range ev.Notifications {
			n := &ev.Notifications[i]
			n.TenantID, n.CreatedAt = tenantID, now
			if err := tx.QueryRow(ctx, notify, tenantID, n.Rule, n.State, n.Metric, n.Window, n.Op, n.Value, n.Threshold,
				n.AsOf, n.RunID, n.Text, n.Body, now).Scan(&n.ID); err != nil {
				return fmt.Errorf("write notification: %w", err)
			}
			for j := range n.Deliveries {
				d := &n.Deliveries[j]
				d.NotificationID, d.TenantID, d.Status, d.CreatedAt, d.NextAttemptAt = n.ID, tenantID, DeliveryPending, now, now
				if _, err := tx.Exec(ctx, deliver, tenantID, d.ID, n.ID, d.Channel, d.Destination, d.Secret, now); err != nil {
					return fmt.Errorf("write delivery: %w", err)
				}
			}
		}
		ok = true
		return nil
	})
	if err != nil {
		return AlertEvaluation{}, false, fmt.Errorf("evaluate alerts of %q: %w", tenantID, err)
	}
	return ev, ok, nil
}

// AlertStates returns the state of every evaluated rule of tenantID, by
// rule name.
func (db *DB) AlertStates(ctx context.Context, tenantID string) ([]AlertState, error) {
	return alertStates(ctx, db.Pool, tenantID)
}

func alertStates(ctx context.Context, q querier, tenantID string) ([]AlertState, error) {
	const sql = `SELECT rule, state, since, value, rooms, as_of, run_id FROM alert_states WHERE tenant_id = $1 ORDER BY rule`
	rows, err := q.Query(ctx, sql, tenantID)
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	var (
		out   []AlertState
		s     AlertState
		value pgtype.Float8
		rooms pgtype.Int4
	)
	_, err = pgx.ForEachRow(rows, []any{&s.Rule, &s.State, &s.Since, &value, &rooms, &s.AsOf, &s.RunID}, func() error {
		x := s
		if value.Valid {
			v := value.Float64
			x.Value = &v
		}
		if rooms.Valid {
			n := int(rooms.Int32)
			x.Rooms = &n
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read alert states: %w", err)
	}
	return out, nil
}

// CountFiringAlerts counts the rules firing now, over every tenant
// (Prometheus).
func (db *DB) CountFiringAlerts(ctx context.Context) (int64, error) {
	var n int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM alert_states WHERE state = 'firing'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count firing alerts: %w", err)
	}
	return n, nil
}

const notificationColumns = `id, tenant_id, rule, state, metric, COALESCE(rule_window, ''), op, value, threshold, as_of, run_id, text, body, created_at`

func scanNotification(row pgx.Row, n *AlertNotification) error {
	var value pgtype.Float8
	err := row.Scan(&n.ID, &n.TenantID, &n.Rule, &n.State, &n.Metric, &n.Window, &n.Op, &value, &n.Threshold,
		&n.AsOf, &n.RunID, &n.Text, &n.Body, &n.CreatedAt)
	n.Value = nil
	if value.Valid {
		v := value.Float64
		n.Value = &v
	}
	return err
}

const deliveryCols = `d.id, d.notification_id, d.tenant_id, d.channel, d.destination, d.secret, d.status, d.attempts,
d.next_attempt_at, d.owner, d.last_error, d.created_at, d.updated_at, d.sent_at`

func scanAlertDelivery(row pgx.Row, d *AlertDelivery, extra ...any) error {
	var (
		owner, lastErr pgtype.Text
		sent           pgtype.Timestamptz
	)
	dest := append([]any{&d.ID, &d.NotificationID, &d.TenantID, &d.Channel, &d.Destination, &d.Secret, &d.Status,
		&d.Attempts, &d.NextAttemptAt, &owner, &lastErr, &d.CreatedAt, &d.UpdatedAt, &sent}, extra...)
	err := row.Scan(dest...)
	d.Owner, d.LastError, d.SentAt = owner.String, lastErr.String, sent.Time
	return err
}

// AlertHistory returns tenantID's latest notifications, newest first, at
// most limit, each with its deliveries (in channel and destination
// order).
func (db *DB) AlertHistory(ctx context.Context, tenantID string, limit int) ([]AlertNotification, error) {
	const (
		qn = `SELECT ` + notificationColumns + ` FROM alert_notifications WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2`
		qd = `SELECT ` + deliveryCols + ` FROM alert_deliveries d
WHERE d.tenant_id = $1 AND d.notification_id >= $2 AND d.notification_id <= $3
ORDER BY d.notification_id, d.channel, d.destination, d.id`
	)
	rows, err := db.Pool.Query(ctx, qn, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("read alert history: %w", err)
	}
	var out []AlertNotification
	for rows.Next() {
		var n AlertNotification
		if err := scanNotification(rows, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read alert history: %w", err)
		}
		out = append(out, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert history: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	index := make(map[int64]int, len(out))
	for i, n := range out {
		index[n.ID] = i
	}
	rows, err = db.Pool.Query(ctx, qd, tenantID, out[len(out)-1].ID, out[0].ID)
	if err != nil {
		return nil, fmt.Errorf("read alert deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d AlertDelivery
		if err := scanAlertDelivery(rows, &d); err != nil {
			return nil, fmt.Errorf("read alert deliveries: %w", err)
		}
		if i, ok := index[d.NotificationID]; ok {
			out[i].Deliveries = append(out[i].Deliveries, d)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read alert deliveries: %w", err)
	}
	return out, nil
}

// ClaimAlertDelivery takes the lease of the most overdue delivery that may
// be attempted at now (pending, or a retry whose time has come), of a
// tenant not in skip, for owner until leaseUntil, and counts the attempt.
// FOR UPDATE SKIP LOCKED and the condition of the UPDATE let exactly one
// replica take each delivery. ok is false when none is due.
func (db *DB) ClaimAlertDelivery(ctx context.Context, owner string, now, leaseUntil time.Time, skip []string) (d AlertDelivery, n AlertNotification, ok bool, err error) {
	const q = `WITH due AS (
  SELECT tenant_id, id FROM alert_deliveries
  WHERE (status = 'pending' OR (status = 'retry' AND next_attempt_at <= $2)) AND NOT (tenant_id = ANY($4::text[]))
  ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE alert_deliveries d SET status = 'sending', attempts = d.attempts + 1, owner = $1, lease_until = $3, updated_at = $2
FROM due, alert_notifications n
WHERE d.tenant_id = due.tenant_id AND d.id = due.id AND n.tenant_id = d.tenant_id AND n.id = d.notification_id
  AND (d.status = 'pending' OR (d.status = 'retry' AND d.next_attempt_at <= $2))
RETURNING ` + deliveryCols + `, n.id, n.tenant_id, n.rule, n.state, n.metric, COALESCE(n.rule_window, ''), n.op, n.value, n.threshold,
  n.as_of, n.run_id, n.text, n.body, n.created_at`
	if skip == nil {
		skip = []string{}
	}
	var value pgtype.Float8
	err = scanAlertDelivery(db.Pool.QueryRow(ctx, q, owner, now, leaseUntil, skip), &d,
		&n.ID, &n.TenantID, &n.Rule, &n.State, &n.Metric, &n.Window, &n.Op, &value, &n.Threshold,
		&n.AsOf, &n.RunID, &n.Text, &n.Body, &n.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return AlertDelivery{}, AlertNotification{}, false, nil
	}
	if err != nil {
		return AlertDelivery{}, AlertNotification{}, false, fmt.Errorf("claim alert delivery: %w", err)
	}
	if value.Valid {
		v := value.Float64
		n.Value = &v
	}
	return d, n, true, nil
}

// FinishAlertDelivery records the outcome of owner's attempt (status
// DeliverySent, DeliveryRetry with next, or DeliveryFailed) and drops its
// lease; ErrLeaseLost when the delivery is no longer owner's.
func (db *DB) FinishAlertDelivery(ctx context.Context, d AlertDelivery, owner string, o DeliveryOutcome, now time.Time) error {
	const q = `UPDATE alert_deliveries
SET status = $4, last_error = NULLIF($5, ''),
    next_attempt_at = CASE WHEN $4 = 'retry' THEN $6 ELSE next_attempt_at END,
    sent_at = CASE WHEN $4 = 'sent' THEN $7 ELSE sent_at END,
    lease_until = NULL, updated_at = $7
WHERE tenant_id = $1 AND id = $2 AND owner = $3 AND status IN ('sending', 'retry', 'unknown')`
	tag, err := db.Pool.Exec(ctx, q, d.TenantID, d.ID, owner, o.Status, o.Error, o.NextAttemptAt, now)
	if err != nil {
		return fmt.Errorf("finish alert delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish alert delivery %s: %w", d.ID, ErrLeaseLost)
	}
	return nil
}

// ExpireAlertLeases ends the leases that ran out (the sender died or hung
// past its lease): a webhook goes back to retry at once (the receiver
// recognises the delivery id should the first attempt have arrived); an
// e-mail becomes unknown, since it may have gone out, and is not sent
// again. It returns them, with their new status.
func (db *DB) ExpireAlertLeases(ctx context.Context, now time.Time) ([]AlertDelivery, error) {
	const q = `UPDATE alert_deliveries d
SET status = CASE channel WHEN 'webhook' THEN 'retry' ELSE 'unknown' END,
    next_attempt_at = $1,
    last_error = CASE channel WHEN 'webhook' THEN 'the sender stopped during the attempt: retried with the same delivery id'
                 ELSE 'the sender stopped while sending: the message may have gone out, so it is not sent again' END,
    lease_until = NULL, updated_at = $1
WHERE status = 'sending' AND lease_until < $1
RETURNING ` + deliveryCols
	rows, err := db.Pool.Query(ctx, q, now)
	if err != nil {
		return nil, fmt.Errorf("expire alert leases: %w", err)
	}
	defer rows.Close()
	var out []AlertDelivery
	for rows.Next() {
		var d AlertDelivery
		if err := scanAlertDelivery(rows, &d); err != nil {
			return nil, fmt.Errorf("expire alert leases: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expire alert leases: %w", err)
	}
	return out, nil
}
