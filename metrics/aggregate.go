package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// GroupKeys are the group_by keys of docs/api.md, in their canonical order.
var GroupKeys = []string{"hour", "day", "week", "month", "agent", "team", "channel", "category"}

// keyColumn is the name of a group key in a row (docs/api.md).
var keyColumn = map[string]string{
	"hour": "hour", "day": "day", "week": "week", "month": "month",
	"agent": "agent_id", "team": "team_id", "channel": "channel", "category": "category",
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

// gkey identifies a group; fields of keys not grouped on stay zero.
type gkey struct {
	day, week, month               int32
	hour                           int8
	agent, team, channel, category string
}

// acc accumulates the metrics of one group. Everything but the
// percentiles is a sum or a count; the percentiles keep their values.
type acc struct {
	key gkey

	rooms, botOnly, queued, answered, abandoned, shortAbandoned int
	answeredInSL, dropped, answeredClosed, transfers            int
	surveys, satisfied, scoreSum                                int

	waits                    values
	waitSum, waitMax         float64
	firstResp, assignedResp  sum
	handle, wrapup, custResp sum

	replies                values
	replySum               float64
	replyTurns, unanswered int
}

type sum struct {
	total float64
	n     int
}

func (s *sum) add(v float64) {
	if !math.IsNaN(v) {
		s.total += v
		s.n++
	}
}

func (s sum) mean() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.total / float64(s.n)
}

// Aggregator computes the metrics of docs/metrics.md for the groups of rooms that
// Add receives. Groups are computed from their rooms, never from other
// groups.
type Aggregator struct {
	cfg      *Config
	loc      *time.Location
	groupBy  []string
	by       [8]bool // index into GroupKeys
	from, to int32   // local days, inclusive; rooms outside are ignored
	groups   map[gkey]*acc
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
)

// NewAggregator returns an aggregator for the local dates from..to of the
// tenant configured by cfg, grouped by groupBy (checked by ParseGroupBy).
func NewAggregator(cfg *Config, from, to time.Time, groupBy []string) *Aggregator {
	a := &Aggregator{
		cfg:     cfg,
		loc:     cfg.Location(),
		groupBy: groupBy,
		from:    daysSinceEpoch(from.Date()),
		to:      daysSinceEpoch(to.Date()),
		groups:  make(map[gkey]*acc),
	}
	for _, k := range groupBy {
		a.by[slices.Index(GroupKeys, k)] = true
	}
	return a
}

func (a *Aggregator) group(k gkey) *acc {
	g := a.groups[k]
	if g == nil {
		g = &acc{key: k}
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
	var k gkey
	if a.by[byHour] {
		k.day, k.hour = c.day, c.hour
	}
	if a.by[byDay] {
		k.day = c.day
	}
	if a.by[byWeek] {
		k.week = isoMonday(c.day)
	}
	if a.by[byMonth] {
		k.month = monthOf(c.day)
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
		g.waits.add(r.Wait)
		g.waitSum += r.Wait
		if r.Wait > g.waitMax || g.waits.n == 1 {
			g.waitMax = r.Wait
		}
		if r.AnsweredInSL(a.cfg) {
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
	g.firstResp.add(r.FirstResponse)
	g.assignedResp.add(r.AssignedResponse)
	g.handle.add(r.Handle)
	g.wrapup.add(r.Wrapup)
	if r.Score > 0 {
		g.surveys++
		g.scoreSum += int(r.Score)
		if r.Score >= 4 {
			g.satisfied++
		}
	}
	// Turns count for their agent; every other key is the room's.
	for _, t := range r.Replies {
		tg := g
		if a.by[byAgent] && t.Agent != r.Agent {
			tk := k
			tk.agent = t.Agent
			tg = a.group(tk)
		}
		tg.replyTurns++
		if t.Answered() {
			tg.replies.add(t.Seconds)
			tg.replySum += t.Seconds
		} else {
			tg.unanswered++
		}
	}
	for _, t := range r.CustomerReplies {
		tg := g
		if a.by[byAgent] && t.Agent != r.Agent {
			tk := k
			tk.agent = t.Agent
			tg = a.group(tk)
		}
		tg.custResp.add(t.Seconds)
	}
}

// Merge adds every group of b into a, which must have been made with the
// same arguments; b must not be used afterwards. Rooms can so be added by
// several goroutines, each to its own aggregator; merging them in a fixed
// order keeps every sum, and so every number, the same from run to run.
func (a *Aggregator) Merge(b *Aggregator) {
	for k, g := range b.groups {
		a.group(k).merge(g)
	}
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
	if g.waits.n > 0 && (t.waits.n == 0 || g.waitMax > t.waitMax) {
		t.waitMax = g.waitMax
	}
	t.waits.merge(&g.waits)
	t.waitSum += g.waitSum
	for _, p := range [][2]*sum{{&t.firstResp, &g.firstResp}, {&t.assignedResp, &g.assignedResp},
		{&t.handle, &g.handle}, {&t.wrapup, &g.wrapup}, {&t.custResp, &g.custResp}} {
		p[0].total += p[1].total
		p[0].n += p[1].n
	}
	t.replies.merge(&g.replies)
	t.replySum += g.replySum
	t.replyTurns += g.replyTurns
	t.unanswered += g.unanswered
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

// GroupKey is one group key of a row, typed: the text of docs/api.md
// (2026-11-01T01:00, 2026-11...) is made at the edge, by String, and
// nothing parses it back.
type GroupKey struct {
	Key  string // the group_by key: hour, day, week, month, agent, team, channel, category
	Null bool   // the group of rooms without that key (no agent, no category...)
	// Date is the local date of a time key, at midnight UTC: the day, the
	// hour's day, the week's Monday, the month's first day.
	Date time.Time
	Hour int    // the local hour of an hour key, 0..23
	Text string // agent, team, channel or category
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

// String is the key as docs/api.md writes it: hour 2026-11-01T01:00, day and
// week 2026-11-01, month 2026-11, the others their text; "" when null.
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
	return cmp.Compare(a.Text, b.Text)
}

// ComponentPoints is one SQI component's points.
type ComponentPoints struct {
	Name   string
	Points Value
}

// Row is one group's metrics (docs/metrics.md). Values are unrounded: Rounded
// gives what a user sees.
type Row struct {
	Keys       []GroupKey
	Values     [NumMetrics]Value
	SQI        Value
	Grade      string // "" when SQI is null
	Components []ComponentPoints
}

// Rounded returns metric i as docs/metrics.md rounds it.
func (r *Row) Rounded(i int) Value {
	v := r.Values[i]
	if v.Null {
		return v
	}
	return Value{V: RoundKind(Catalog[i].Kind, v.V)}
}

// Rows returns one row per group, sorted by the group keys in group_by
// order (null keys last). With no group_by there is exactly one row, even
// when there are no rooms.
func (a *Aggregator) Rows() []Row {
	if len(a.groupBy) == 0 && len(a.groups) == 0 {
		a.group(gkey{})
	}
	accs := make([]*acc, 0, len(a.groups))
	for _, g := range a.groups {
		accs = append(accs, g)
	}
	rows := make([]Row, len(accs))
	for i, g := range accs {
		rows[i] = a.row(g)
	}
	slices.SortFunc(rows, compareRows)
	return rows
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

func (a *Aggregator) row(g *acc) Row {
	var r Row
	for _, k := range a.groupBy {
		kv := GroupKey{Key: k}
		switch k {
		case "hour":
			kv.Date, kv.Hour = dateOf(g.key.day), int(g.key.hour)
		case "day":
			kv.Date = dateOf(g.key.day)
		case "week":
			kv.Date = dateOf(g.key.week)
		case "month":
			kv.Date = time.Date(int(g.key.month/12), time.Month(g.key.month%12+1), 1, 0, 0, 0, 0, time.UTC)
		case "agent":
			kv.Text = g.key.agent
		case "team":
			kv.Text = g.key.team
		case "channel":
			kv.Text = g.key.channel
		case "category":
			kv.Text = g.key.category
		}
		kv.Null = kv.Date.IsZero() && kv.Text == ""
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
	if n := g.waits.n; n > 0 {
		v[MWaitAvg] = val(g.waitSum / float64(n))
		v[MWaitP50] = val(g.waits.percentile(0.5))
		v[MWaitP90] = val(g.waits.percentile(0.9))
		v[MWaitMax] = val(g.waitMax)
	} else {
		v[MWaitAvg], v[MWaitP50], v[MWaitP90], v[MWaitMax] = val(null), val(null), val(null), val(null)
	}
	v[MFirstResponseAvg] = val(g.firstResp.mean())
	v[MAssignedResponseAvg] = val(g.assignedResp.mean())
	count(MDropped, g.dropped)
	v[MDropRatePct] = ratio(g.dropped, g.answeredClosed)
	if n := g.replies.n; n > 0 {
		v[MReplyAvg] = val(g.replySum / float64(n))
		v[MReplyP90] = val(g.replies.percentile(0.9))
	} else {
		v[MReplyAvg], v[MReplyP90] = val(null), val(null)
	}
	count(MReplyTurns, g.replyTurns)
	count(MUnansweredTurns, g.unanswered)
	v[MCustomerReplyAvg] = val(g.custResp.mean())
	v[MHandleAvg] = val(g.handle.mean())
	v[MWrapupAvg] = val(g.wrapup.mean())
	count(MTransfers, g.transfers)
	count(MSurveys, g.surveys)
	if g.surveys > 0 {
		v[MScoreAvg] = val(float64(g.scoreSum) / float64(g.surveys))
	} else {
		v[MScoreAvg] = val(null)
	}
	v[MCsatPct] = ratio(g.satisfied, g.surveys)
	v[MSurveyRatePct] = ratio(g.surveys, g.answeredClosed)
	r.SQI, r.Grade, r.Components = a.cfg.Score(&r.Values)
	return r
}
