package metrics

import (
	"strings"
	"testing"
	"time"
)

// seoulHours: weekdays 09:00–18:00 with a lunch break, Saturday 10:00–14:00,
// Sunday closed, Friday 2026-10-09 (Hangul Day) a holiday.
func seoulHours(t *testing.T) Config {
	t.Helper()
	c := DefaultConfig("acme")
	c.BusinessHours = &BusinessHours{
		Weekly: map[string][]string{
			"mon": {"09:00-12:00", "13:00-18:00"}, "tue": {"09:00-12:00", "13:00-18:00"},
			"wed": {"09:00-12:00", "13:00-18:00"}, "thu": {"09:00-12:00", "13:00-18:00"},
			"fri": {"09:00-12:00", "13:00-18:00"}, "sat": {"10:00-14:00"}, "sun": {},
		},
		Holidays: []string{"2026-10-09"},
	}
	c.Hours = HoursBusiness
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// kst is a Seoul wall-clock time in October 2026 (UTC+9, no daylight
// saving): 2026-10-05 is a Monday.
func kst(day, hour, min int) time.Time {
	return time.Date(2026, 10, day, hour, min, 0, 0, time.FixedZone("KST", 9*3600))
}

// Business seconds computed by hand, each case saying how.
func TestBusinessSeconds(t *testing.T) {
	c := seoulHours(t)
	cases := []struct {
		name string
		a, b time.Time
		want float64
	}{
		{"inside one interval: 09:30–10:15", kst(5, 9, 30), kst(5, 10, 15), 45 * 60},
		{"across the lunch break: 30 + 30 min", kst(5, 11, 30), kst(5, 13, 30), 60 * 60},
		{"starts before opening: 09:00–09:05", kst(5, 8, 0), kst(5, 9, 5), 5 * 60},
		{"ends after closing: 17:50–18:00", kst(5, 17, 50), kst(5, 19, 0), 10 * 60},
		{"opened 23:00, answered 09:05 the next morning", kst(5, 23, 0), kst(6, 9, 5), 5 * 60},
		{"a holiday: Thu 17–18, Fri closed, Sat 10:00–10:30", kst(8, 17, 0), kst(10, 10, 30), 90 * 60},
		{"a closed Sunday: Sat 13–14, Sun closed, Mon 09:00–09:30", kst(10, 13, 0), kst(12, 9, 30), 90 * 60},
		{"two whole weekdays: 8 h each", kst(5, 9, 0), kst(7, 9, 0), 16 * 3600},
		{"entirely after hours", kst(5, 18, 0), kst(5, 23, 0), 0},
		{"exactly the lunch break", kst(5, 12, 0), kst(5, 13, 0), 0},
		{"an empty span at opening", kst(5, 9, 0), kst(5, 9, 0), 0},
		{"a span ending at the instant it opens", kst(5, 8, 0), kst(5, 9, 0), 0},
		{"a span starting at the instant it closes", kst(5, 18, 0), kst(6, 9, 0), 0},
		{"Saturday's short hours: 10–14 of 09–15", kst(10, 9, 0), kst(10, 15, 0), 4 * 3600},
		{"a week: 5 × 8 h (Friday a holiday: 4 × 8) + Saturday 4 h", kst(5, 0, 0), kst(12, 0, 0), (4*8 + 4) * 3600},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Secs(c.Clock().Micros(tc.a, tc.b)); got != tc.want {
				t.Errorf("business seconds = %v, want %v", got, tc.want)
			}
			// One clock over many spans gives what fresh clocks give.
			shared := c.Clock()
			shared.Micros(kst(1, 0, 0), kst(30, 0, 0))
			if got := Secs(shared.Micros(tc.a, tc.b)); got != tc.want {
				t.Errorf("on a clock that has seen other days: %v, want %v", got, tc.want)
			}
		})
	}
	if got := Secs(Calendar.Micros(kst(5, 23, 0), kst(6, 9, 5))); got != 10*3600+5*60 {
		t.Errorf("calendar seconds = %v", got)
	}
}

// In business hours: an interval's start is in, its end is out.
func TestOpen(t *testing.T) {
	c := seoulHours(t)
	k := c.OpenClock()
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{kst(5, 9, 0), true}, {kst(5, 8, 59), false}, {kst(5, 11, 59), true}, {kst(5, 12, 0), false},
		{kst(5, 12, 30), false}, {kst(5, 13, 0), true}, {kst(5, 18, 0), false}, {kst(9, 10, 0), false}, // holiday
		{kst(10, 13, 59), true}, {kst(11, 12, 0), false}, // Saturday, Sunday
	} {
		if got := k.Open(tc.at); got != tc.want {
			t.Errorf("Open(%s) = %v, want %v", tc.at.Format("Mon 01-02 15:04"), got, tc.want)
		}
	}
	all := DefaultConfig("x") // no business hours: always open
	if !all.OpenClock().Open(kst(11, 3, 0)) {
		t.Error("without business hours every instant is business time")
	}
}

// Daylight saving: a 00:00–24:00 Sunday is 25 hours when New York falls
// back and 23 when it springs forward; a boundary the clocks skip is the
// instant they jump, one they pass twice is its first occurrence; 24:00
// joins the next day's 00:00.
func TestBusinessSecondsDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	clock := func(weekly map[string][]string) Clock {
		c := DefaultConfig("x")
		c.TimeZone = "America/New_York"
		c.BusinessHours = &BusinessHours{Weekly: weekly}
		c.Hours = HoursBusiness
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return c.Clock()
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		weekly map[string][]string
		a, b   time.Time
		want   float64
	}{
		{"fall back: Sunday 2026-11-01 is 25 h", map[string][]string{"sun": {"00:00-24:00"}},
			time.Date(2026, 10, 31, 12, 0, 0, 0, ny), time.Date(2026, 11, 2, 12, 0, 0, 0, ny), 25 * 3600},
		{"spring forward: Sunday 2026-03-08 is 23 h", map[string][]string{"sun": {"00:00-24:00"}},
			time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 9, 12, 0, 0, 0, ny), 23 * 3600},
		// 02:30 does not exist on 2026-03-08: the interval starts at the jump,
		// 03:00 EDT (07:00 UTC), and ends at 04:00 EDT (08:00 UTC).
		{"a start the clocks skip", map[string][]string{"sun": {"02:30-04:00"}},
			utc(2026, 3, 8, 0, 0), utc(2026, 3, 9, 0, 0), 3600},
		// 01:30 happens twice on 2026-11-01: the first, EDT (05:30 UTC); 02:00
		// comes once, in EST (07:00 UTC).
		{"a start the clocks pass twice", map[string][]string{"sun": {"01:30-02:00"}},
			utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0), 5400},
		{"24:00 meets the next day's 00:00", map[string][]string{"fri": {"20:00-24:00"}, "sat": {"00:00-02:00"}},
			time.Date(2026, 10, 2, 23, 0, 0, 0, ny), time.Date(2026, 10, 3, 1, 0, 0, 0, ny), 2 * 3600},
		{"24:00 ends the day on a 25-hour day", map[string][]string{"sun": {"23:00-24:00"}},
			utc(2026, 11, 1, 0, 0), utc(2026, 11, 3, 0, 0), 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Secs(clock(tc.weekly).Micros(tc.a, tc.b)); got != tc.want {
				t.Errorf("business seconds = %v, want %v", got, tc.want)
			}
		})
	}
}

// Every rule of business_hours is checked, with a message that names the
// field.
func TestBusinessHoursValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bh     BusinessHours
		hours  string
		errors []string
	}{
		{"a day that is not mon..sun", BusinessHours{Weekly: map[string][]string{"monday": {"09:00-18:00"}}}, "all",
			[]string{"business_hours.weekly.monday", "mon, tue"}},
		{"not HH:MM-HH:MM", BusinessHours{Weekly: map[string][]string{"mon": {"9:00-18:00"}}}, "all",
			[]string{"business_hours.weekly.mon[0]", "HH:MM-HH:MM"}},
		{"no dash", BusinessHours{Weekly: map[string][]string{"mon": {"09:00"}}}, "all",
			[]string{"business_hours.weekly.mon[0]", "HH:MM-HH:MM"}},
		{"an end not after its start", BusinessHours{Weekly: map[string][]string{"tue": {"18:00-09:00"}}}, "all",
			[]string{"business_hours.weekly.tue[0]", "end must be after the start"}},
		{"24:00 as a start", BusinessHours{Weekly: map[string][]string{"wed": {"24:00-24:00"}}}, "all",
			[]string{"business_hours.weekly.wed[0]", "24:00 may end"}},
		{"hour 25", BusinessHours{Weekly: map[string][]string{"thu": {"09:00-25:00"}}}, "all",
			[]string{"business_hours.weekly.thu[0]", "hours 00..23"}},
		{"overlapping intervals", BusinessHours{Weekly: map[string][]string{"fri": {"13:00-18:00", "09:00-13:30"}}}, "all",
			[]string{"business_hours.weekly.fri", "overlap"}},
		{"a holiday that is not a date", BusinessHours{Holidays: []string{"2026-13-01"}}, "all",
			[]string{"business_hours.holidays[0]", "YYYY-MM-DD"}},
		{"hours other than all or business", BusinessHours{}, "calendar",
			[]string{"hours \"calendar\"", "all", "business"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig("acme")
			c.BusinessHours = &tc.bh
			c.Hours = tc.hours
			err := c.Validate()
			if err == nil {
				t.Fatal("valid, want an error")
			}
			for _, part := range tc.errors {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
		})
	}
	// Touching intervals and 24:00 as an end are valid.
	c := DefaultConfig("acme")
	c.BusinessHours = &BusinessHours{Weekly: map[string][]string{"mon": {"09:00-12:00", "12:00-24:00"}}, Holidays: []string{"2026-12-25"}}
	if err := c.Validate(); err != nil {
		t.Errorf("valid hours refused: %v", err)
	}
}
