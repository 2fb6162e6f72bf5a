package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// GroupKeys are the group_by keys, in their canonical order.
var GroupKeys = []string{"hour", "day", "week", "month", "agent", "team", "channel", "category", "in_hours"}

// keyColumn is the name of a group key in a row.
var keyColumn = map[string]string{
	"hour": "hour", "day": "day", "week": "week", "month": "month",
	"agent": "agent_id", "team": "team_id", "channel": "channel", "category": "category",
	"in_hours": "in_hours",
}

// KeyColumn returns the row column of a group_by key ("agent" → "agent_id").
func KeyColumn(key string) string { return keyColumn[key] }

// ParseGroupBy checks a group_by list (already split on commas). Each key
// may appear once; the order given is the order of the key columns.
func ParseGroupBy(keys []string) ([]string, error) {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if _, ok := keyColumn[k]; !ok {
			return nil, fmt.Errorf("unknown group_by key %q: use a comma list of %s", k, strings.Join(GroupKeys, ", "))
		}
		if slices.Contains(out, k) {
			return nil, fmt.Errorf("group_by key %q given twice", k)
		}
		out = append(out, k)
	}
	return out, nil
}

const (
	byHour = iota
	byDay
	byWeek
	byMonth
	byAgent
	byTeam
	byChannel
	byCategory
	byInHours
	numKeys
)

// pkey identifies a group of a Partial: the rooms' local day, always (a
// partial is cut by local day, so that any range of whole days can be
// taken from it), and the keys of the grouping; keys not grouped on stay
// zero.
type pkey struct {
	day                            int32
	hour                           int8
	inHours                        int8 // 0: not grouped; 1 no, 2 yes
	agent, team, channel, category string
}

// acc accumulates the metrics of one group: counts, sums of durations in
// microseconds (exact, whatever the order rooms come in) and, for the
// percentiles, the durations themselves, sorted when the partial is sealed.
type acc struct {
	rooms, botOnly, queued, answered, abandoned, shortAbandoned int
	answeredInSL, dropped, answeredClosed, transfers            int
	surveys, satisfied, scoreSum                                int

	waits   run // sorted when sealed
	waitSum int64
	durs    [NumDurations]sum // wait unused: waits and waitSum hold it
	cust    sum

	replies                run // answered reply turns, sorted when sealed
	replySum               int64
	replyTurns, unanswered int
}

type sum struct {
	total int64
	n     int
}

func (s *sum) add(us int64) { s.total += us; s.n++ }

func (s *sum) merge(o *sum) { s.total += o.total; s.n += o.n }

func (s sum) mean() Value {
	if s.n == 0 {
		return Value{Null: true}
	}
	return Value{V: Secs(s.total) / float64(s.n)}
}

func (t *acc) merge(g *acc) {
	t.rooms += g.rooms
	t.botOnly += g.botOnly
	t.queued += g.queued
	t.answered += g.answered
	t.abandoned += g.abandoned
	t.shortAbandoned += g.shortAbandoned
	t.answeredInSL += g.answeredInSL
	t.dropped += g.dropped
	t.answeredClosed += g.answeredClosed
	t.transfers += g.transfers
	t.surveys += g.surveys
	t.satisfied += g.satisfied
	t.scoreSum += g.scoreSum
	t.waitSum += g.waitSum
	for i := range t.durs {
		t.durs[i].merge(&g.durs[i])
	}
	t.cust.merge(&g.cust)
	t.replySum += g.replySum
	t.replyTurns += g.replyTurns
	t.unanswered += g.unanswered
}

// Aggregator computes the metrics for the groups of rooms that Add
// receives, under a tenant's configuration (its time zone, thresholds and
// hours). Groups are computed from their rooms, never from other groups.
// Rows gives the rows; Seal gives a Partial to merge with others.
type Aggregator struct {
	cfg      *Config
	loc      *time.Location
	clock    Clock // durations: calendar or business time (cfg.Hours)
	open     Clock // in_hours: business time, or always open
	groupBy  []string
	by       [numKeys]bool
	from, to int32 // local days, inclusive; rooms outside are ignored
	groups   map[pkey]*acc
}

// NewAggregator returns an aggregator for the local dates from..to of the
// tenant configured by cfg, grouped by groupBy (checked by ParseGroupBy).
func NewAggregator(cfg *Config, from, to time.Time, groupBy []string) *Aggregator {
	a := &Aggregator{
		cfg:     cfg,
		loc:     cfg.Location(),
		clock:   cfg.Clock(),
		open:    cfg.OpenClock(),
		groupBy: groupBy,
		from:    daysSinceEpoch(from.Date()),
		to:      daysSinceEpoch(to.Date()),
		groups:  make(map[pkey]*acc),
	}
	for _, k := range groupBy {
		a.by[slices.Index(GroupKeys, k)] = true
	}
	return a
}

// AllDays is the widest range of local dates: an aggregator over it keeps
// every room it gets (a partial of a block, cut into days by Combine).
var AllDays = [2]time.Time{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}

func (a *Aggregator) group(k pkey) *acc {
	g := a.groups[k]
	if g == nil {
		g = &acc{}
		a.groups[k] = g
	}
	return g
}

// Add puts a room, and its turns, into their groups. A room whose local
// date is outside from..to is ignored.
func (a *Aggregator) Add(r *Room) {
	c := civilOf(r.OpenedAt, a.loc)
	if c.day < a.from || c.day > a.to {
		return
	}
	k := pkey{day: c.day}
	if a.by[byHour] {
		k.hour = c.hour
	}
	if a.by[byAgent] {
		k.agent = r.Agent
	}
	if a.by[byTeam] {
		k.team = r.Team
	}
	if a.by[byChannel] {
		k.channel = r.Channel
	}
	if a.by[byCategory] {
		k.category = r.Category
	}
	if a.by[byInHours] {
		k.inHours = 1
		if a.open.Open(r.OpenedAt) {
			k.inHours = 2
		}
	}
	g := a.group(k)
	g.rooms++
	if !r.Valid() {
		return
	}
	g.transfers += r.Transfers
	switch r.Outcome(a.cfg) {
	case OutcomeBotOnly:
		g.botOnly++
	case OutcomeAnswered:
		g.queued++
		g.answered++
		w, _ := r.Micros(DWait, a.clock)
		g.waits.add(w)
		g.waitSum += w
		if Secs(w) <= a.cfg.SLThresholdS {
			g.answeredInSL++
		}
		if r.AnsweredClosed() {
			g.answeredClosed++
			if r.Dropped {
				g.dropped++
			}
		}
	case OutcomeAbandoned:
		g.queued++
		g.abandoned++
	case OutcomeShortAbandoned:
		g.queued++
		g.shortAbandoned++
	case OutcomeWaiting:
		g.queued++
	}
	for d := DFirstResponse; d < NumDurations; d++ {
		if us, ok := r.Micros(d, a.clock); ok {
			g.durs[d].add(us)
		}
	}
	if r.Score > 0 {
		g.surveys++
		g.scoreSum += int(r.Score)
		if r.Score >= 4 {
			g.satisfied++
		}
	}
	// Turns count for their agent; every other key is the room's.
	turnGroup := func(agent string) *acc {
		if !a.by[byAgent] || agent == r.Agent {
			return g
		}
		tk := k
		tk.agent = agent
		return a.group(tk)
	}
	for _, t := range r.Replies {
		tg := turnGroup(t.Agent)
		tg.replyTurns++
		if t.Answered() {
			us := t.Micros(a.clock)
			tg.replies.add(us)
			tg.replySum += us
		} else {
			tg.unanswered++
		}
	}
	for _, t := range r.CustomerReplies {
		turnGroup(t.Agent).cust.add(t.Micros(a.clock))
	}
}

// Partial is the sealed result of an aggregator: its groups cut by local
// day, with the durations of the percentile metrics sorted. It is never
// modified again, so one partial (a cached block) can be combined by many
// queries at once.
type Partial struct {
	groupBy []string
	groups  map[pkey]*acc
	bytes   int
}

// Seal sorts the percentile values and returns the aggregator's groups as
// a Partial; the aggregator must not be used afterwards.
func (a *Aggregator) Seal() *Partial {
	p := &Partial{groupBy: a.groupBy, groups: a.groups}
	var buf []uint32
	for k, g := range a.groups {
		buf = g.waits.seal(buf)
		buf = g.replies.seal(buf)
		p.bytes += g.waits.bytes() + g.replies.bytes() + 300 + len(k.agent) + len(k.team) + len(k.channel) + len(k.category)
	}
	a.groups = nil
	return p
}

// Bytes estimates the memory the partial holds.
func (p *Partial) Bytes() int { return p.bytes }

// Days returns the local days the partial holds rooms of, as dates at
// midnight UTC, in order.
func (p *Partial) Days() []time.Time {
	seen := map[int32]bool{}
	for k := range p.groups {
		seen[k.day] = true
	}
	days := make([]int32, 0, len(seen))
	for d := range seen {
		days = append(days, d)
	}
	slices.Sort(days)
	out := make([]time.Time, len(days))
	for i, d := range days {
		out[i] = dateOf(d)
	}
	return out
}

// ErrTooManyGroups is returned by Combine when the rows would exceed the
// limit it was given.
var ErrTooManyGroups = errors.New("too many groups")

// okey identifies a row: the keys of the grouping only.
type okey struct {
	day, week, month int32
	hour             int8
	inHours          int8
	agent, team      string
	channel, cat     string
}

// out is a row being combined: its sums, and the sorted runs of its
// percentile values, one per partial group that fed it.
type out struct {
	acc
	waitRuns, replyRuns []*run
	waitMax             int64
}

// Combine computes the rows of the local dates from..to from partials,
// which it only reads, grouped by groupBy. A partial may have been made
// with the same grouping or a finer one: a row of groupBy is the sum of the
// partial's groups that share its keys (day, week and month come from
// every partial, which is cut by local day). With no groupBy there is
// exactly one row, even when there are no rooms. maxRows > 0 bounds the
// number of rows: beyond it Combine stops with ErrTooManyGroups.
func Combine(cfg *Config, from, to time.Time, groupBy []string, parts []*Partial, maxRows int) ([]Row, error) {
	var by [numKeys]bool
	for _, k := range groupBy {
		by[slices.Index(GroupKeys, k)] = true
	}
	lo, hi := daysSinceEpoch(from.Date()), daysSinceEpoch(to.Date())
	rows := make(map[okey]*out)
	for _, p := range parts {
		for _, k := range groupBy {
			switch k {
			case "day", "week", "month":
			default:
				if !slices.Contains(p.groupBy, k) {
					return nil, fmt.Errorf("combine: a partial grouped by %v has no key %s", p.groupBy, k)
				}
			}
		}
		for k, g := range p.groups {
			if k.day < lo || k.day > hi {
				continue
			}
			var ok okey
			if by[byDay] || by[byHour] {
				ok.day = k.day
			}
			if by[byHour] {
				ok.hour = k.hour
			}
			if by[byWeek] {
				ok.week = isoMonday(k.day)
			}
			if by[byMonth] {
				ok.month = monthOf(k.day)
			}
			if by[byInHours] {
				ok.inHours = k.inHours
			}
			if by[byAgent] {
				ok.agent = k.agent
			}
			if by[byTeam] {
				ok.team = k.team
			}
			if by[byChannel] {
				ok.channel = k.channel
			}
			if by[byCategory] {
				ok.cat = k.category
			}
			o := rows[ok]
			if o == nil {
				if maxRows > 0 && len(rows) >= maxRows {
					return nil, ErrTooManyGroups
				}
				o = &out{}
				rows[ok] = o
			}
			o.merge(g)
			if g.waits.len() > 0 {
				o.waitRuns = append(o.waitRuns, &g.waits)
				o.waitMax = max(o.waitMax, g.waits.last())
			}
			if g.replies.len() > 0 {
				o.replyRuns = append(o.replyRuns, &g.replies)
			}
		}
	}
	if len(groupBy) == 0 && len(rows) == 0 {
		rows[okey{}] = &out{}
	}
	result := make([]Row, 0, len(rows))
	for k, o := range rows {
		result = append(result, row(cfg, groupBy, k, o))
	}
	slices.SortFunc(result, compareRows)
	return result, nil
}

// Rows returns one row per group, sorted by the group keys in group_by
// order (null keys last). With no group_by there is exactly one row, even
// when there are no rooms. The aggregator must not be used afterwards.
func (a *Aggregator) Rows() []Row {
	first, last := dateOf(a.from), dateOf(a.to)
	rows, _ := Combine(a.cfg, first, last, a.groupBy, []*Partial{a.Seal()}, 0)
	return rows
}

// Value is a metric value; Null when its denominator is empty.
type Value struct {
	V    float64
	Null bool
}

func val(v float64) Value {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Value{Null: true}
	}
	return Value{V: v}
}

func ratio(num, den int) Value {
	if den == 0 {
		return Value{Null: true}
	}
	return Value{V: 100 * float64(num) / float64(den)}
}

// GroupKey is one group key of a row, typed: the text of the API
// (2026-11-01T01:00, 2026-11...) is made at the edge, by String, and
// nothing parses it back.
type GroupKey struct {
	Key  string // the group_by key: hour, day, week, month, agent, team, channel, category, in_hours
	Null bool   // the group of rooms without that key (no agent, no category...)
	// Date is the local date of a time key, at midnight UTC: the day, the
	// hour's day, the week's Monday, the month's first day.
	Date time.Time
	Hour int    // the local hour of an hour key, 0..23
	Text string // agent, team, channel or category
	Bool bool   // in_hours
}

// Column is the key's column in a row ("agent" → "agent_id").
func (k GroupKey) Column() string { return keyColumn[k.Key] }

// IsTime reports whether the key is a time key (hour, day, week, month).
func (k GroupKey) IsTime() bool {
	switch k.Key {
	case "hour", "day", "week", "month":
		return true
	}
	return false
}

// String is the key as the API writes it: hour 2026-11-01T01:00, day and
// week 2026-11-01, month 2026-11, in_hours true or false, the others their
// text; "" when null.
func (k GroupKey) String() string {
	if k.Null {
		return ""
	}
	switch k.Key {
	case "hour":
		return fmt.Sprintf("%sT%02d:00", k.Date.Format(DateLayout), k.Hour)
	case "day", "week":
		return k.Date.Format(DateLayout)
	case "month":
		return k.Date.Format("2006-01")
	case "in_hours":
		if k.Bool {
			return "true"
		}
		return "false"
	}
	return k.Text
}

func compareKeys(a, b GroupKey) int {
	switch {
	case a.Null && b.Null:
		return 0
	case a.Null:
		return 1
	case b.Null:
		return -1
	}
	if c := a.Date.Compare(b.Date); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Hour, b.Hour); c != 0 {
		return c
	}
	if a.Bool != b.Bool {
		if a.Bool {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.Text, b.Text)
}

// ComponentPoints is one SQI component's points.
type ComponentPoints struct {
	Name   string
	Points Value
}

// Row is one group's metrics. Values are unrounded: Rounded gives what a
// user sees.
type Row struct {
	Keys       []GroupKey
	Values     [NumMetrics]Value
	SQI        Value
	Grade      string // "" when SQI is null
	Components []ComponentPoints
}

// Rounded returns metric i as users see it: durations, percentages,
// averages and points to 2 decimals.
func (r *Row) Rounded(i int) Value {
	v := r.Values[i]
	if v.Null {
		return v
	}
	return Value{V: RoundKind(Catalog[i].Kind, v.V)}
}

func compareRows(x, y Row) int { return CompareKeys(x.Keys, y.Keys) }

// CompareKeys orders two rows' keys as Rows sorts them: key by key in
// group_by order, time keys chronologically, text keys by byte order,
// null keys last.
func CompareKeys(a, b []GroupKey) int {
	for i := range min(len(a), len(b)) {
		if c := compareKeys(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func row(cfg *Config, groupBy []string, k okey, g *out) Row {
	var r Row
	for _, key := range groupBy {
		kv := GroupKey{Key: key}
		switch key {
		case "hour":
			kv.Date, kv.Hour = dateOf(k.day), int(k.hour)
		case "day":
			kv.Date = dateOf(k.day)
		case "week":
			kv.Date = dateOf(k.week)
		case "month":
			kv.Date = time.Date(int(k.month/12), time.Month(k.month%12+1), 1, 0, 0, 0, 0, time.UTC)
		case "agent":
			kv.Text, kv.Null = k.agent, k.agent == ""
		case "team":
			kv.Text, kv.Null = k.team, k.team == ""
		case "channel":
			kv.Text, kv.Null = k.channel, k.channel == ""
		case "category":
			kv.Text, kv.Null = k.cat, k.cat == ""
		case "in_hours":
			kv.Bool = k.inHours == 2
		}
		r.Keys = append(r.Keys, kv)
	}
	v := &r.Values
	count := func(i, n int) { v[i] = Value{V: float64(n)} }
	count(MRooms, g.rooms)
	count(MBotOnly, g.botOnly)
	count(MQueued, g.queued)
	count(MAnswered, g.answered)
	count(MAbandoned, g.abandoned)
	count(MShortAbandoned, g.shortAbandoned)
	offered := g.answered + g.abandoned
	count(MOffered, offered)
	count(MAnsweredInSL, g.answeredInSL)
	v[MServiceLevelPct] = ratio(g.answeredInSL, offered)
	v[MAbandonRatePct] = ratio(g.abandoned, offered)
	if n := g.answered; n > 0 {
		v[MWaitAvg] = val(Secs(g.waitSum) / float64(n))
		v[MWaitP50] = val(percentileRuns(g.waitRuns, n, 0.5))
		v[MWaitP90] = val(percentileRuns(g.waitRuns, n, 0.9))
		v[MWaitMax] = val(Secs(g.waitMax))
	} else {
		v[MWaitAvg], v[MWaitP50], v[MWaitP90], v[MWaitMax] = Value{Null: true}, Value{Null: true}, Value{Null: true}, Value{Null: true}
	}
	v[MFirstResponseAvg] = g.durs[DFirstResponse].mean()
	v[MAssignedResponseAvg] = g.durs[DAssignedResponse].mean()
	count(MDropped, g.dropped)
	v[MDropRatePct] = ratio(g.dropped, g.answeredClosed)
	if n := g.replyTurns - g.unanswered; n > 0 {
		v[MReplyAvg] = val(Secs(g.replySum) / float64(n))
		v[MReplyP90] = val(percentileRuns(g.replyRuns, n, 0.9))
	} else {
		v[MReplyAvg], v[MReplyP90] = Value{Null: true}, Value{Null: true}
	}
	count(MReplyTurns, g.replyTurns)
	count(MUnansweredTurns, g.unanswered)
	v[MCustomerReplyAvg] = g.cust.mean()
	v[MHandleAvg] = g.durs[DHandle].mean()
	v[MWrapupAvg] = g.durs[DWrapup].mean()
	count(MTransfers, g.transfers)
	count(MSurveys, g.surveys)
	if g.surveys > 0 {
		v[MScoreAvg] = val(float64(g.scoreSum) / float64(g.surveys))
	} else {
		v[MScoreAvg] = Value{Null: true}
	}
	v[MCsatPct] = ratio(g.satisfied, g.surveys)
	v[MSurveyRatePct] = ratio(g.surveys, g.answeredClosed)
	r.SQI, r.Grade, r.Components = cfg.Score(&r.Values)
	return r
}
