package schedule_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/mailpit"
	"sqi/metrics"
	"sqi/schedule"
	"sqi/store"
)

// sentLog lists what a fake mailer sent as "recipient date", sorted.
func sentLog(m *fakeMailer) []string {
	var out []string
	for _, msg := range m.messages() {
		i := strings.Index(msg.Subject, "2026-")
		out = append(out, msg.To+" "+msg.Subject[i:i+10])
	}
	sort.Strings(out)
	return out
}

// TestScheduleClock walks an injected clock across two days, five minutes
// at a time (TestDueDates checks the minute boundaries), through the DST
// change of New York: each tenant's report of the previous local day goes
// out once, at its send_at in its zone.
func TestScheduleClock(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 2, 50)
	ctx := context.Background()
	for _, id := range []string{"acme", "globex"} {
		tn, err := db.Tenant(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tn.Config.Report.Recipients = []string{"lead@" + id + ".example"}
		if err := db.PutTenant(ctx, tn.Config); err != nil {
			t.Fatal(err)
		}
	}
	// The schedulers have scheduled up to the 6th before the test starts.
	for _, id := range []string{"acme", "globex"} {
		if err := db.ScheduleReports(ctx, store.ReportDaily, id, []time.Time{date("2026-03-06")}, nil, utc("2026-03-07 00:00:00")); err != nil {
			t.Fatal(err)
		}
	}
	clk := newClock(utc("2026-03-07 12:00:00"))
	m := &fakeMailer{}
	s := schedule.New(db, &fakeETL{}, m, clk.Now, nil)

	// When each message went out, by "recipient date".
	sentAt := map[string]time.Time{}
	for clk.Now().Before(utc("2026-03-09 12:00:00")) {
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
		for _, k := range sentLog(m) {
			if _, ok := sentAt[k]; !ok {
				sentAt[k] = clk.Now()
			}
		}
		clk.Add(5 * time.Minute)
	}
	want := map[string]string{ // UTC
		"lead@acme.example 2026-03-07":   "2026-03-07 22:00:00", // 07:00 KST on the 8th
		"lead@acme.example 2026-03-08":   "2026-03-08 22:00:00",
		"lead@globex.example 2026-03-07": "2026-03-08 11:00:00", // 07:00 EDT, the clocks moved at 02:00
		"lead@globex.example 2026-03-08": "2026-03-09 11:00:00", // the 23-hour day
	}
	for k, w := range want {
		if got, ok := sentAt[k]; !ok || !got.Equal(utc(w)) {
			t.Errorf("%s sent at %v, want %s UTC", k, got, w)
		}
	}
	if got := sentLog(m); len(got) != len(want) {
		t.Errorf("sent %v, want each of the %d reports once", got, len(want))
	}
}

// TestScheduleRestart: the service was down over the send time; the
// first round after the restart sends what was missed, once.
func TestScheduleRestart(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 3, 50)
	ctx := context.Background()
	tests := []struct {
		name    string
		last    string // last date scheduled before the outage
		restart string // UTC
		want    []string
	}{
		// Down from 06:00 to 09:30 in Seoul: the 07:00 report goes at 09:30.
		{"missed one", "2026-03-07", "2026-03-09 00:30:00", []string{
			"lead@acme.example 2026-03-08", "ops@acme.example 2026-03-08"}},
		// Down for two days: both reports, oldest first.
		{"missed two", "2026-03-06", "2026-03-09 00:30:00", []string{
			"lead@acme.example 2026-03-07", "lead@acme.example 2026-03-08",
			"ops@acme.example 2026-03-07", "ops@acme.example 2026-03-08"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.Pool.Exec(ctx, `DELETE FROM report_deliveries`); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"acme", "globex"} {
				if _, err := db.Pool.Exec(ctx, `DELETE FROM report_schedule WHERE tenant_id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.ScheduleReports(ctx, store.ReportDaily, "acme", []time.Time{date(tc.last)}, nil, utc(tc.restart).Add(-72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			// globex is up to date: its 07:00 EDT has not come yet.
			if err := db.ScheduleReports(ctx, store.ReportDaily, "globex", []time.Time{date("2026-03-07")}, nil, utc(tc.restart).Add(-72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			clk := newClock(utc(tc.restart))
			m := &fakeMailer{}
			s := schedule.New(db, &fakeETL{}, m, clk.Now, nil)
			for range 3 {
				if err := s.RunReports(ctx); err != nil {
					t.Fatal(err)
				}
				clk.Add(time.Minute)
			}
			if got := sentLog(m); !slices.Equal(got, tc.want) {
				t.Errorf("sent %v, want %v", got, tc.want)
			}
			ds, err := db.AllDeliveries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ds {
				if d.Status != store.DeliverySent || d.Trigger != store.TriggerSchedule {
					t.Errorf("delivery %s %s %s: %s, %s", d.TenantID, d.Date.Format(metrics.DateLayout), d.Recipient, d.Status, d.Trigger)
				}
			}
		})
	}
}

// TestScheduleWaitsForETL: a report due now waits for an ETL run that saw
// the events up to its send time; the scheduler runs one itself.
func TestScheduleWaitsForETL(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 2, 50) // the seed's ETL run started in real time, long after the 9th
	ctx := context.Background()
	clk := newClock(utc("2026-03-08 22:00:30"))
	busy := &busyETL{}
	m := &fakeMailer{}
	s := schedule.New(db, busy, m, clk.Now, nil)
	if _, err := db.Pool.Exec(ctx, `UPDATE etl_runs SET started_at = '2026-03-08 21:59:00+00', snapshot_at = '2026-03-08 21:59:00+00'`); err != nil {
		t.Fatal(err)
	}
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(m.messages()); n != 0 || busy.calls != 1 {
		t.Fatalf("with the ETL busy: %d sent, %d ETL calls; want none sent and one ETL attempt", n, busy.calls)
	}
	// The other replica's run, started at 22:00:00, has finished.
	if _, err := db.Pool.Exec(ctx, `UPDATE etl_runs SET started_at = '2026-03-08 22:00:00+00', snapshot_at = '2026-03-08 22:00:00+00'`); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(m.messages()); n != 2 {
		t.Errorf("after a fresh ETL run: %d sent, want 2", n)
	}
}

// busyETL answers as when another replica's run holds the lock.
type busyETL struct{ calls int }

func (b *busyETL) RunOnce(context.Context) (etl.Result, error) {
	b.calls++
	return etl.Result{}, etl.ErrBusy
}

// TestSchedulerJobs runs the gocron jobs for real, at a fast pace: the
// ETL never overlaps itself, and the report missed before the start goes
// out at once.
func TestSchedulerJobs(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 2, 50)
	clk := newClock(utc("2026-03-09 00:30:00")) // 09:30 in Seoul: the 07:00 report is due
	f := &fakeETL{sleep: 120 * time.Millisecond}
	m := &fakeMailer{}
	s := schedule.New(db, f, m, clk.Now, nil)
	s.Every = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(m.messages()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	runs, overlap := f.stats()
	if runs < 2 || overlap != 1 {
		t.Errorf("etl: %d runs, at most %d at once; want several runs, never two at once", runs, overlap)
	}
	if got := sentLog(m); !slices.Equal(got, []string{"lead@acme.example 2026-03-08", "ops@acme.example 2026-03-08"}) {
		t.Errorf("sent %v, want the missed report of the 8th to each recipient once", got)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// TestDeadSender: a replica took two leases and died, one while preparing
// the report (nothing sent: retried), one while sending (maybe sent: left
// unknown, never sent again automatically).
func TestDeadSender(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 2, 50)
	ctx := context.Background()
	clk := newClock(utc("2026-03-09 00:30:00"))
	if _, err := db.EnqueueDeliveries(ctx, dailyKey("acme", day), []string{"lead@acme.example", "ops@acme.example"}, store.TriggerSchedule, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.ScheduleReports(ctx, store.ReportDaily, "acme", []time.Time{day}, nil, clk.Now()); err != nil {
		t.Fatal(err)
	}
	lease := clk.Now().Add(10 * time.Minute)
	for _, r := range []string{"lead@acme.example", "ops@acme.example"} {
		k := store.DeliveryKey{ReportKey: dailyKey("acme", day), Recipient: r}
		if _, ok, err := db.ClaimDelivery(ctx, k, "dead", clk.Now(), lease, false); err != nil || !ok {
			t.Fatalf("claim %s: %v %v", r, ok, err)
		}
	}
	if err := db.StartSending(ctx, store.DeliveryKey{ReportKey: dailyKey("acme", day), Recipient: "ops@acme.example"}, "dead", clk.Now()); err != nil {
		t.Fatal(err)
	}

	m := &fakeMailer{}
	s := schedule.New(db, &fakeETL{}, m, clk.Now, nil)
	for _, step := range []time.Duration{time.Minute, 10 * time.Minute, time.Minute} {
		clk.Add(step)
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := sentLog(m); !slices.Equal(got, []string{"lead@acme.example 2026-03-08"}) {
		t.Errorf("sent %v, want only the delivery that died while preparing", got)
	}
	ds, err := db.Deliveries(ctx, dailyKey("acme", day))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lead@acme.example": store.DeliverySent, "ops@acme.example": store.DeliveryUnknown}
	for _, d := range ds {
		if d.Status != want[d.Recipient] {
			t.Errorf("%s: %s (%s), want %s", d.Recipient, d.Status, d.LastError, want[d.Recipient])
		}
	}
}

// TestRetryDeliversOnce: the first attempt fails at the SMTP server
// (451 on RCPT TO), the retry after the backoff delivers, and nothing is
// ever delivered twice.
func TestRetryDeliversOnce(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 2, 100)
	mp := mailpit.Start(t, false)
	clk := newClock(time.Date(2026, 3, 8, 22, 0, 30, 0, time.UTC)) // 07:00:30 in Seoul on the 9th
	s := schedule.New(db, &fakeETL{}, mp.Mailer(t), clk.Now, slog.New(slog.DiscardHandler))
	ctx := context.Background()

	mp.Chaos(t, 451)
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	ds, err := db.Deliveries(ctx, dailyKey("acme", day))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2", len(ds))
	}
	for _, d := range ds {
		if d.Status != store.DeliveryRetry || d.Attempts != 1 || !strings.Contains(d.LastError, "451") ||
			!d.NextAttemptAt.Equal(clk.Now().Add(time.Minute)) {
			t.Errorf("after a refused attempt: %+v; want retry in a minute with the 451 error", d)
		}
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("mailpit has %d messages after a refused attempt", n)
	}

	mp.Chaos(t, 0)
	steps := []struct {
		after time.Duration
		want  int // messages received so far
	}{
		{30 * time.Second, 0}, // backoff not over: no attempt
		{31 * time.Second, 2}, // retried: delivered
		{time.Minute, 2},      // nothing more
		{time.Hour, 2},
	}
	for _, st := range steps {
		clk.Add(st.after)
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
		if got := mailpit.PerRecipient(mp.Messages(t)); len(got) != st.want || (st.want > 0 && (got["lead@acme.example"] != 1 || got["ops@acme.example"] != 1)) {
			t.Errorf("at %s: received %v, want each recipient once (%d)", clk.Now().Format(time.TimeOnly), got, st.want)
		}
	}
	ds, err = db.Deliveries(ctx, dailyKey("acme", day))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != store.DeliverySent || d.Attempts != 2 || d.LastError != "" {
			t.Errorf("finally: %+v; want sent at the second attempt", d)
		}
	}
}

// TestTwoSchedulersDeliverOnce runs two schedulers, each with its own
// connection pool, on one database and one Mailpit, round after round at
// the same moments: each report reaches each recipient once.
func TestTwoSchedulersDeliverOnce(t *testing.T) {
	t.Parallel()
	db, url := pgtestWithURL(t)
	seedInto(t, db, 2, 2, 100)
	other, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mp := mailpit.Start(t, false)
	// 12:00 UTC on the 9th: 21:00 in Seoul, 08:00 in New York (EDT):
	// both tenants' reports of the 8th are due.
	clk := newClock(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	a := schedule.New(db, &fakeETL{}, mp.Mailer(t), clk.Now, nil)
	b := schedule.New(other, &fakeETL{}, mp.Mailer(t), clk.Now, nil)

	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*schedule.Scheduler{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.RunReports(context.Background())
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		clk.Add(time.Minute)
	}

	// And the deliverers alone, racing for the same rows without the
	// round's lock: the leases still let one of them through.
	for _, s := range []*schedule.Scheduler{a, b} {
		if _, err := s.Deliverer().Enqueue(context.Background(), dailyKey("acme", day.AddDate(0, 0, -1)), store.TriggerManual); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range []*schedule.Scheduler{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Deliverer().Deliver(context.Background(), dailyKey("acme", day.AddDate(0, 0, -1)), false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	got := map[string]int{}
	for _, m := range mp.Messages(t) {
		for _, to := range m.To {
			got[to.Address+" "+m.Subject[strings.Index(m.Subject, "2026-"):][:10]]++
		}
	}
	want := []string{
		"lead@acme.example 2026-03-08", "ops@acme.example 2026-03-08",
		"lead@globex.example 2026-03-08", "ops@globex.example 2026-03-08",
		"lead@acme.example 2026-03-07", "ops@acme.example 2026-03-07",
	}
	for _, w := range want {
		if got[w] != 1 {
			t.Errorf("%s received %d times, want once", w, got[w])
		}
	}
	if len(got) != len(want) {
		t.Errorf("received %v, want exactly %v", got, want)
	}
}

// dailyKey names tenant's daily report of day.
func dailyKey(tenant string, day time.Time) store.ReportKey {
	return store.ReportKey{TenantID: tenant, Kind: store.ReportDaily, Date: day}
}
