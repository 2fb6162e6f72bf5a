package reports_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/internal/mailpit"
	"sqi/reports"
	"sqi/store"
)

func TestEmailThroughMailpit(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 3, 200)
	tests := []struct {
		name    string
		tenant  string
		kind    reports.Kind
		first   time.Time
		tls     bool
		subject string   // a part of the subject
		html    []string // parts of the HTML
		images  []string // the inline images
	}{
		{"korean over plain smtp with auth", "acme", reports.KindDaily, day, false, "2026-03-08 일일 리포트",
			[]string{"일일 상담 품질 리포트", "전일 대비", "7일 평균 대비"}, []string{"hourly.png", "trend.png"}},
		{"english over starttls", "globex", reports.KindDaily, day, true, "2026-03-08 daily report",
			[]string{"Daily service quality report", "vs previous day"}, []string{"hourly.png", "trend.png"}},
		{"korean weekly", "acme", reports.KindWeekly, date("2026-03-02"), false, "2026-03-02 – 2026-03-08 주간 리포트",
			[]string{"주간 상담 품질 리포트", "지난주 대비"}, []string{"daily.png", "trend.png"}},
		{"english monthly", "globex", reports.KindMonthly, date("2026-03-01"), false, "2026-03 monthly report",
			[]string{"Monthly service quality report", "vs previous month"}, []string{"daily.png", "trend.png"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp := mailpit.Start(t, tc.tls)
			now := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
			gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}
			d := reports.NewDeliverer(gen, mp.Mailer(t), func() time.Time { return now }, slog.New(slog.DiscardHandler))
			p, err := reports.PeriodOf(tc.kind, tc.first)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := db.Tenant(context.Background(), tc.tenant)
			if err != nil {
				t.Fatal(err)
			}
			to := reports.Recipients(&cfg.Config, tc.kind)
			ds, err := d.DeliverNow(context.Background(), p.Key(tc.tenant), 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != len(to) {
				t.Fatalf("%d deliveries, want %d (one per recipient of the %s report)", len(ds), len(to), tc.kind)
			}
			for _, x := range ds {
				if x.Status != store.DeliverySent || x.Attempts != 1 || x.MessageID == "" || x.SentAt.IsZero() || x.Trigger != store.TriggerManual {
					t.Errorf("delivery %+v: want sent at the first attempt, with its message id", x)
				}
			}
			msgs := mp.Messages(t)
			if len(msgs) != len(to) {
				t.Fatalf("mailpit got %d messages, want %d", len(msgs), len(to))
			}
			for _, s := range msgs {
				m := mp.Message(t, s.ID)
				if !strings.Contains(m.Subject, tc.subject) {
					t.Errorf("subject %q: want %q", m.Subject, tc.subject)
				}
				if !strings.HasPrefix(m.MessageID, "sqi-"+string(tc.kind)+"."+tc.tenant+".") {
					t.Errorf("message id %q: want sqi-%s.%s.…", m.MessageID, tc.kind, tc.tenant)
				}
				for _, bad := range []string{"ZgotmplZ", "SPEC", "null", "NaN"} {
					if strings.Contains(m.HTML, bad) || strings.Contains(m.Text, bad) {
						t.Errorf("the e-mail says %q", bad)
					}
				}
				for _, want := range tc.html {
					if !strings.Contains(m.HTML, want) || !strings.Contains(m.Text, want) {
						t.Errorf("html or text part without %q", want)
					}
				}
				if !strings.Contains(m.Text, "SQI") || !durationRe.MatchString(m.Text) || secondsRe.MatchString(m.Text) {
					t.Errorf("text part: want the SQI and durations as m:ss, never seconds with decimals:\n%s", m.Text)
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
				for _, cid := range tc.images {
					if !cids[cid] || !strings.Contains(m.HTML, "cid:"+cid) {
						t.Errorf("inline image %s: present %v, referenced %v", cid, cids[cid], strings.Contains(m.HTML, "cid:"+cid))
					}
				}
				if len(m.Attachments) != 1 || m.Attachments[0].FileName != p.FileName(tc.tenant) ||
					m.Attachments[0].ContentType != reports.ContentType {
					t.Fatalf("attachments %+v: want the workbook %s", m.Attachments, p.FileName(tc.tenant))
				}
				xlsx := mp.Get(t, "/api/v1/message/"+s.ID+"/part/"+m.Attachments[0].PartID)
				f, err := excelize.OpenReader(bytes.NewReader(xlsx))
				if err != nil {
					t.Fatalf("attached workbook: %v", err)
				}
				if got := f.GetSheetList(); !slices.Equal(got, reports.SheetNames(tc.kind, cfg.Config.Locale)) {
					t.Errorf("attached workbook sheets %v", got)
				}
				f.Close()
				name := "email-" + tc.tenant + "-" + string(tc.kind)
				writeOut(t, name+".html", []byte(m.HTML))
				writeOut(t, name+".txt", []byte(m.Text))
				writeOut(t, name+".eml", mp.Get(t, "/api/v1/message/"+s.ID+"/raw"))
				for _, p := range m.Inline {
					writeOut(t, name+"-"+p.ContentID, mp.Get(t, "/api/v1/message/"+s.ID+"/part/"+p.PartID))
				}
			}

			// Asked again: nothing is sent twice.
			if _, err := d.DeliverNow(context.Background(), p.Key(tc.tenant), 1, 0); err != nil {
				t.Fatal(err)
			}
			if n := len(mp.Messages(t)); n != len(to) {
				t.Errorf("after a second request mailpit has %d messages, want still %d", n, len(to))
			}
		})
	}
}

var (
	// durationRe is a duration as people read it: 2:35, 1:02:07.
	durationRe = regexp.MustCompile(`\b\d+:\d\d(:\d\d)?\b`)
	// secondsRe is a duration in seconds with decimals, 629.26초 or 12.50 s.
	secondsRe = regexp.MustCompile(`\d\.\d+ ?(초|s)\b`)
)
