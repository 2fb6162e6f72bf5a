package schedule_test

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sqi/internal/mailpit"
	"sqi/metrics"
	"sqi/schedule"
	"sqi/store"
)

// periodTenants configures acme (Seoul) with weekly and monthly
// recipients and globex (New York) with monthly ones only (its weekly
// report has none: not sent), and no daily recipients, so that the
// messages are the weekly and monthly reports alone.
func periodTenants(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"acme", "globex"} {
		tn, err := db.Tenant(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c := tn.Config
		c.Report.Recipients = []string{}
		if id == "acme" {
			c.Report.Weekly = &metrics.Recipients{Recipients: []string{"week@acme.example"}}
		}
		c.Report.Monthly = &metrics.Recipients{Recipients: []string{"month@" + id + ".example"}}
		if err := db.PutTenant(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// received lists the messages Mailpit has as "recipient period", sorted:
// week@acme.example 2026-03-02 – 2026-03-08, month@acme.example 2026-03.
func received(t *testing.T, mp *mailpit.Server) []string {
	t.Helper()
	var out []string
	for _, m := range mp.Messages(t) {
		for _, to := range m.To {
			out = append(out, to.Address+" "+subjectPeriod.FindString(m.Subject))
		}
	}
	sort.Strings(out)
	return out
}

var subjectPeriod = regexp.MustCompile(`\d{4}-\d\d(-\d\d( – \d{4}-\d\d-\d\d)?)?`)

// TestSchedulePeriodsOnce walks an injected clock over the Monday of a
// weekly report and the 1st of a monthly one, ten minutes at a time,
// with a real SMTP server (Mailpit): each report reaches each of its
// recipients once, at send_at (07:00) in the tenant's zone on the day
// after its period; a kind without recipients sends nothing.
func TestSchedulePeriodsOnce(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 10, 40)
	periodTenants(t, db)
	ctx := context.Background()
	// The schedulers were up to date before the test starts.
	for _, x := range []struct{ kind, tenant, last string }{
		{store.ReportWeekly, "acme", "2026-02-23"}, {store.ReportWeekly, "globex", "2026-02-23"},
		{store.ReportMonthly, "acme", "2026-02-01"}, {store.ReportMonthly, "globex", "2026-02-01"},
		{store.ReportDaily, "acme", "2026-03-07"}, {store.ReportDaily, "globex", "2026-03-07"},
	} {
		if err := db.ScheduleReports(ctx, x.kind, x.tenant, []time.Time{date(x.last)}, nil, utc("2026-03-08 00:00:00")); err != nil {
			t.Fatal(err)
		}
	}
	mp := mailpit.Start(t, false)
	clk := newClock(utc("2026-03-08 12:00:00"))
	s := schedule.New(db, &fakeETL{}, mp.Mailer(t), clk.Now, nil)

	sentAt := map[string]time.Time{}
	walk := func(until time.Time) {
		t.Helper()
		for clk.Now().Before(until) {
			if err := s.RunReports(ctx); err != nil {
				t.Fatal(err)
			}
			for _, k := range received(t, mp) {
				if _, ok := sentAt[k]; !ok {
					sentAt[k] = clk.Now()
				}
			}
			clk.Add(10 * time.Minute)
		}
	}
	walk(utc("2026-03-09 12:00:00"))
	// The month's end: the scheduler was down in between; the walk
	// covers 07:00 of the 1st in both zones. The first round after the
	// outage catches up the last two weeks it missed (CatchUpWeeks), not
	// the week of 9 March.
	clk.Set(utc("2026-03-31 20:00:00"))
	walk(utc("2026-04-01 12:00:00"))

	want := map[string]string{ // UTC
		"week@acme.example 2026-03-02 – 2026-03-08": "2026-03-08 22:00:00", // Monday 07:00 KST
		"week@acme.example 2026-03-16 – 2026-03-22": "2026-03-31 20:00:00", // caught up
		"week@acme.example 2026-03-23 – 2026-03-29": "2026-03-31 20:00:00",
		"month@acme.example 2026-03":                "2026-03-31 22:00:00", // 1 April 07:00 KST
		"month@globex.example 2026-03":              "2026-04-01 11:00:00", // 1 April 07:00 EDT
	}
	for k, w := range want {
		if got, ok := sentAt[k]; !ok || !got.Equal(utc(w)) {
			t.Errorf("%s sent at %v, want %s UTC", k, got, w)
		}
	}
	if got := received(t, mp); len(got) != len(want) {
		t.Errorf("received %v, want each of the %d reports once", got, len(want))
	}
	checkDeliveries(t, db, len(want))
}

// TestSchedulePeriodsCatchUp: the service was down over the send times;
// the first round after the restart sends the weekly and monthly reports
// it missed, oldest first, at most CatchUpWeeks weeks and CatchUpMonths
// months back, once; later rounds send nothing more.
func TestSchedulePeriodsCatchUp(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 40, 20)
	periodTenants(t, db)
	ctx := context.Background()
	// Last scheduled before the outage: the week of 9 February, January.
	for _, id := range []string{"acme", "globex"} {
		if err := db.ScheduleReports(ctx, store.ReportWeekly, id, []time.Time{date("2026-02-09")}, nil, utc("2026-02-16 00:00:00")); err != nil {
			t.Fatal(err)
		}
		if err := db.ScheduleReports(ctx, store.ReportMonthly, id, []time.Time{date("2025-12-01")}, nil, utc("2026-01-01 00:00:00")); err != nil {
			t.Fatal(err)
		}
	}
	mp := mailpit.Start(t, false)
	clk := newClock(utc("2026-03-09 03:00:00")) // Monday noon in Seoul, 23:00 on Sunday in New York
	s := schedule.New(db, &fakeETL{}, mp.Mailer(t), clk.Now, nil)
	for range 3 {
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	want := []string{
		// acme's weeks of 16 February (missed), 23 February and 2 March:
		// the last two (CatchUpWeeks); globex has no weekly recipients.
		"month@acme.example 2026-02",
		"month@globex.example 2026-02",
		"week@acme.example 2026-02-23 – 2026-03-01",
		"week@acme.example 2026-03-02 – 2026-03-08",
	}
	if got := received(t, mp); !slices.Equal(got, want) {
		t.Errorf("after the restart received %v, want %v", got, want)
	}
	// A day later: nothing more (globex's week is due on its Monday).
	clk.Add(24 * time.Hour)
	for range 3 {
		if err := s.RunReports(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	if got := received(t, mp); !slices.Equal(got, want) {
		t.Errorf("a day later received %v, want still %v", got, want)
	}
	checkDeliveries(t, db, len(want))
	// Each message carries its period's workbook.
	for _, m := range mp.Messages(t) {
		full := mp.Message(t, m.ID)
		if len(full.Attachments) != 1 || !strings.Contains(full.Attachments[0].FileName, "_weekly_") && !strings.Contains(full.Attachments[0].FileName, "_monthly_") {
			t.Errorf("%s: attachments %+v", m.Subject, full.Attachments)
		}
	}
}

// checkDeliveries: n deliveries, all sent by the schedule.
func checkDeliveries(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ds, err := db.AllDeliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != n {
		t.Errorf("%d deliveries, want %d", len(ds), n)
	}
	for _, d := range ds {
		if d.Status != store.DeliverySent || d.Trigger != store.TriggerSchedule || d.Attempts != 1 {
			t.Errorf("delivery %s %s: %s, %s, %d attempts", d.ReportKey, d.Recipient, d.Status, d.Trigger, d.Attempts)
		}
	}
}
