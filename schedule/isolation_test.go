package schedule_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"sqi/etl"
	"sqi/schedule"
)

// TestBrokenTenantDoesNotStopTheRound: a tenant whose stored
// configuration no longer validates is skipped (with a warning naming the
// field); the other tenant's report goes out.
func TestBrokenTenantDoesNotStopTheRound(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 2, 50)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `UPDATE tenants SET config = jsonb_set(config, '{components,wait,weight}', '-5') WHERE tenant_id = 'globex'`); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	clk := newClock(utc("2026-03-09 12:00:00")) // both tenants' reports of the 8th are due
	m := &fakeMailer{}
	s := schedule.New(db, &fakeETL{}, m, clk.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sentLog(m); !slices.Equal(got, []string{"lead@acme.example 2026-03-08", "ops@acme.example 2026-03-08"}) {
		t.Errorf("sent %v, want acme's report only", got)
	}
	if !strings.Contains(logs.String(), "tenant skipped") || !strings.Contains(logs.String(), "components.wait.weight -5") {
		t.Errorf("the log does not say why globex was skipped:\n%s", logs.String())
	}
}

// TestNightlyReconcileOnce: the nightly reconciliation runs, and a second
// replica's (or a second start's) within 20 hours does not.
func TestNightlyReconcileOnce(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 1, 20)
	s := schedule.New(db, &etl.Runner{Source: db.Pool, Store: db}, nil, nil, nil)
	var seen []etl.ReconcileResult
	s.ObserveReconcile = func(r etl.ReconcileResult, err error) {
		if err != nil {
			t.Error(err)
		}
		seen = append(seen, r)
	}
	if _, ran, err := s.RunReconcile(t.Context()); err != nil || !ran {
		t.Fatalf("first: ran %v, %v", ran, err)
	}
	other := schedule.New(db, &etl.Runner{Source: db.Pool, Store: db}, nil, func() time.Time { return time.Now().Add(19 * time.Hour) }, nil)
	if _, ran, err := other.RunReconcile(t.Context()); err != nil || ran {
		t.Errorf("19 hours later: ran %v, %v; want skipped", ran, err)
	}
	later := schedule.New(db, &etl.Runner{Source: db.Pool, Store: db}, nil, func() time.Time { return time.Now().Add(21 * time.Hour) }, nil)
	if _, ran, err := later.RunReconcile(t.Context()); err != nil || !ran {
		t.Errorf("21 hours later: ran %v, %v; want a run", ran, err)
	}
	if len(seen) != 1 || seen[0].Repaired() != 0 {
		t.Errorf("observed %+v", seen)
	}
}
