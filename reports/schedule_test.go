package reports_test

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sqi/metrics"
	"sqi/reports"
	"sqi/store"
)

func tenant(id, zone, sendAt string) *metrics.Config {
	c := metrics.DefaultConfig(id)
	c.TimeZone, c.Report.SendAt = zone, sendAt
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return &c
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSendTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    *metrics.Config
		report string // the report's local date
		want   string // UTC
	}{
		{"seoul", tenant("a", "Asia/Seoul", "07:00"), "2026-03-08", "2026-03-08 22:00:00"},
		{"new york before the change", tenant("b", "America/New_York", "07:00"), "2026-03-06", "2026-03-07 12:00:00"},
		{"new york, sent on the spring-forward day", tenant("b", "America/New_York", "07:00"), "2026-03-07", "2026-03-08 11:00:00"},
		{"new york, the 23-hour day's report", tenant("b", "America/New_York", "07:00"), "2026-03-08", "2026-03-09 11:00:00"},
		{"send_at in the gap: when the clock passes it", tenant("b", "America/New_York", "02:30"), "2026-03-07", "2026-03-08 07:00:00"},
		{"send_at twice on fall-back: the first", tenant("b", "America/New_York", "01:30"), "2026-10-31", "2026-11-01 05:30:00"},
		{"new york after fall-back", tenant("b", "America/New_York", "07:00"), "2026-11-01", "2026-11-02 12:00:00"},
		{"midnight", tenant("a", "Asia/Seoul", "00:00"), "2026-03-08", "2026-03-08 15:00:00"},
		{"santiago: midnight skipped", tenant("c", "America/Santiago", "00:00"), "2026-09-05", "2026-09-06 04:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := reports.SendTime(tc.cfg, date(tc.report))
			if err != nil {
				t.Fatal(err)
			}
			if want := utc(tc.want); !got.Equal(want) {
				t.Errorf("SendTime(%s) = %s (%s), want %s UTC", tc.report, got.UTC(), got.In(tc.cfg.Location()), want)
			}
		})
	}
}

func TestDueDates(t *testing.T) {
	t.Parallel()
	seoul := tenant("acme", "Asia/Seoul", "07:00")
	ny := tenant("globex", "America/New_York", "07:00")
	none := tenant("quiet", "Asia/Seoul", "")
	tests := []struct {
		name string
		cfg  *metrics.Config
		now  string // UTC
		last string // last scheduled date, "" never
		want []string
	}{
		{"seoul before send time", seoul, "2026-03-08 21:59:59", "2026-03-06", []string{"2026-03-07"}},
		{"seoul at send time", seoul, "2026-03-08 22:00:00", "2026-03-07", []string{"2026-03-08"}},
		{"seoul already scheduled", seoul, "2026-03-08 23:00:00", "2026-03-08", nil},
		{"new york 06:59 EDT on the DST day", ny, "2026-03-08 10:59:00", "2026-03-06", nil},
		{"new york 07:00 EDT on the DST day", ny, "2026-03-08 11:00:00", "2026-03-06", []string{"2026-03-07"}},
		{"new york, the DST day's report", ny, "2026-03-09 11:00:00", "2026-03-07", []string{"2026-03-08"}},
		{"never scheduled: the latest only", seoul, "2026-03-09 03:00:00", "", []string{"2026-03-08"}},
		{"down for two days", seoul, "2026-03-09 03:00:00", "2026-03-06", []string{"2026-03-07", "2026-03-08"}},
		{"down for a month: a week at most", seoul, "2026-03-09 03:00:00", "2026-02-01",
			[]string{"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08"}},
		{"no send_at: never", none, "2026-03-09 03:00:00", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var last time.Time
			if tc.last != "" {
				last = date(tc.last)
			}
			var got []string
			for _, d := range reports.DueDates(tc.cfg, utc(tc.now), last, tc.last != "", 7) {
				got = append(got, d.Format(metrics.DateLayout))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("DueDates = %v, want %v", got, tc.want)
			}
		})
	}
}

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
		if err := db.ScheduleReports(ctx, id, []time.Time{date("2026-03-06")}, nil, utc("2026-03-07 00:00:00")); err != nil {
			t.Fatal(err)
		}
	}
	clk := newClock(utc("2026-03-07 12:00:00"))
	m := &fakeMailer{}
	s := reports.NewScheduler(db, &fakeETL{}, m, clk.Now, nil)

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
			if err := db.ScheduleReports(ctx, "acme", []time.Time{date(tc.last)}, nil, utc(tc.restart).Add(-72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			// globex is up to date: its 07:00 EDT has not come yet.
			if err := db.ScheduleReports(ctx, "globex", []time.Time{date("2026-03-07")}, nil, utc(tc.restart).Add(-72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			clk := newClock(utc(tc.restart))
			m := &fakeMailer{}
			s := reports.NewScheduler(db, &fakeETL{}, m, clk.Now, nil)
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
	s := reports.NewScheduler(db, busy, m, clk.Now, nil)
	if _, err := db.Pool.Exec(ctx, `UPDATE etl_runs SET started_at = '2026-03-08 21:59:00+00'`); err != nil {
		t.Fatal(err)
	}
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(m.messages()); n != 0 || busy.calls != 1 {
		t.Fatalf("with the ETL busy: %d sent, %d ETL calls; want none sent and one ETL attempt", n, busy.calls)
	}
	// The other replica's run, started at 22:00:00, has finished.
	if _, err := db.Pool.Exec(ctx, `UPDATE etl_runs SET started_at = '2026-03-08 22:00:00+00'`); err != nil {
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

func (b *busyETL) RunOnce(context.Context) (etlResult, error) {
	b.calls++
	return etlResult{}, errBusy
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
	s := reports.NewScheduler(db, f, m, clk.Now, nil)
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
	if _, err := db.EnqueueDeliveries(ctx, "acme", day, []string{"lead@acme.example", "ops@acme.example"}, store.TriggerSchedule, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.ScheduleReports(ctx, "acme", []time.Time{day}, nil, clk.Now()); err != nil {
		t.Fatal(err)
	}
	lease := clk.Now().Add(10 * time.Minute)
	for _, r := range []string{"lead@acme.example", "ops@acme.example"} {
		k := store.DeliveryKey{TenantID: "acme", Date: day, Recipient: r}
		if _, ok, err := db.ClaimDelivery(ctx, k, "dead", clk.Now(), lease, false); err != nil || !ok {
			t.Fatalf("claim %s: %v %v", r, ok, err)
		}
	}
	if err := db.StartSending(ctx, store.DeliveryKey{TenantID: "acme", Date: day, Recipient: "ops@acme.example"}, "dead", clk.Now()); err != nil {
		t.Fatal(err)
	}

	m := &fakeMailer{}
	s := reports.NewScheduler(db, &fakeETL{}, m, clk.Now, nil)
	for _, step := range []time.Duration{time.Minute, 10 * time.Minute, time.Minute} {
		clk.Add(step)
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := sentLog(m); !slices.Equal(got, []string{"lead@acme.example 2026-03-08"}) {
		t.Errorf("sent %v, want only the delivery that died while preparing", got)
	}
	ds, err := db.Deliveries(ctx, "acme", day)
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
