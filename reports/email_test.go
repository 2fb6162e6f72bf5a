package reports_test

import (
	"bytes"
	"context"
	"log/slog"
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
		tls     bool
		subject string // a part of the subject
		html    string // a part of the HTML
	}{
		{"korean over plain smtp with auth", "acme", false, "일일 리포트", "일일 상담 품질 리포트"},
		{"english over starttls", "globex", true, "daily report", "Daily service quality report"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp := mailpit.Start(t, tc.tls)
			now := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
			gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}
			d := reports.NewDeliverer(gen, mp.Mailer(t), func() time.Time { return now }, slog.New(slog.DiscardHandler))
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
			msgs := mp.Messages(t)
			if len(msgs) != 2 {
				t.Fatalf("mailpit got %d messages, want 2", len(msgs))
			}
			for _, s := range msgs {
				m := mp.Message(t, s.ID)
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
				xlsx := mp.Get(t, "/api/v1/message/"+s.ID+"/part/"+m.Attachments[0].PartID)
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
				writeOut(t, "email-"+tc.tenant+".eml", mp.Get(t, "/api/v1/message/"+s.ID+"/raw"))
				for _, p := range m.Inline {
					writeOut(t, "email-"+tc.tenant+"-"+p.ContentID, mp.Get(t, "/api/v1/message/"+s.ID+"/part/"+p.PartID))
				}
			}

			// Asked again: nothing is sent twice.
			if _, err := d.DeliverNow(context.Background(), tc.tenant, day, 1, 0); err != nil {
				t.Fatal(err)
			}
			if n := len(mp.Messages(t)); n != 2 {
				t.Errorf("after a second request mailpit has %d messages, want still 2", n)
			}
		})
	}
}
