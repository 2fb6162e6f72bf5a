package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/store"
)

// TestDeliveryLease walks one delivery through its leases: two replicas
// claim it and one wins; only the owner moves it to sending; a lease that
// runs out while preparing goes back to retry, one that runs out while
// sending becomes unknown and is never claimed again by the scheduler; the
// owner's outcome is still recorded after its lease expired.
func TestDeliveryLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Date(2026, 3, 11, 7, 0, 0, 0, time.UTC)
	date := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	r := store.ReportKey{TenantID: "acme", Kind: store.ReportDaily, Date: date}
	k := store.DeliveryKey{ReportKey: r, Recipient: "sup@acme.example"}
	n, err := db.EnqueueDeliveries(ctx, r, []string{k.Recipient}, store.TriggerSchedule, now)
	if err != nil || n != 1 {
		t.Fatalf("enqueue = %d, %v", n, err)
	}
	if n, err := db.EnqueueDeliveries(ctx, r, []string{k.Recipient}, store.TriggerSchedule, now); err != nil || n != 0 {
		t.Fatalf("enqueue again = %d, %v; want 0: one delivery per tenant, date and recipient", n, err)
	}
	// The weekly report starting that day is another report: its own
	// delivery to the same recipient.
	w := store.ReportKey{TenantID: "acme", Kind: store.ReportWeekly, Date: date}
	if n, err := db.EnqueueDeliveries(ctx, w, []string{k.Recipient}, store.TriggerSchedule, now); err != nil || n != 1 {
		t.Fatalf("enqueue the weekly report = %d, %v; want 1", n, err)
	}
	due, err := db.DueReports(ctx, now)
	if err != nil || len(due) != 2 || due[0] != r || due[1] != w {
		t.Fatalf("due = %v, %v; want %v and %v", due, err, r, w)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM report_deliveries WHERE kind = 'weekly'`); err != nil {
		t.Fatal(err)
	}

	lease := now.Add(time.Minute)
	d, ok, err := db.ClaimDelivery(ctx, k, "A", now, lease, false)
	if err != nil || !ok || d.Status != store.DeliveryPreparing || d.Attempts != 1 || d.Owner != "A" {
		t.Fatalf("A claims: %+v, %v, %v", d, ok, err)
	}
	if _, ok, err := db.ClaimDelivery(ctx, k, "B", now, lease, false); err != nil || ok {
		t.Fatalf("B claims a leased delivery: ok %v, %v", ok, err)
	}
	if err := db.StartSending(ctx, k, "B", now); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("B starts sending A's delivery: %v, want ErrLeaseLost", err)
	}

	// A dies while preparing: the lease runs out, the delivery is retried.
	exp, err := db.ExpireDeliveryLeases(ctx, lease.Add(time.Second))
	if err != nil || len(exp) != 1 || exp[0].Status != store.DeliveryRetry {
		t.Fatalf("expire while preparing: %+v, %v", exp, err)
	}
	later := lease.Add(2 * time.Second)
	if _, ok, err := db.ClaimDelivery(ctx, k, "B", later, later.Add(time.Minute), false); err != nil || !ok {
		t.Fatalf("B claims the expired delivery: ok %v, %v", ok, err)
	}
	if err := db.StartSending(ctx, k, "B", later); err != nil {
		t.Fatal(err)
	}

	// B hangs while sending: the outcome is unknown, not retried.
	exp, err = db.ExpireDeliveryLeases(ctx, later.Add(2*time.Minute))
	if err != nil || len(exp) != 1 || exp[0].Status != store.DeliveryUnknown {
		t.Fatalf("expire while sending: %+v, %v", exp, err)
	}
	if _, ok, err := db.ClaimDelivery(ctx, k, "C", later.Add(time.Hour), later.Add(2*time.Hour), false); err != nil || ok {
		t.Fatalf("the scheduler claims an unknown delivery: ok %v, %v", ok, err)
	}
	// B comes back: the server had accepted the message.
	err = db.FinishDelivery(ctx, k, "B", store.DeliveryOutcome{Status: store.DeliverySent, MessageID: "m1"}, later.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.Deliveries(ctx, r)
	if err != nil || len(all) != 1 || all[0].Status != store.DeliverySent || all[0].MessageID != "m1" || all[0].Attempts != 2 {
		t.Fatalf("deliveries %+v, %v", all, err)
	}
	if err := db.FinishDelivery(ctx, k, "A", store.DeliveryOutcome{Status: store.DeliveryFailed}, later); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("A, long gone, finishes: %v, want ErrLeaseLost", err)
	}
}

// TestAdvisoryLock: a second session cannot take a held lock; it can once
// the first unlocks.
func TestAdvisoryLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	l, ok, err := db.TryAdvisoryLock(ctx, "sqi.test")
	if err != nil || !ok {
		t.Fatalf("first lock: %v, %v", ok, err)
	}
	if _, ok, err := db.TryAdvisoryLock(ctx, "sqi.test"); err != nil || ok {
		t.Fatalf("second lock while held: %v, %v", ok, err)
	}
	if err := l.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	l2, ok, err := db.TryAdvisoryLock(ctx, "sqi.test")
	if err != nil || !ok {
		t.Fatalf("lock after unlock: %v, %v", ok, err)
	}
	if err := l2.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
}
