package query

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"sqi/metrics"
)

// A comparison (compare=previous_period or previous_year) gives each row
// the metrics of its group over its dates shifted back: a row's dates are
// the range from..to cut to the period of its time keys (a day, the days of
// a week or a month; an hour's day), shifted by the number of days of the
// range (previous_period) or by a year (previous_year, 29 February to
// 28 February). The previous metrics are computed from the rooms of the
// shifted dates with the same other keys (agent, team, channel, category,
// in_hours and the local hour): for a day, the same day of the previous
// period; for a month of previous_year, the same month a year before. A
// group that had no rooms then has the metrics of no rooms (counts 0, the
// rest null).

// shiftDate moves a local date back for the comparison.
func shiftDate(d time.Time, compare string, days int) time.Time {
	if compare == ComparePreviousYear {
		y, m, day := d.Date()
		if m == time.February && day == 29 {
			day = 28
		}
		return time.Date(y-1, m, day, 0, 0, 0, 0, time.UTC)
	}
	return d.AddDate(0, 0, -days)
}

// previousRange is the range the comparison of q reads.
func previousRange(q Query) (from, to time.Time) {
	days := int(q.To.Sub(q.From).Hours()/24) + 1
	return shiftDate(q.From, q.Compare, days), shiftDate(q.To, q.Compare, days)
}

// window is a range of local dates, inclusive.
type window struct{ from, to time.Time }

// rowWindow is the dates of the row with keys within from..to.
func rowWindow(keys []metrics.GroupKey, from, to time.Time) window {
	first, last, ok := dateSpan(keys)
	if !ok {
		return window{from, to}
	}
	if first.Before(from) {
		first = from
	}
	if last.After(to) {
		last = to
	}
	return window{first, last}
}

// sameGroup is the identity of a row within its window: the keys that are
// not dates (the hour of an hour key, the others' values).
func sameGroup(keys []metrics.GroupKey) string {
	var b strings.Builder
	for _, k := range keys {
		switch {
		case k.Key == "day" || k.Key == "week" || k.Key == "month":
			continue
		case k.Null:
			b.WriteString("\x00null")
		case k.Key == "hour":
			b.WriteString(strconv.Itoa(k.Hour))
		default:
			b.WriteString(k.String())
		}
		b.WriteByte(0)
	}
	return b.String()
}

// compare fills res.Previous with the previous metrics of every row.
func (e *Engine) compare(ctx context.Context, cfg *metrics.Config, res *Result) error {
	q := res.Query
	res.PrevFrom, res.PrevTo = previousRange(q)
	days := int(q.To.Sub(q.From).Hours()/24) + 1
	var within []string // the keys that are not dates
	for _, k := range q.GroupBy {
		if k != "day" && k != "week" && k != "month" {
			within = append(within, k)
		}
	}
	parts, err := e.Partials(ctx, cfg, q.Tenant, res.PrevFrom, res.PrevTo, [][]string{within})
	if err != nil {
		return err
	}
	// The local days each partial holds, to hand each window only the
	// partials it needs.
	type span struct{ first, last time.Time }
	spans := make([]span, len(parts[0]))
	for i, p := range parts[0] {
		if d := p.Days(); len(d) > 0 {
			spans[i] = span{d[0], d[len(d)-1]}
		}
	}
	empty, err := metrics.Combine(cfg, res.PrevFrom, res.PrevTo, nil, nil, 0)
	if err != nil {
		return err
	}
	prev := map[window]map[string]*metrics.Row{}
	res.Previous = make([]metrics.Row, len(res.Rows))
	for i := range res.Rows {
		w := rowWindow(res.Rows[i].Keys, q.From, q.To)
		pw := window{shiftDate(w.from, q.Compare, days), shiftDate(w.to, q.Compare, days)}
		groups, ok := prev[pw]
		if !ok {
			var use []*metrics.Partial
			for j, p := range parts[0] {
				if s := spans[j]; !s.first.IsZero() && !s.last.Before(pw.from) && !s.first.After(pw.to) {
					use = append(use, p)
				}
			}
			rows, err := metrics.Combine(cfg, pw.from, pw.to, within, use, e.MaxRows)
			if err != nil {
				return err
			}
			groups = make(map[string]*metrics.Row, len(rows))
			for j := range rows {
				groups[sameGroup(rows[j].Keys)] = &rows[j]
			}
			prev[pw] = groups
		}
		p, ok := groups[sameGroup(res.Rows[i].Keys)]
		if !ok {
			p = &empty[0]
		}
		res.Previous[i] = metrics.Row{Keys: slices.Clone(res.Rows[i].Keys), Values: p.Values, SQI: p.SQI, Grade: p.Grade, Components: p.Components}
	}
	return nil
}
