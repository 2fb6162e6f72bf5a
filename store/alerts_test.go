package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/store"
)

// TestAlertClaims: of replicas evaluating the same run of a tenant at
// once, exactly one writes; an earlier run is never evaluated after a
// later one; of replicas claiming deliveries at once, each delivery is
// taken by exactly one, and an expired lease sends a webhook back to
// retry and an e-mail to unknown.
func TestAlertClaims(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	evaluate := func(run int64, owner string) (bool, error) {
		_, ok, err := db.EvaluateAlerts(ctx, "acme", store.RunRef{ID: run, SnapshotAt: now}, owner, now,
			func(cur map[string]store.AlertState) (store.AlertEvaluation, error) {
				n := store.AlertNotification{Rule: "queue", State: store.AlertFiring, Metric: "waiting", Op: ">=", Threshold: 1,
					AsOf: now, RunID: run, Text: "t", Body: "{}"}
				for i := range 4 {
					ch := store.ChannelWebhook
					if i%2 == 1 {
						ch = store.ChannelEmail
					}
					n.Deliveries = append(n.Deliveries, store.AlertDelivery{ID: fmt.Sprintf("%d-%d-%s", run, i, owner), Channel: ch, Destination: "d"})
				}
				return store.AlertEvaluation{States: []store.AlertState{{Rule: "queue", State: store.AlertFiring, Since: now, AsOf: now, RunID: run}},
					Notifications: []store.AlertNotification{n}}, nil
			})
		return ok, err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 4 {
		wg.Go(func() {
			ok, err := evaluate(7, fmt.Sprint("replica-", i))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			if ok {
				wins++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d replicas evaluated run 7, want 1", wins)
	}
	if ok, _ := evaluate(6, "late"); ok {
		t.Error("run 6 evaluated after run 7")
	}
	if run, _ := db.AlertEvaluatedRun(ctx, "acme"); run != 7 {
		t.Errorf("evaluated run %d, want 7", run)
	}

	taken := map[string]string{}
	for i := range 3 {
		wg.Go(func() {
			owner := fmt.Sprint("sender-", i)
			for {
				d, _, ok, err := db.ClaimAlertDelivery(ctx, owner, now, now.Add(time.Minute), nil)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if prev, dup := taken[d.ID]; dup {
					t.Errorf("delivery %s taken by %s and %s", d.ID, prev, owner)
				}
				taken[d.ID] = owner
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(taken) != 4 {
		t.Fatalf("%d deliveries taken, want 4", len(taken))
	}
	expired, err := db.ExpireAlertLeases(ctx, now.Add(2*time.Minute))
	if err != nil || len(expired) != 4 {
		t.Fatalf("expired %d (%v), want 4", len(expired), err)
	}
	for _, d := range expired {
		want := map[string]string{store.ChannelWebhook: store.DeliveryRetry, store.ChannelEmail: store.DeliveryUnknown}[d.Channel]
		if d.Status != want {
			t.Errorf("expired %s delivery: %s, want %s", d.Channel, d.Status, want)
		}
	}
	hist, err := db.AlertHistory(ctx, "acme", 10)
	if err != nil || len(hist) != 1 || len(hist[0].Deliveries) != 4 || hist[0].Deliveries[0].Attempts != 1 {
		t.Errorf("history %+v %v", hist, err)
	}
}
