package reports

import (
	"fmt"
	"strconv"
	"time"

	"sqi/metrics"
)

// DueDates are the report dates of cfg's tenant to schedule at now, given
// the last date scheduled before (seen false: never). They are the dates
// whose send time has come since then, at most catchUp of them (a long
// outage does not flood the recipients), oldest first; for a tenant never
// scheduled, the latest report due only.
func DueDates(cfg *metrics.Config, now, last time.Time, seen bool, catchUp int) []time.Time {
	latest, ok := LatestDue(cfg, now)
	if !ok {
		return nil
	}
	first := latest
	if seen {
		first = last.AddDate(0, 0, 1)
		if earliest := latest.AddDate(0, 0, -(max(catchUp, 1) - 1)); first.Before(earliest) {
			first = earliest
		}
	}
	var out []time.Time
	for d := first; !d.After(latest); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// LatestDue is the last report date whose send time is at or before now:
// yesterday (local) once today's send_at has passed, else the day before.
// ok is false when the tenant has no send_at (no scheduled reports).
func LatestDue(cfg *metrics.Config, now time.Time) (time.Time, bool) {
	if cfg.Report.SendAt == "" {
		return time.Time{}, false
	}
	lt := now.In(cfg.Location())
	today := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	yesterday := today.AddDate(0, 0, -1)
	if at, _ := SendTime(cfg, yesterday); !now.Before(at) {
		return yesterday, true
	}
	return yesterday.AddDate(0, 0, -1), true
}

// SendTime is the instant the report of the local date day is due:
// send_at on the next local day in the tenant's zone. Where the clocks
// spring forward over send_at, it is the first instant after the gap (the
// moment the local clock passes send_at); where they fall back and
// send_at happens twice, the first time.
func SendTime(cfg *metrics.Config, day time.Time) (time.Time, error) {
	h, m, err := parseClock(cfg.Report.SendAt)
	if err != nil {
		return time.Time{}, err
	}
	loc := cfg.Location()
	next := day.AddDate(0, 0, 1)
	t := time.Date(next.Year(), next.Month(), next.Day(), h, m, 0, 0, loc)
	lt := t.In(loc)
	want := h*60 + m
	if got := lt.Hour()*60 + lt.Minute(); got != want || lt.Day() != next.Day() {
		// In a gap: time.Date picked a side.
		start, end := t.ZoneBounds()
		if lt.Day() != next.Day() || got < want {
			return end, nil
		}
		return start, nil
	}
	// Twice, when an earlier instant shows the same wall clock.
	start, _ := t.ZoneBounds()
	if !start.IsZero() {
		_, before := start.Add(-time.Nanosecond).Zone()
		_, after := t.Zone()
		if shift := time.Duration(before-after) * time.Second; shift > 0 {
			if e := t.Add(-shift); e.Before(start) {
				el := e.In(loc)
				if el.Hour() == h && el.Minute() == m {
					return e, nil
				}
			}
		}
	}
	return t, nil
}

func parseClock(s string) (h, m int, err error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, fmt.Errorf("send_at %q: use HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, 0, fmt.Errorf("send_at %q: use HH:MM", s)
	}
	return h, m, nil
}
