package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Business hours (docs/metrics.md, "Business hours"): a tenant's weekly
// opening intervals and holidays, in its time zone. With hours=business
// every duration is the business seconds between the same two instants.

// Hours modes: what a duration counts.
const (
	HoursAll      = "all"      // calendar seconds
	HoursBusiness = "business" // business seconds
)

// BusinessHours is the business_hours of a configuration: for each day of
// the week (mon..sun) its intervals HH:MM-HH:MM of local wall-clock time; a
// day left out or empty is closed, and so is a holiday (a local date).
type BusinessHours struct {
	Weekly   map[string][]string `json:"weekly"`
	Holidays []string            `json:"holidays"`
}

// weekdays are the day names, Sunday first as time.Weekday counts.
var weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// window is an opening interval of a day, in minutes from midnight; end
// may be 1440 (24:00).
type window struct{ start, end int }

// schedule is a checked BusinessHours.
type schedule struct {
	weekly   [7][]window
	holidays map[int32]bool // days since 1970-01-01 of the local dates
}

// parseMinutes reads HH:MM; 24:00 only when end is true.
func parseMinutes(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' {
		return 0, false
	}
	if h == 24 && m == 0 && end {
		return 1440, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

// check validates b and returns the problems, each naming its field.
func (b *BusinessHours) check() (schedule, []error) {
	var (
		s    = schedule{holidays: map[int32]bool{}}
		errs []error
	)
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	names := make([]string, 0, len(b.Weekly))
	for d := range b.Weekly {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		wd := slices.Index(weekdays[:], d)
		if wd < 0 {
			bad("business_hours.weekly.%s: %q is not a day: use mon, tue, wed, thu, fri, sat or sun", d, d)
			continue
		}
		for i, iv := range b.Weekly[d] {
			field := fmt.Sprintf("business_hours.weekly.%s[%d]", d, i)
			from, to, ok := strings.Cut(iv, "-")
			if !ok {
				bad("%s %q: use HH:MM-HH:MM, such as 09:00-18:00", field, iv)
				continue
			}
			start, ok1 := parseMinutes(from, false)
			end, ok2 := parseMinutes(to, true)
			switch {
			case !ok1 && from == "24:00":
				bad("%s %q: 24:00 may end an interval, not start one", field, iv)
				continue
			case !ok1 || !ok2:
				bad("%s %q: use HH:MM-HH:MM with hours 00..23 and minutes 00..59 (24:00 as an end), such as 09:00-18:00", field, iv)
				continue
			case end <= start:
				bad("%s %q: the end must be after the start (an interval cannot cross midnight: split it at 24:00)", field, iv)
				continue
			}
			s.weekly[wd] = append(s.weekly[wd], window{start, end})
		}
		ws := slices.Clone(s.weekly[wd])
		slices.SortFunc(ws, func(x, y window) int { return x.start - y.start })
		for i := 1; i < len(ws); i++ {
			if ws[i].start < ws[i-1].end {
				bad("business_hours.weekly.%s: intervals %s and %s overlap: make them disjoint", d, minutes(ws[i-1]), minutes(ws[i]))
			}
		}
		s.weekly[wd] = ws
	}
	for i, h := range b.Holidays {
		d, err := time.Parse(DateLayout, h)
		if err != nil {
			bad("business_hours.holidays[%d] %q: use a date YYYY-MM-DD", i, h)
			continue
		}
		s.holidays[daysSinceEpoch(d.Date())] = true
	}
	return s, errs
}

func minutes(w window) string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.start/60, w.start%60, w.end/60, w.end%60)
}

// Clock measures durations: calendar time, or a tenant's business time. A
// clock may keep a cache: one goroutine uses it at a time (Config.Clock
// returns a new one).
type Clock interface {
	// Micros is the duration of [a, b) in microseconds (0 when b is not
	// after a).
	Micros(a, b time.Time) int64
	// Open reports whether t is business time (always, for calendar time).
	Open(t time.Time) bool
}

// calendar is calendar time: every second counts.
type calendar struct{}

func (calendar) Micros(a, b time.Time) int64 {
	if !b.After(a) {
		return 0
	}
	return b.Sub(a).Microseconds()
}

func (calendar) Open(time.Time) bool { return true }

// Calendar is the clock of calendar time.
var Calendar Clock = calendar{}

// businessClock measures business time. It holds the open spans of a run
// of consecutive local days as Unix microseconds with their prefix sums,
// and extends the run when an instant falls outside it: a duration is two
// binary searches.
type businessClock struct {
	s      *schedule
	loc    *time.Location
	first  int32   // the local day of spans' first day
	last   int32   // and of the last (inclusive); first > last when empty
	starts []int64 // open spans [starts[i], ends[i]), sorted
	ends   []int64
	prefix []int64 // business µs before span i
	// lo and hi bound the instants the run covers, [lo, hi) in Unix µs:
	// inside them no local date needs computing.
	lo, hi int64
}

func newBusinessClock(s *schedule, loc *time.Location) *businessClock {
	return &businessClock{s: s, loc: loc, first: 1, last: 0, lo: 1, hi: 0}
}

// spansOf appends the open spans of local day d.
func (c *businessClock) spansOf(d int32, starts, ends []int64) ([]int64, []int64) {
	if c.s.holidays[d] {
		return starts, ends
	}
	date := dateOf(d)
	y, m, dd := date.Date()
	for _, w := range c.s.weekly[int(date.Weekday())] {
		a := wallInstant(y, m, dd, w.start, c.loc).UnixMicro()
		b := wallInstant(y, m, dd, w.end, c.loc).UnixMicro()
		if b > a {
			starts, ends = append(starts, a), append(ends, b)
		}
	}
	return starts, ends
}

// cover makes the run of days hold days lo..hi.
func (c *businessClock) cover(lo, hi int32) {
	if c.first <= c.last && lo >= c.first && hi <= c.last {
		return
	}
	if c.first <= c.last {
		lo, hi = min(lo, c.first), max(hi, c.last)
	}
	// Widen generously: queries walk days in order.
	lo, hi = lo-7, hi+7
	c.starts, c.ends = c.starts[:0], c.ends[:0]
	for d := lo; d <= hi; d++ {
		c.starts, c.ends = c.spansOf(d, c.starts, c.ends)
	}
	first, last := dateOf(lo), dateOf(hi)
	c.lo = dayStart(first.Year(), first.Month(), first.Day(), c.loc).UnixMicro()
	c.hi = dayStart(last.Year(), last.Month(), last.Day()+1, c.loc).UnixMicro()
	c.prefix = c.prefix[:0]
	var sum int64
	for i := range c.starts {
		c.prefix = append(c.prefix, sum)
		sum += c.ends[i] - c.starts[i]
	}
	c.first, c.last = lo, hi
}

// before is the business µs of the run before instant us.
func (c *businessClock) before(us int64) int64 {
	i := sort.Search(len(c.starts), func(i int) bool { return c.starts[i] > us }) - 1
	if i < 0 {
		return 0
	}
	return c.prefix[i] + min(us, c.ends[i]) - c.starts[i]
}

func (c *businessClock) Micros(a, b time.Time) int64 {
	if !b.After(a) {
		return 0
	}
	au, bu := a.UnixMicro(), b.UnixMicro()
	if au < c.lo || bu >= c.hi {
		c.cover(civilOf(a, c.loc).day-1, civilOf(b, c.loc).day+1)
	}
	return c.before(bu) - c.before(au)
}

func (c *businessClock) Open(t time.Time) bool {
	us := t.UnixMicro()
	if us < c.lo || us >= c.hi {
		d := civilOf(t, c.loc).day
		c.cover(d-1, d+1)
	}
	i := sort.Search(len(c.starts), func(i int) bool { return c.starts[i] > us }) - 1
	return i >= 0 && us < c.ends[i]
}

// wallInstant is the instant of local wall-clock time min minutes after
// midnight of y-m-d in loc (1440: the start of the next day). A time the
// clocks skip (spring forward) is the instant they jump; a time that occurs
// twice (fall back) is its first occurrence.
func wallInstant(y int, m time.Month, d, min int, loc *time.Location) time.Time {
	if min == 1440 {
		return dayStart(y, m, d+1, loc)
	}
	wall := time.Date(y, m, d, min/60, min%60, 0, 0, time.UTC)
	var (
		found   bool
		best    time.Time
		latest  time.Time
		offsets [3]int
	)
	for i, probe := range []time.Time{wall.Add(-24 * time.Hour), wall, wall.Add(24 * time.Hour)} {
		_, offsets[i] = probe.In(loc).Zone()
	}
	for _, off := range offsets {
		t := wall.Add(-time.Duration(off) * time.Second)
		if t.After(latest) {
			latest = t
		}
		lt := t.In(loc)
		if lt.Hour() == min/60 && lt.Minute() == min%60 && lt.Day() == d && !lt.IsZero() {
			if !found || t.Before(best) {
				best, found = t, true
			}
		}
	}
	if found {
		return best
	}
	// Skipped: the latest candidate lies after the jump, in the period it
	// starts.
	if start, _ := latest.In(loc).ZoneBounds(); !start.IsZero() {
		return start
	}
	return latest
}
