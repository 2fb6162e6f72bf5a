package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Delivery statuses (migrations/00004_reports.sql).
const (
	DeliveryPending   = "pending"
	DeliveryPreparing = "preparing"
	DeliverySending   = "sending"
	DeliverySent      = "sent"
	DeliveryRetry     = "retry"
	DeliveryFailed    = "failed"
	DeliveryUnknown   = "unknown"
)

// Report kinds (migrations/00009_report_kinds.sql): a delivery's report
// covers a local day, an ISO week (from its Monday) or a calendar month
// (from its 1st).
const (
	ReportDaily   = "daily"
	ReportWeekly  = "weekly"
	ReportMonthly = "monthly"
)

// Delivery triggers.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// ReportKey names one report: a tenant's report of one kind whose period
// starts on a local date.
type ReportKey struct {
	TenantID string
	Kind     string    // ReportDaily, ReportWeekly or ReportMonthly
	Date     time.Time // the period's first local date, midnight UTC
}

func (k ReportKey) String() string {
	return k.TenantID + " " + k.Kind + " " + k.Date.Format(time.DateOnly)
}

// DeliveryKey names one delivery: a report to one recipient.
type DeliveryKey struct {
	ReportKey
	Recipient string
}

// Delivery is one row of report_deliveries.
type Delivery struct {
	DeliveryKey
	Status        string
	Trigger       string
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    time.Time // zero when not leased
	Owner         string
	MessageID     string
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	SentAt        time.Time // zero until sent
}

const deliveryColumns = `tenant_id, kind, report_date, recipient, status, trigger, attempts, next_attempt_at,
lease_until, owner, message_id, last_error, created_at, updated_at, sent_at`

func scanDelivery(row pgx.Row) (Delivery, error) {
	var (
		d                     Delivery
		lease, sent           pgtype.Timestamptz
		owner, msgID, lastErr pgtype.Text
	)
	err := row.Scan(&d.TenantID, &d.Kind, &d.Date, &d.Recipient, &d.Status, &d.Trigger, &d.Attempts, &d.NextAttemptAt,
		&lease, &owner, &msgID, &lastErr, &d.CreatedAt, &d.UpdatedAt, &sent)
	d.LeaseUntil, d.SentAt = lease.Time, sent.Time
	d.Owner, d.MessageID, d.LastError = owner.String, msgID.String, lastErr.String
	d.Date = time.Date(d.Date.Year(), d.Date.Month(), d.Date.Day(), 0, 0, 0, 0, time.UTC)
	return d, err
}

// EnqueueDeliveries creates the pending deliveries of report r to
// recipients; those that exist are left as they are (a report is never
// sent twice to one recipient). It returns how many it created.
func (db *DB) EnqueueDeliveries(ctx context.Context, r ReportKey, recipients []string, trigger string, now time.Time) (int, error) {
	n, err := enqueue(ctx, db.Pool, r, recipients, trigger, now)
	if err != nil {
		return 0, fmt.Errorf("enqueue deliveries: %w", err)
	}
	return n, nil
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func enqueue(ctx context.Context, db execer, r ReportKey, recipients []string, trigger string, now time.Time) (int, error) {
	const q = `INSERT INTO report_deliveries (tenant_id, kind, report_date, recipient, trigger, next_attempt_at, created_at, updated_at)
SELECT $1, $6, $2, r, $4, $5, $5, $5 FROM unnest($3::text[]) AS r
ON CONFLICT (tenant_id, kind, report_date, recipient) DO NOTHING`
	if len(recipients) == 0 {
		return 0, nil
	}
	tag, err := db.Exec(ctx, q, r.TenantID, r.Date, recipients, trigger, now, r.Kind)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// ScheduleReports enqueues, in one transaction, the scheduled deliveries
// of tenantID's reports of kind that start on dates, and records the last
// of them as the tenant's last scheduled date of that kind (it never moves
// back).
func (db *DB) ScheduleReports(ctx context.Context, kind, tenantID string, dates []time.Time, recipients []string, now time.Time) error {
	const upsert = `INSERT INTO report_schedule (tenant_id, kind, last_date, updated_at) VALUES ($1, $4, $2, $3)
ON CONFLICT (tenant_id, kind) DO UPDATE SET last_date = GREATEST(report_schedule.last_date, EXCLUDED.last_date), updated_at = $3`
	if len(dates) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		last := dates[0]
		for _, d := range dates {
			if _, err := enqueue(ctx, tx, ReportKey{tenantID, kind, d}, recipients, TriggerSchedule, now); err != nil {
				return err
			}
			if d.After(last) {
				last = d
			}
		}
		_, err := tx.Exec(ctx, upsert, tenantID, last, now, kind)
		return err
	})
	if err != nil {
		return fmt.Errorf("schedule %s reports of %q: %w", kind, tenantID, err)
	}
	return nil
}

// ReportSchedule returns the last scheduled date of the reports of kind of
// every tenant that has one.
func (db *DB) ReportSchedule(ctx context.Context, kind string) (map[string]time.Time, error) {
	const q = `SELECT tenant_id, last_date FROM report_schedule WHERE kind = $1`
	rows, err := db.Pool.Query(ctx, q, kind)
	if err != nil {
		return nil, fmt.Errorf("read report schedule: %w", err)
	}
	out := make(map[string]time.Time)
	var (
		id   string
		last time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &last}, func() error {
		out[id] = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read report schedule: %w", err)
	}
	return out, nil
}

// Deliveries lists the deliveries of report r, by recipient.
func (db *DB) Deliveries(ctx context.Context, r ReportKey) ([]Delivery, error) {
	const q = `SELECT ` + deliveryColumns + ` FROM report_deliveries
WHERE tenant_id = $1 AND kind = $2 AND report_date = $3 ORDER BY recipient`
	return db.deliveries(ctx, q, r.TenantID, r.Kind, r.Date)
}

// AllDeliveries lists every delivery, for tests and operators, in
// (tenant, kind, date, recipient) order.
func (db *DB) AllDeliveries(ctx context.Context) ([]Delivery, error) {
	const q = `SELECT ` + deliveryColumns + ` FROM report_deliveries ORDER BY tenant_id, kind, report_date, recipient`
	return db.deliveries(ctx, q)
}

func (db *DB) deliveries(ctx context.Context, q string, args ...any) ([]Delivery, error) {
	rows, err := db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	return out, nil
}

// DueReports lists the reports that have a delivery to attempt at now:
// pending, or waiting for a retry whose time has come.
func (db *DB) DueReports(ctx context.Context, now time.Time) ([]ReportKey, error) {
	const q = `SELECT DISTINCT tenant_id, kind, report_date FROM report_deliveries
WHERE status = 'pending' OR (status = 'retry' AND next_attempt_at <= $1)
ORDER BY report_date, tenant_id, kind`
	rows, err := db.Pool.Query(ctx, q, now)
	if err != nil {
		return nil, fmt.Errorf("due reports: %w", err)
	}
	var (
		out []ReportKey
		k   ReportKey
	)
	_, err = pgx.ForEachRow(rows, []any{&k.TenantID, &k.Kind, &k.Date}, func() error {
		out = append(out, ReportKey{k.TenantID, k.Kind, time.Date(k.Date.Year(), k.Date.Month(), k.Date.Day(), 0, 0, 0, 0, time.UTC)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due reports: %w", err)
	}
	return out, nil
}

// ClaimDelivery takes the lease of one delivery for owner until
// leaseUntil (status preparing) and counts the attempt, when the delivery
// may be attempted:
// pending, or due for a retry at now; manual also takes a retry before its
// time and a failed delivery. One UPDATE with the condition in its WHERE:
// of two replicas claiming at once, PostgreSQL lets exactly one match.
// ok is false when the delivery is not there to take.
func (db *DB) ClaimDelivery(ctx context.Context, k DeliveryKey, owner string, now, leaseUntil time.Time, manual bool) (d Delivery, ok bool, err error) {
	const q = `UPDATE report_deliveries
SET status = 'preparing', attempts = attempts + 1, owner = $4, lease_until = $6, updated_at = $5
WHERE tenant_id = $1 AND report_date = $2 AND recipient = $3 AND kind = $8
  AND (status = 'pending' OR (status = 'retry' AND (next_attempt_at <= $5 OR $7))
       OR (status = 'failed' AND $7))
RETURNING ` + deliveryColumns
	d, err = scanDelivery(db.Pool.QueryRow(ctx, q, k.TenantID, k.Date, k.Recipient, owner, now, leaseUntil, manual, k.Kind))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, false, nil
	}
	if err != nil {
		return Delivery{}, false, fmt.Errorf("claim delivery: %w", err)
	}
	return d, true, nil
}

// StartSending moves owner's delivery from preparing to sending, just
// before the SMTP exchange: from here on, a sender that dies leaves the
// outcome unknown. ErrLeaseLost when the lease is no longer owner's.
func (db *DB) StartSending(ctx context.Context, k DeliveryKey, owner string, now time.Time) error {
	const q = `UPDATE report_deliveries SET status = 'sending', updated_at = $5
WHERE tenant_id = $1 AND report_date = $2 AND recipient = $3 AND owner = $4 AND status = 'preparing' AND kind = $6`
	tag, err := db.Pool.Exec(ctx, q, k.TenantID, k.Date, k.Recipient, owner, now, k.Kind)
	if err != nil {
		return fmt.Errorf("start sending: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("start sending %s %s: %w", k.ReportKey, k.Recipient, ErrLeaseLost)
	}
	return nil
}

// DeliveryOutcome is how an attempt ended.
type DeliveryOutcome struct {
	Status        string // DeliverySent, DeliveryRetry or DeliveryFailed
	MessageID     string
	Error         string
	NextAttemptAt time.Time // for DeliveryRetry
}

// ErrLeaseLost is returned when a delivery is no longer leased by the
// owner that finishes it.
var ErrLeaseLost = errors.New("delivery lease lost")

// FinishDelivery records the outcome of owner's attempt and drops its
// lease. The outcome is recorded also when the lease expired meanwhile and
// the delivery was marked unknown: the sender knows better.
func (db *DB) FinishDelivery(ctx context.Context, k DeliveryKey, owner string, o DeliveryOutcome, now time.Time) error {
	const q = `UPDATE report_deliveries
SET status = $5, message_id = COALESCE(NULLIF($6, ''), message_id), last_error = NULLIF($7, ''),
    next_attempt_at = CASE WHEN $5 = 'retry' THEN $8 ELSE next_attempt_at END,
    sent_at = CASE WHEN $5 = 'sent' THEN $9 ELSE sent_at END,
    lease_until = NULL, updated_at = $9
WHERE tenant_id = $1 AND report_date = $2 AND recipient = $3 AND owner = $4 AND kind = $10
  AND status IN ('preparing', 'sending', 'unknown')`
	tag, err := db.Pool.Exec(ctx, q, k.TenantID, k.Date, k.Recipient, owner, o.Status, o.MessageID, o.Error, o.NextAttemptAt, now, k.Kind)
	if err != nil {
		return fmt.Errorf("finish delivery: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish delivery %s %s: %w", k.ReportKey, k.Recipient, ErrLeaseLost)
	}
	return nil
}

// ExpireDeliveryLeases ends the leases that ran out (the sender died or
// hung): a delivery still preparing goes back to retry at once (nothing
// was sent); one that was sending becomes unknown, since the message may
// have gone out, and is not retried automatically. It returns them, with
// their new status.
func (db *DB) ExpireDeliveryLeases(ctx context.Context, now time.Time) ([]Delivery, error) {
	const q = `UPDATE report_deliveries
SET status = CASE status WHEN 'preparing' THEN 'retry' ELSE 'unknown' END,
    next_attempt_at = CASE status WHEN 'preparing' THEN $1 ELSE next_attempt_at END,
    last_error = CASE status WHEN 'preparing' THEN 'the sender stopped while preparing the report'
                 ELSE 'the sender stopped while sending: the message may have gone out, so it is not sent again automatically' END,
    lease_until = NULL, updated_at = $1
WHERE status IN ('preparing', 'sending') AND lease_until < $1
RETURNING ` + deliveryColumns
	return db.deliveries(ctx, q, now)
}
