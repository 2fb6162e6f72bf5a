package metrics

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// roomOpenedAt is a bot-only room opened at the instant u, closed 20 min later.
func roomOpenedAt(t *testing.T, u time.Time) Room {
	t.Helper()
	return mkRoomShift(t, "R", u.Sub(t0), opened(0), bot(1), closed(1200))
}

func utc(s string) time.Time {
	u, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return u
}

// groupRooms returns keys → rooms of the rows.
func groupRooms(t *testing.T, rows []Row) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	for k, r := range rowsByKey(t, rows) {
		m[k] = metric(t, r, "rooms")
	}
	return m
}

func TestCalendarGroups(t *testing.T) {
	cases := []struct {
		name     string
		tz       string
		from, to string
		groupBy  string
		opened   []string // instants (UTC)
		want     map[string]float64
	}{
		{
			name: "a room crossing local midnight belongs to the day it opened",
			tz:   "Asia/Seoul", from: "2026-11-24", to: "2026-11-25", groupBy: "day",
			opened: []string{"2026-11-24T14:50:00Z"}, // 23:50 KST, closes 00:10 on the 25th
			want:   map[string]float64{"day=2026-11-24": 1},
		},
		{
			name: "Seoul day boundary: 15:30Z is the next local day",
			tz:   "Asia/Seoul", from: "2026-11-24", to: "2026-11-25", groupBy: "day,hour",
			opened: []string{"2026-11-24T14:59:59Z", "2026-11-24T15:00:00Z", "2026-11-24T15:30:00Z"},
			want: map[string]float64{
				"day=2026-11-24 hour=2026-11-24T23:00": 1,
				"day=2026-11-25 hour=2026-11-25T00:00": 2,
			},
		},
		{
			name: "UTC day boundary for the same instants",
			tz:   "UTC", from: "2026-11-24", to: "2026-11-25", groupBy: "day,hour",
			opened: []string{"2026-11-24T14:59:59Z", "2026-11-24T15:00:00Z", "2026-11-24T15:30:00Z"},
			want: map[string]float64{
				"day=2026-11-24 hour=2026-11-24T14:00": 1,
				"day=2026-11-24 hour=2026-11-24T15:00": 2,
			},
		},
		{
			name: "fall back: both 01:00 hours (EDT and EST) are one hour group",
			tz:   "America/New_York", from: "2026-11-01", to: "2026-11-02", groupBy: "hour",
			opened: []string{
				"2026-11-01T03:59:00Z", // 23:59 EDT Oct 31: outside
				"2026-11-01T04:30:00Z", // 00:30 EDT
				"2026-11-01T05:30:00Z", // 01:30 EDT
				"2026-11-01T06:30:00Z", // 01:30 EST
				"2026-11-01T07:30:00Z", // 02:30 EST
				"2026-11-02T04:30:00Z", // 23:30 EST
				"2026-11-02T05:30:00Z", // 00:30 EST Nov 2
			},
			want: map[string]float64{
				"hour=2026-11-01T00:00": 1,
				"hour=2026-11-01T01:00": 2,
				"hour=2026-11-01T02:00": 1,
				"hour=2026-11-01T23:00": 1,
				"hour=2026-11-02T00:00": 1,
			},
		},
		{
			name: "fall back: the 25-hour day is one day group",
			tz:   "America/New_York", from: "2026-11-01", to: "2026-11-01", groupBy: "day",
			opened: []string{
				"2026-11-01T03:59:00Z", "2026-11-01T04:00:00Z", "2026-11-01T05:30:00Z",
				"2026-11-01T06:30:00Z", "2026-11-02T04:59:59Z", "2026-11-02T05:00:00Z",
			},
			want: map[string]float64{"day=2026-11-01": 4},
		},
		{
			name: "spring forward: no 02:00 hour; 23:30 EDT is still March 8",
			tz:   "America/New_York", from: "2026-03-07", to: "2026-03-08", groupBy: "day,hour",
			opened: []string{
				"2026-03-08T04:59:00Z", // 23:59 EST March 7
				"2026-03-08T05:00:00Z", // 00:00 EST
				"2026-03-08T06:30:00Z", // 01:30 EST
				"2026-03-08T07:30:00Z", // 03:30 EDT
				"2026-03-09T03:30:00Z", // 23:30 EDT March 8
				"2026-03-09T04:00:00Z", // 00:00 EDT March 9: outside
			},
			want: map[string]float64{
				"day=2026-03-07 hour=2026-03-07T23:00": 1,
				"day=2026-03-08 hour=2026-03-08T00:00": 1,
				"day=2026-03-08 hour=2026-03-08T01:00": 1,
				"day=2026-03-08 hour=2026-03-08T03:00": 1,
				"day=2026-03-08 hour=2026-03-08T23:00": 1,
			},
		},
		{
			name: "ISO week (Monday) and month around the new year, Seoul",
			tz:   "Asia/Seoul", from: "2026-12-27", to: "2027-01-04", groupBy: "week,month",
			opened: []string{
				"2026-12-27T03:00:00Z", // Sun Dec 27: week of Dec 21
				"2026-12-28T03:00:00Z", // Mon Dec 28
				"2026-12-31T15:30:00Z", // 00:30 KST Fri Jan 1 2027: week of Dec 28
				"2027-01-03T03:00:00Z", // Sun Jan 3: week of Dec 28
				"2027-01-04T03:00:00Z", // Mon Jan 4
			},
			want: map[string]float64{
				"week=2026-12-21 month=2026-12": 1,
				"week=2026-12-28 month=2026-12": 1,
				"week=2026-12-28 month=2027-01": 2,
				"week=2027-01-04 month=2027-01": 1,
			},
		},
		{
			name: "the same instant is still December in UTC",
			tz:   "UTC", from: "2026-12-31", to: "2027-01-01", groupBy: "day,week,month",
			opened: []string{"2026-12-31T15:30:00Z"},
			want:   map[string]float64{"day=2026-12-31 week=2026-12-28 month=2026-12": 1},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := configIn(t, tc.tz)
			var rooms []Room
			for _, s := range tc.opened {
				rooms = append(rooms, roomOpenedAt(t, utc(s)))
			}
			rows := aggregate(t, cfg, tc.from, tc.to, tc.groupBy, rooms...)
			got := groupRooms(t, rows)
			for k, n := range tc.want {
				if got[k] != n {
					t.Errorf("%s: %v rooms, want %v", k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := tc.want[k]; !ok {
					t.Errorf("unexpected group %s (%v rooms)", k, n)
				}
			}
			if !slices.IsSortedFunc(rows, compareRows) {
				t.Error("rows not sorted")
			}
		})
	}
}

// TestCalendarMissingRoomOpened: without room_opened a room belongs to the
// local date and hour of its earliest event.
func TestCalendarMissingRoomOpened(t *testing.T) {
	cfg := configIn(t, "Asia/Seoul")
	shift := utc("2026-11-24T14:59:30Z").Sub(t0) // 23:59:30 KST
	r := mkRoomShift(t, "R", shift, queued(0, "T1"), assigned(60, "a1"), amsg(61, "a1"), closed(300))
	got := groupRooms(t, aggregate(t, cfg, "2026-11-24", "2026-11-25", "hour", r))
	if len(got) != 1 || got["hour=2026-11-24T23:00"] != 1 {
		t.Errorf("groups %v, want hour=2026-11-24T23:00", got)
	}
}

func TestISOMondayAndMonth(t *testing.T) {
	cases := []struct{ day, monday, month string }{
		{"2027-01-01", "2026-12-28", "2027-01"}, // Friday
		{"2026-12-28", "2026-12-28", "2026-12"}, // Monday
		{"2027-01-03", "2026-12-28", "2027-01"}, // Sunday
		{"2027-01-04", "2027-01-04", "2027-01"},
		{"2026-11-24", "2026-11-23", "2026-11"},
		{"2026-11-29", "2026-11-23", "2026-11"},
		{"2026-11-30", "2026-11-30", "2026-11"},
		{"2024-02-29", "2024-02-26", "2024-02"},
		{"2021-01-01", "2020-12-28", "2021-01"},
		{"1970-01-01", "1969-12-29", "1970-01"}, // Thursday
		{"1969-12-31", "1969-12-29", "1969-12"},
	}
	for _, tc := range cases {
		t.Run(tc.day, func(t *testing.T) {
			d, err := ParseDate(tc.day)
			if err != nil {
				t.Fatal(err)
			}
			day := daysSinceEpoch(d.Date())
			if got := formatDay(day); got != tc.day {
				t.Errorf("formatDay = %s", got)
			}
			if got := formatDay(isoMonday(day)); got != tc.monday {
				t.Errorf("week = %s, want %s", got, tc.monday)
			}
			if got := dateOf(isoMonday(day)).Weekday(); got != time.Monday {
				t.Errorf("week starts on %s", got)
			}
			if got := formatMonth(monthOf(day)); got != tc.month {
				t.Errorf("month = %s, want %s", got, tc.month)
			}
		})
	}
}

func TestDayBounds(t *testing.T) {
	cases := []struct {
		tz, from, to string
		start        string
		hours        float64
	}{
		{"America/New_York", "2026-11-01", "2026-11-01", "2026-11-01T04:00:00Z", 25},
		{"America/New_York", "2026-03-08", "2026-03-08", "2026-03-08T05:00:00Z", 23},
		{"America/New_York", "2026-11-01", "2026-11-02", "2026-11-01T04:00:00Z", 49},
		{"America/New_York", "2026-11-02", "2026-11-02", "2026-11-02T05:00:00Z", 24},
		{"Asia/Seoul", "2026-11-24", "2026-11-24", "2026-11-23T15:00:00Z", 24},
		{"Asia/Seoul", "2026-11-01", "2026-11-30", "2026-10-31T15:00:00Z", 30 * 24},
		{"UTC", "2026-11-24", "2026-11-24", "2026-11-24T00:00:00Z", 24},
		{"Asia/Seoul", "2026-12-31", "2026-12-31", "2026-12-30T15:00:00Z", 24},
		// Zones whose clocks spring forward at midnight: the day has no
		// 00:00 and begins at the transition (01:00 local).
		{"America/Santiago", "2026-09-05", "2026-09-05", "2026-09-05T04:00:00Z", 24},
		{"America/Santiago", "2026-09-06", "2026-09-06", "2026-09-06T04:00:00Z", 23},
		{"America/Havana", "2026-03-07", "2026-03-07", "2026-03-07T05:00:00Z", 24},
		{"America/Havana", "2026-03-08", "2026-03-08", "2026-03-08T05:00:00Z", 23},
		{"Asia/Beirut", "2026-03-29", "2026-03-29", "2026-03-28T22:00:00Z", 23},
		// Santiago falls back at midnight: 23:00 of April 4 happens twice.
		{"America/Santiago", "2026-04-04", "2026-04-04", "2026-04-04T03:00:00Z", 25},
		{"America/Santiago", "2026-04-05", "2026-04-05", "2026-04-05T04:00:00Z", 24},
	}
	for _, tc := range cases {
		t.Run(tc.tz+"/"+tc.from+"/"+tc.to, func(t *testing.T) {
			cfg := configIn(t, tc.tz)
			loc := cfg.Location()
			start, end := DayBounds(date(t, tc.from), date(t, tc.to), loc)
			if !start.Equal(utc(tc.start)) {
				t.Errorf("start = %s, want %s", start.UTC().Format(time.RFC3339), tc.start)
			}
			if h := end.Sub(start).Hours(); h != tc.hours {
				t.Errorf("%v hours, want %v", h, tc.hours)
			}
			// The bounds agree with the grouping: start is in from, the
			// instant before end is in to, end is the day after.
			a := NewAggregator(cfg, date(t, tc.from), date(t, tc.to), nil)
			if got := civilOf(start, loc).day; got != a.from {
				t.Errorf("start is on %s", formatDay(got))
			}
			if got := civilOf(end.Add(-time.Nanosecond), loc).day; got != a.to {
				t.Errorf("end−1ns is on %s", formatDay(got))
			}
			if got := civilOf(end, loc).day; got != a.to+1 {
				t.Errorf("end is on %s", formatDay(got))
			}
		})
	}
}

// TestDayBoundsEveryDay: over every day of 2026 in zones with unusual
// transitions, the bounds of a day hold exactly the instants that the
// aggregator puts on that day, and consecutive days tile time.
func TestDayBoundsEveryDay(t *testing.T) {
	for _, tz := range []string{"Asia/Seoul", "America/New_York", "Europe/London", "Australia/Lord_Howe",
		"America/Santiago", "America/Havana", "Asia/Beirut", "Asia/Kolkata", "Pacific/Chatham"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var prevEnd time.Time
		for d := first; d.Year() == 2026; d = d.AddDate(0, 0, 1) {
			start, end := DayBounds(d, d, loc)
			day := daysSinceEpoch(d.Date())
			switch {
			case civilOf(start, loc).day != day,
				civilOf(start.Add(-time.Nanosecond), loc).day != day-1,
				civilOf(end.Add(-time.Nanosecond), loc).day != day,
				civilOf(end, loc).day != day+1:
				t.Errorf("%s %s: bounds %s..%s do not hold the local day", tz, d.Format(DateLayout), start, end)
			}
			if h := end.Sub(start).Hours(); h < 23 || h > 25 {
				t.Errorf("%s %s: %v hours", tz, d.Format(DateLayout), h)
			}
			if !prevEnd.IsZero() && !prevEnd.Equal(start) {
				t.Errorf("%s %s: starts at %s, the day before ended at %s", tz, d.Format(DateLayout), start, prevEnd)
			}
			prevEnd = end
		}
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2026-11-24")
	if err != nil || d != time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, s := range []string{"", "2026-11-31", "24/11/2026", "2026-11-24T00:00", "2026-1-2"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q): no error", s)
		}
	}
}

func formatDay(day int32) string { return dateOf(day).Format(DateLayout) }

func formatMonth(m int32) string { return fmt.Sprintf("%04d-%02d", m/12, m%12+1) }
