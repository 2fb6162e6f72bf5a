package reports_test

import (
	"slices"
	"testing"
	"time"

	"sqi/metrics"
	"sqi/reports"
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

func TestDuePeriods(t *testing.T) {
	t.Parallel()
	seoul := tenant("acme", "Asia/Seoul", "07:00")
	ny := tenant("globex", "America/New_York", "07:00")
	tests := []struct {
		name    string
		cfg     *metrics.Config
		kind    reports.Kind
		now     string // UTC
		last    string // first date of the last report scheduled, "" never
		catchUp int
		want    []string
	}{
		{"week, Monday 06:59 in Seoul", seoul, reports.KindWeekly, "2026-03-08 21:59:00", "2026-02-23", 2, nil},
		{"week, Monday 07:00 in Seoul", seoul, reports.KindWeekly, "2026-03-08 22:00:00", "2026-02-23", 2, []string{"2026-03-02"}},
		{"week, already scheduled", seoul, reports.KindWeekly, "2026-03-10 22:00:00", "2026-03-02", 2, nil},
		{"week, never scheduled", seoul, reports.KindWeekly, "2026-03-12 00:00:00", "", 2, []string{"2026-03-02"}},
		{"weeks missed: two at most", seoul, reports.KindWeekly, "2026-03-12 00:00:00", "2026-01-05", 2, []string{"2026-02-23", "2026-03-02"}},
		{"week, Monday after the DST change in New York", ny, reports.KindWeekly, "2026-03-09 11:00:00", "2026-02-23", 2, []string{"2026-03-02"}},
		{"week, 06:59 EDT", ny, reports.KindWeekly, "2026-03-09 10:59:00", "2026-02-23", 2, nil},
		{"month, the 1st at 07:00 in Seoul", seoul, reports.KindMonthly, "2026-02-28 22:00:00", "2026-01-01", 1, []string{"2026-02-01"}},
		{"month, the 1st at 06:59 in Seoul", seoul, reports.KindMonthly, "2026-02-28 21:59:00", "2026-01-01", 1, nil},
		{"month, New York, the 1st at 07:00 EST", ny, reports.KindMonthly, "2026-03-01 12:00:00", "2026-01-01", 1, []string{"2026-02-01"}},
		{"months missed: the latest only", seoul, reports.KindMonthly, "2026-05-10 00:00:00", "2026-01-01", 1, []string{"2026-04-01"}},
		{"december to january", seoul, reports.KindMonthly, "2026-12-31 22:00:00", "2026-11-01", 1, []string{"2026-12-01"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var last time.Time
			if tc.last != "" {
				last = date(tc.last)
			}
			var got []string
			for _, d := range reports.DuePeriods(tc.cfg, tc.kind, utc(tc.now), last, tc.last != "", tc.catchUp) {
				got = append(got, d.Format(metrics.DateLayout))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("DuePeriods = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind               reports.Kind
		day                string
		first, last, label string
		prev               string
	}{
		{reports.KindDaily, "2026-03-08", "2026-03-08", "2026-03-08", "2026-03-08", "2026-03-07"},
		{reports.KindWeekly, "2026-03-08", "2026-03-02", "2026-03-08", "2026-03-02 – 2026-03-08", "2026-02-23"},
		{reports.KindWeekly, "2026-03-02", "2026-03-02", "2026-03-08", "2026-03-02 – 2026-03-08", "2026-02-23"},
		{reports.KindWeekly, "2026-01-01", "2025-12-29", "2026-01-04", "2025-12-29 – 2026-01-04", "2025-12-22"}, // ISO week 1 of 2026
		{reports.KindMonthly, "2026-02-14", "2026-02-01", "2026-02-28", "2026-02", "2026-01-01"},
		{reports.KindMonthly, "2028-02-29", "2028-02-01", "2028-02-29", "2028-02", "2028-01-01"},
		{reports.KindMonthly, "2026-01-31", "2026-01-01", "2026-01-31", "2026-01", "2025-12-01"},
	}
	for _, tc := range tests {
		p := reports.PeriodContaining(tc.kind, date(tc.day))
		got := []string{p.First.Format(metrics.DateLayout), p.Last.Format(metrics.DateLayout), p.Label(), p.Prev().First.Format(metrics.DateLayout)}
		want := []string{tc.first, tc.last, tc.label, tc.prev}
		if !slices.Equal(got, want) {
			t.Errorf("%s of %s: %v, want %v", tc.kind, tc.day, got, want)
		}
		if q, err := reports.PeriodOf(tc.kind, p.First); err != nil || q != p {
			t.Errorf("PeriodOf(%s, %s) = %v, %v", tc.kind, p.First, q, err)
		}
		if !p.Next().Prev().First.Equal(p.First) {
			t.Errorf("%s of %s: Next().Prev() is not itself", tc.kind, tc.day)
		}
	}
}
