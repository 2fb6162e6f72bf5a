package reports_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/reports"
	"sqi/store"
)

func TestEmailThroughMailpit(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 3, 200)
	tests := []struct {
		name    string
		tenant  string
		tls     bool
		subject string // a part of the subject
		html    string // a part of the HTML
	}{
		{"korean over plain smtp with auth", "acme", false, "일일 리포트", "일일 상담 품질 리포트"},
		{"english over starttls", "globex", true, "daily report", "Daily service quality report"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp := startMailpit(t, tc.tls)
			now := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
			gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}
			d := reports.NewDeliverer(gen, mp.mailer(t), func() time.Time { return now }, slog.New(slog.DiscardHandler))
			ds, err := d.DeliverNow(context.Background(), tc.tenant, day, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 2 {
				t.Fatalf("%d deliveries, want 2 (one per recipient)", len(ds))
			}
			for _, x := range ds {
				if x.Status != store.DeliverySent || x.Attempts != 1 || x.MessageID == "" || x.SentAt.IsZero() || x.Trigger != store.TriggerManual {
					t.Errorf("delivery %+v: want sent at the first attempt, with its message id", x)
				}
			}
			msgs := mp.messages(t)
			if len(msgs) != 2 {
				t.Fatalf("mailpit got %d messages, want 2", len(msgs))
			}
			for _, s := range msgs {
				m := mp.message(t, s.ID)
				if !strings.Contains(m.Subject, tc.subject) || !strings.Contains(m.Subject, "2026-03-08") {
					t.Errorf("subject %q: want %q and the date", m.Subject, tc.subject)
				}
				if strings.Contains(m.HTML, "ZgotmplZ") {
					t.Error("html has a value html/template refused (ZgotmplZ)")
				}
				if !strings.Contains(m.HTML, tc.html) || !strings.Contains(m.Text, "SQI") {
					t.Errorf("html or text part missing the report (html has %q: %v)", tc.html, strings.Contains(m.HTML, tc.html))
				}
				if m.From.Address != "reports@sqi.example" || m.From.Name != "SQI 리포트" {
					t.Errorf("from %+v", m.From)
				}
				cids := map[string]bool{}
				for _, p := range m.Inline {
					if p.ContentType == "image/png" && p.Size > 1000 {
						cids[p.ContentID] = true
					}
				}
				for _, cid := range []string{"hourly.png", "trend.png"} {
					if !cids[cid] || !strings.Contains(m.HTML, "cid:"+cid) {
						t.Errorf("inline image %s: present %v, referenced %v", cid, cids[cid], strings.Contains(m.HTML, "cid:"+cid))
					}
				}
				if len(m.Attachments) != 1 || m.Attachments[0].FileName != reports.FileName(tc.tenant, day) ||
					m.Attachments[0].ContentType != reports.ContentType {
					t.Fatalf("attachments %+v: want the workbook %s", m.Attachments, reports.FileName(tc.tenant, day))
				}
				xlsx := mp.get(t, "/api/v1/message/"+s.ID+"/part/"+m.Attachments[0].PartID)
				f, err := excelize.OpenReader(bytes.NewReader(xlsx))
				if err != nil {
					t.Fatalf("attached workbook: %v", err)
				}
				if got := f.GetSheetList(); len(got) != len(reports.Sheets) {
					t.Errorf("attached workbook sheets %v", got)
				}
				f.Close()
				writeOut(t, "email-"+tc.tenant+".html", []byte(m.HTML))
				writeOut(t, "email-"+tc.tenant+".txt", []byte(m.Text))
				writeOut(t, "email-"+tc.tenant+".eml", mp.get(t, "/api/v1/message/"+s.ID+"/raw"))
				for _, p := range m.Inline {
					writeOut(t, "email-"+tc.tenant+"-"+p.ContentID, mp.get(t, "/api/v1/message/"+s.ID+"/part/"+p.PartID))
				}
			}

			// Asked again: nothing is sent twice.
			if _, err := d.DeliverNow(context.Background(), tc.tenant, day, 1, 0); err != nil {
				t.Fatal(err)
			}
			if n := len(mp.messages(t)); n != 2 {
				t.Errorf("after a second request mailpit has %d messages, want still 2", n)
			}
		})
	}
}

// TestRetryDeliversOnce: the first attempt fails at the SMTP server
// (451 on RCPT TO), the retry after the backoff delivers, and nothing is
// ever delivered twice.
func TestRetryDeliversOnce(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 2, 100)
	mp := startMailpit(t, false)
	clk := newClock(time.Date(2026, 3, 8, 22, 0, 30, 0, time.UTC)) // 07:00:30 in Seoul on the 9th
	s := reports.NewScheduler(db, &fakeETL{}, mp.mailer(t), clk.Now, slog.New(slog.DiscardHandler))
	ctx := context.Background()

	mp.chaos(t, 451)
	if err := s.RunReports(ctx); err != nil {
		t.Fatal(err)
	}
	ds, err := db.Deliveries(ctx, "acme", day)
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
	if n := len(mp.messages(t)); n != 0 {
		t.Fatalf("mailpit has %d messages after a refused attempt", n)
	}

	mp.chaos(t, 0)
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
		if got := perRecipient(mp.messages(t)); len(got) != st.want || (st.want > 0 && (got["lead@acme.example"] != 1 || got["ops@acme.example"] != 1)) {
			t.Errorf("at %s: received %v, want each recipient once (%d)", clk.Now().Format(time.TimeOnly), got, st.want)
		}
	}
	ds, err = db.Deliveries(ctx, "acme", day)
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
	mp := startMailpit(t, false)
	// 12:00 UTC on the 9th: 21:00 in Seoul, 08:00 in New York (EDT):
	// both tenants' reports of the 8th are due.
	clk := newClock(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC))
	a := reports.NewScheduler(db, &fakeETL{}, mp.mailer(t), clk.Now, nil)
	b := reports.NewScheduler(other, &fakeETL{}, mp.mailer(t), clk.Now, nil)

	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*reports.Scheduler{a, b} {
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
	for _, s := range []*reports.Scheduler{a, b} {
		if _, err := s.Deliverer().Enqueue(context.Background(), "acme", day.AddDate(0, 0, -1), store.TriggerManual); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range []*reports.Scheduler{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Deliverer().Deliver(context.Background(), "acme", day.AddDate(0, 0, -1), false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()

	got := map[string]int{}
	for _, m := range mp.messages(t) {
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
