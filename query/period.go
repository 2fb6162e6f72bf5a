package query

import (
	"sort"
	"time"

	"sqi/metrics"
)

// The period of a row grouped by time: the local dates its time keys cover
// (hour and day: one date; week: Monday to Sunday; month: the first to the
// last day; with several time keys, the dates all of them cover), and the
// instants that bound it in the tenant's zone, so that a BI tool can plot
// the row on a time axis.

// dateSpan returns the local dates first..last that the time keys of keys
// cover; ok is false when keys has no time key.
func dateSpan(keys []metrics.GroupKey) (first, last time.Time, ok bool) {
	for _, k := range keys {
		if !k.IsTime() || k.Null {
			continue
		}
		a, b := k.Date, k.Date
		switch k.Key {
		case "week":
			b = a.AddDate(0, 0, 6)
		case "month":
			b = a.AddDate(0, 1, -1)
		}
		if !ok {
			first, last, ok = a, b, true
			continue
		}
		if a.After(first) {
			first = a
		}
		if b.Before(last) {
			last = b
		}
	}
	return first, last, ok
}

// hourOf returns the local hour of an hour key in keys, or -1.
func hourOf(keys []metrics.GroupKey) int {
	for _, k := range keys {
		if k.Key == "hour" && !k.Null {
			return k.Hour
		}
	}
	return -1
}

// Period returns the instants [start, end) of the row whose group keys are
// keys, in loc: local midnight of its first date to local midnight after
// its last (metrics.DayBounds: a day has 23, 24 or 25 hours); for an hour,
// the first instant of that local hour to the first instant of the next,
// so that 01:00 of a day whose clocks fall back from 02:00 to 01:00 lasts
// two hours, both of which the hour key holds. ok is false for a row that
// has no time key.
func Period(keys []metrics.GroupKey, loc *time.Location) (start, end time.Time, ok bool) {
	first, last, ok := dateSpan(keys)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	start, end = metrics.DayBounds(first, last, loc)
	if h := hourOf(keys); h >= 0 {
		start, end = hourBounds(start, end, h, loc)
	}
	return start, end, true
}

// hourBounds returns the instants of the local hour h within the local day
// [dayStart, dayEnd): its first instant, and the first instant of a later
// hour (dayEnd after 23). The local hour never goes back within a day (a
// fall-back repeats it), so both are found by binary search, to the
// second.
func hourBounds(dayStart, dayEnd time.Time, h int, loc *time.Location) (time.Time, time.Time) {
	secs := int(dayEnd.Sub(dayStart) / time.Second)
	firstAt := func(hour int) time.Time {
		i := sort.Search(secs, func(i int) bool {
			return dayStart.Add(time.Duration(i)*time.Second).In(loc).Hour() >= hour
		})
		return dayStart.Add(time.Duration(i) * time.Second)
	}
	start := firstAt(h)
	if h == 23 {
		return start, dayEnd
	}
	return start, firstAt(h + 1)
}

// periods remembers the bounds of the periods of one answer: its rows
// share few (a day's hours, the days of a range), each computed once.
type periods struct {
	loc  *time.Location
	seen map[periodKey][2]time.Time
}

type periodKey struct {
	first, last time.Time
	hour        int
}

func newPeriods(loc *time.Location) *periods {
	return &periods{loc: loc, seen: map[periodKey][2]time.Time{}}
}

// of is Period of keys (ok false: no time key).
func (p *periods) of(keys []metrics.GroupKey) (start, end time.Time, ok bool) {
	first, last, ok := dateSpan(keys)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	k := periodKey{first, last, hourOf(keys)}
	if b, hit := p.seen[k]; hit {
		return b[0], b[1], true
	}
	start, end, _ = Period(keys, p.loc)
	p.seen[k] = [2]time.Time{start, end}
	return start, end, true
}
