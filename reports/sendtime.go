package reports

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"sqi/metrics"
)

// DueDates are the daily report dates of cfg's tenant to schedule at now
// (DuePeriods of KindDaily).
func DueDates(cfg *metrics.Config, now, last time.Time, seen bool, catchUp int) []time.Time {
	return DuePeriods(cfg, KindDaily, now, last, seen, catchUp)
}

// DuePeriods are the first dates of the reports of kind of cfg's tenant to
// schedule at now, given the first date of the last one scheduled before
// (seen false: never). They are the reports whose send time has come
// since then, at most catchUp of them (a long outage does not flood the
// recipients), oldest first; for a tenant never scheduled, the latest
// report due only.
func DuePeriods(cfg *metrics.Config, kind Kind, now, last time.Time, seen bool, catchUp int) []time.Time {
	latest, ok := LatestDuePeriod(cfg, kind, now)
	if !ok {
		return nil
	}
	var out []time.Time
	for p := latest; len(out) < max(catchUp, 1); p = p.Prev() {
		if seen && !p.First.After(last) {
			break
		}
		out = append(out, p.First)
		if !seen {
			break
		}
	}
	slices.Reverse(out)
	return out
}

// LatestDue is the last daily report date whose send time is at or
// before now: yesterday (local) once today's send_at has passed, else the
// day before. ok is false when the tenant has no send_at (no scheduled
// reports).
func LatestDue(cfg *metrics.Config, now time.Time) (time.Time, bool) {
	p, ok := LatestDuePeriod(cfg, KindDaily, now)
	return p.First, ok
}

// LatestDuePeriod is the last period of kind whose report's send time is
// at or before now: the period before today's (local) once its send time
// (send_at on the day after it: today, this Monday, this month's 1st) has
// passed, else the one before. ok is false when the tenant has no
// send_at.
func LatestDuePeriod(cfg *metrics.Config, kind Kind, now time.Time) (Period, bool) {
	if cfg.Report.SendAt == "" {
		return Period{}, false
	}
	lt := now.In(cfg.Location())
	today := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	p := PeriodContaining(kind, today).Prev()
	if at, _ := SendTime(cfg, p.Last); !now.Before(at) {
		return p, true
	}
	return p.Prev(), true
}

// SendTime is the instant the report of a period whose last local date
// is day is due: send_at on the next local day in the tenant's zone (the
// day after a daily report's day, the Monday after a week, the 1st after
// a month). Where the clocks
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
