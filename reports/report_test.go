package reports_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"sqi/metrics"
	"sqi/query"
	"sqi/reports"
	"sqi/store"
)

// statsWithRows are query.StatsWith's rows for the tenant under cfg.
func statsWithRows(t *testing.T, db *store.DB, cfg *metrics.Config, tenant string, from, to time.Time, by ...string) []metrics.Row {
	t.Helper()
	if by == nil {
		by = []string{}
	}
	res, err := query.StatsWith(context.Background(), db, cfg, query.Query{Tenant: tenant, From: from, To: to, GroupBy: by})
	if err != nil {
		t.Fatal(err)
	}
	return res.Rows
}

// sameRows fails unless a report's rows are query.StatsWith's, bit for bit,
// in any order.
func sameRows(t *testing.T, name string, got, want []metrics.Row) {
	t.Helper()
	byKey := func(a, b metrics.Row) int { return metrics.CompareKeys(a.Keys, b.Keys) }
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, byKey)
	slices.SortFunc(want, byKey)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: the report's rows differ from query.StatsWith's", name)
	}
}

// TestDailyMatchesStats: the one pass of Daily gives, table by table,
// exactly the rows query.StatsWith gives for the same dates and grouping
// (bit for bit, unrounded), in New York across the DST change.
func TestDailyMatchesStats(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 16, 150)
	ctx := context.Background()
	gen := &reports.Generator{DB: db}
	for _, tenant := range []string{"acme", "globex"} {
		d, err := gen.Daily(ctx, tenant, day)
		if err != nil {
			t.Fatal(err)
		}
		stats := func(from, to time.Time, by ...string) []metrics.Row {
			return statsWithRows(t, db, &d.Config, tenant, from, to, by...)
		}
		same := func(name string, got, want []metrics.Row) { sameRows(t, tenant+" "+name, got, want) }
		same("total", []metrics.Row{d.Total}, stats(day, day))
		same("agents", d.Agents, stats(day, day, "agent"))
		same("teams", d.Teams, stats(day, day, "team"))
		same("channels", d.Channels, stats(day, day, "channel"))
		same("categories", d.Categories, stats(day, day, "category"))
		var hours []metrics.Row
		for _, r := range d.Hourly {
			if len(r.Keys) > 0 {
				hours = append(hours, r)
			}
		}
		same("hours", hours, stats(day, day, "hour"))
		prev := stats(day.AddDate(0, 0, -1), day.AddDate(0, 0, -1))
		same("previous day", []metrics.Row{d.Prev}, prev)
		same("week", []metrics.Row{d.Week}, stats(day.AddDate(0, 0, -7), day.AddDate(0, 0, -1)))
		trend := stats(day.AddDate(0, 0, -13), day, "day")
		for i := range trend {
			trend[i].Keys = nil
		}
		var got []metrics.Row
		for _, td := range d.Trend {
			got = append(got, td.Row)
		}
		if !reflect.DeepEqual(got, trend) {
			t.Errorf("%s trend differs from query.StatsWith by day", tenant)
		}
		if n := d.Total.Values[metrics.MRooms].V; n == 0 {
			t.Errorf("%s: no rooms on the day: the test proves nothing", tenant)
		}
	}
}

// TestDailyFollowsHours: the report is in the tenant's hours setting, and a
// change of the setting or of the business hours is in the very next
// report.
func TestDailyFollowsHours(t *testing.T) {
	t.Parallel()
	db := seed(t, 1, 3, 200)
	ctx := context.Background()
	gen := &reports.Generator{DB: db}
	tenant, err := db.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tenant.Config
	total := func(hours string) metrics.Row {
		t.Helper()
		c := cfg.WithHours(hours)
		res, err := query.StatsWith(ctx, db, &c, query.Query{Tenant: "acme", From: day, To: day, GroupBy: []string{}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows[0]
	}
	report := func() metrics.Row {
		t.Helper()
		d, err := gen.Daily(ctx, "acme", day)
		if err != nil {
			t.Fatal(err)
		}
		return d.Total
	}
	cfg.BusinessHours = &metrics.BusinessHours{Weekly: map[string][]string{
		"mon": {"09:00-18:00"}, "tue": {"09:00-18:00"}, "wed": {"09:00-18:00"}, "thu": {"09:00-18:00"},
		"fri": {"09:00-18:00"}, "sat": {"09:00-18:00"}, "sun": {"09:00-18:00"}}}
	for _, hours := range []string{metrics.HoursBusiness, metrics.HoursAll, metrics.HoursBusiness} {
		cfg.Hours = hours
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := db.PutTenant(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if got, want := report(), total(hours); !reflect.DeepEqual(got, want) {
			t.Errorf("hours=%s: the report's total differs from /sqi's", hours)
		}
	}
	if reflect.DeepEqual(total(metrics.HoursAll), total(metrics.HoursBusiness)) {
		t.Fatal("business hours change nothing on this day: the test proves nothing")
	}
	// New business hours are in the next report.
	before := report()
	cfg.BusinessHours.Weekly = map[string][]string{"mon": {"10:00-11:00"}, "tue": {"10:00-11:00"}, "wed": {"10:00-11:00"},
		"thu": {"10:00-11:00"}, "fri": {"10:00-11:00"}, "sat": {"10:00-11:00"}, "sun": {"10:00-11:00"}}
	if err := db.PutTenant(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if after := report(); reflect.DeepEqual(after, before) || !reflect.DeepEqual(after, total(metrics.HoursBusiness)) {
		t.Error("the next report does not follow the new business hours")
	}
}

// TestPeriodsMatchStats: a weekly and a monthly report give, table by
// table, the rows query.StatsWith gives for the period: the total, each
// group, one row per day (the Daily sheet), the period before, and the
// SQI by day; in New York, whose week and month hold the spring-forward
// day.
func TestPeriodsMatchStats(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 40, 60) // 2026-01-28 .. 2026-03-08
	ctx := context.Background()
	gen := &reports.Generator{DB: db}
	tests := []struct {
		name        string
		kind        reports.Kind
		first, last time.Time
		prevFirst   time.Time
		trendFirst  time.Time
	}{
		{"weekly", reports.KindWeekly, date("2026-03-02"), date("2026-03-08"), date("2026-02-23"), date("2026-02-23")},
		{"monthly", reports.KindMonthly, date("2026-02-01"), date("2026-02-28"), date("2026-01-01"), date("2026-02-01")},
	}
	for _, tc := range tests {
		for _, tenant := range []string{"acme", "globex"} {
			t.Run(tc.name+" "+tenant, func(t *testing.T) {
				d, err := gen.Report(ctx, tc.kind, tenant, tc.first)
				if err != nil {
					t.Fatal(err)
				}
				if !d.First.Equal(tc.first) || !d.Last.Equal(tc.last) {
					t.Fatalf("period %s..%s, want %s..%s", d.First, d.Last, tc.first, tc.last)
				}
				stats := func(from, to time.Time, by ...string) []metrics.Row {
					return statsWithRows(t, db, &d.Config, tenant, from, to, by...)
				}
				same := func(name string, got, want []metrics.Row) { sameRows(t, name, got, want) }
				same("total", []metrics.Row{d.Total}, stats(tc.first, tc.last))
				same("agents", d.Agents, stats(tc.first, tc.last, "agent"))
				same("teams", d.Teams, stats(tc.first, tc.last, "team"))
				same("channels", d.Channels, stats(tc.first, tc.last, "channel"))
				same("categories", d.Categories, stats(tc.first, tc.last, "category"))
				same("previous period", []metrics.Row{d.Prev}, stats(tc.prevFirst, tc.first.AddDate(0, 0, -1)))
				days := stats(tc.first, tc.last, "day")
				if len(d.Days) != int(tc.last.Sub(tc.first).Hours()/24)+1 || len(days) != len(d.Days) {
					t.Fatalf("%d days in the report, %d from stats, want one per date", len(d.Days), len(days))
				}
				for i, td := range d.Days {
					want := days[i]
					if !td.Date.Equal(want.Keys[0].Date) {
						t.Fatalf("day %d is %s, stats says %s", i, td.Date, want.Keys[0].Date)
					}
					want.Keys = nil
					if !reflect.DeepEqual(td.Row, want) {
						t.Errorf("day %s differs from query.StatsWith by day", td.Date.Format(time.DateOnly))
					}
				}
				if got, want := len(d.Trend), int(tc.last.Sub(tc.trendFirst).Hours()/24)+1; got != want || !d.Trend[0].Date.Equal(tc.trendFirst) {
					t.Errorf("trend of %d days from %s, want %d from %s", got, d.Trend[0].Date, want, tc.trendFirst)
				}
				if n := d.Total.Values[metrics.MRooms].V; n == 0 || d.Prev.Values[metrics.MRooms].V == 0 {
					t.Errorf("no rooms in the period or the one before: the test proves nothing")
				}
			})
		}
	}

	t.Run("bad periods", func(t *testing.T) {
		for _, tc := range []struct {
			kind  reports.Kind
			first string
			want  string
		}{
			{reports.KindWeekly, "2026-03-04", "2026-03-04 is a Wednesday; a weekly report starts on the Monday of its ISO week, 2026-03-02"},
			{reports.KindMonthly, "2026-03-08", "a monthly report starts on the 1st: give 2026-03"},
		} {
			var buf bytes.Buffer
			err := gen.WriteReport(ctx, tc.kind, "acme", date(tc.first), &buf)
			if !errors.Is(err, reports.ErrBadPeriod) || !strings.Contains(err.Error(), tc.want) || buf.Len() != 0 {
				t.Errorf("%s %s: %v (%d bytes); want ErrBadPeriod saying %q and nothing written", tc.kind, tc.first, err, buf.Len(), tc.want)
			}
		}
	})
}
