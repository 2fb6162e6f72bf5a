package metrics

import (
	"fmt"
	"time"
)

// DateLayout is the layout of a local date (docs/api.md).
const DateLayout = "2006-01-02"

// ParseDate parses a local date YYYY-MM-DD; the result is that date at
// midnight UTC, a calendar value, not an instant.
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD", s)
	}
	return d, nil
}

// DayBounds returns the instants [start, end) that cover the local dates
// from..to (inclusive) in loc: local midnight of from to local midnight of
// the day after to. A day has 23, 24 or 25 hours.
func DayBounds(from, to time.Time, loc *time.Location) (start, end time.Time) {
	start = dayStart(from.Year(), from.Month(), from.Day(), loc)
	end = dayStart(to.Year(), to.Month(), to.Day()+1, loc)
	return start, end
}

// dayStart is the first instant of the local date y-m-d (d may be out of
// range, as in time.Date): its midnight or, where the clocks spring
// forward at midnight (America/Santiago, America/Havana) so that the day
// has no 00:00, the transition; time.Date answers 23:00 of the day before.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if civilOf(t, loc).day < daysSinceEpoch(y, m, d) {
		if _, next := t.ZoneBounds(); !next.IsZero() {
			t = next
		}
	}
	return t
}

// civil is a local calendar position of an instant: days since 1970-01-01
// of its local date, and its local wall-clock hour. Both 01:00 hours of a
// day that falls back are the same civil hour.
type civil struct {
	day  int32
	hour int8
}

func civilOf(t time.Time, loc *time.Location) civil {
	lt := t.In(loc)
	y, m, d := lt.Date()
	h := lt.Hour()
	return civil{day: daysSinceEpoch(y, m, d), hour: int8(h)}
}

// LocalDate is the local date of t in loc, at midnight UTC (a calendar
// value, as ParseDate returns).
func LocalDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func daysSinceEpoch(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func dateOf(day int32) time.Time { return time.Unix(int64(day)*86400, 0).UTC() }

// isoMonday returns the Monday of the ISO week of day.
func isoMonday(day int32) int32 {
	wd := int32(dateOf(day).Weekday()) // Sunday = 0
	return day - (wd+6)%7
}

func monthOf(day int32) int32 {
	y, m, _ := dateOf(day).Date()
	return int32(y*12 + int(m) - 1)
}
