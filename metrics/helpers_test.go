package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// t0 is the instant every hand-built room is measured from:
// 2026-11-24T10:00 in Asia/Seoul (the default time zone).
var t0 = time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(math.Round(s * 1e9))) }

// opt sets one column of a hand-built event.
type opt func(*Event)

func id(n int64) opt       { return func(e *Event) { e.EventID = n } }
func agent(a string) opt   { return func(e *Event) { e.AgentID = a } }
func team(t string) opt    { return func(e *Event) { e.TeamID = t } }
func channel(c string) opt { return func(e *Event) { e.Channel = c } }
func cat(c string) opt     { return func(e *Event) { e.Category = c } }
func score(s int16) opt    { return func(e *Event) { e.Score = s } }
func actor(a string) opt   { return func(e *Event) { e.Actor = a } }

// ev is an event of type typ at t0+s seconds.
func ev(s float64, typ string, opts ...opt) Event {
	e := Event{TenantID: "acme", RoomID: "r1", Type: typ, OccurredAt: at(s)}
	for _, o := range opts {
		o(&e)
	}
	return e
}

// Shorthands for the common events.
func opened(s float64, opts ...opt) Event { return ev(s, RoomOpened, opts...) }
func queued(s float64, tm string) Event   { return ev(s, Queued, team(tm)) }
func assigned(s float64, a string) Event  { return ev(s, AgentAssigned, agent(a)) }
func closed(s float64, opts ...opt) Event { return ev(s, RoomClosed, opts...) }
func wrapup(s float64) Event              { return ev(s, WrapupDone) }
func survey(s float64, n int16) Event     { return ev(s, SurveySubmitted, score(n)) }
func cust(s float64, opts ...opt) Event {
	return ev(s, Message, append([]opt{actor(ActorCustomer)}, opts...)...)
}
func amsg(s float64, a string, opts ...opt) Event {
	return ev(s, Message, append([]opt{actor(ActorAgent), agent(a)}, opts...)...)
}
func bot(s float64) Event { return ev(s, Message, actor(ActorBot)) }

// events gives every event without an explicit id the id 1000+i, in the
// order written, so that ties in occurred_at keep the written order unless
// a case sets ids on purpose.
func events(evs ...Event) []Event {
	out := slices.Clone(evs)
	for i := range out {
		if out[i].EventID == 0 {
			out[i].EventID = int64(1000 + i)
		}
	}
	return out
}

// mkRoom computes a room from events shifted by base seconds and fails the
// test when an event is rejected or the room has no facts.
func mkRoom(t *testing.T, roomID string, base float64, evs ...Event) Room {
	t.Helper()
	return mkRoomShift(t, roomID, time.Duration(math.Round(base*1e9)), evs...)
}

// mkRoomShift is mkRoom with an exact shift.
func mkRoomShift(t *testing.T, roomID string, shift time.Duration, evs ...Event) Room {
	t.Helper()
	list := events(evs...)
	for i := range list {
		list[i].RoomID = roomID
		list[i].OccurredAt = list[i].OccurredAt.Add(shift)
	}
	r, rej, ok := ComputeRoom(list, nil)
	if !ok || len(rej) > 0 {
		t.Fatalf("room %s: ok=%v rejects=%v", roomID, ok, rej)
	}
	return r
}

// fmtTurns renders turns as "agent=seconds" ("agent=-" when unanswered).
func fmtTurns(ts []Turn) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		if t.Answered() {
			parts[i] = fmt.Sprintf("%s=%s", t.Agent, strconv.FormatFloat(Secs(t.Micros(Calendar)), 'f', -1, 64))
		} else {
			parts[i] = t.Agent + "=-"
		}
	}
	return strings.Join(parts, " ")
}

// facts maps the facts a room has to their values: times as seconds from
// t0, durations in seconds, turns as fmtTurns. A fact that does not exist
// (zero time, NaN duration, "", false, 0, no turns) is absent, so a case
// that lists its expected facts also says which facts must not exist.
func facts(r Room) map[string]any {
	m := map[string]any{}
	tm := func(k string, v time.Time) {
		if !v.IsZero() {
			m[k] = v.Sub(t0).Seconds()
		}
	}
	dur := func(k string, v float64) {
		if !math.IsNaN(v) {
			m[k] = v
		}
	}
	str := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	flag := func(k string, v bool) {
		if v {
			m[k] = true
		}
	}
	tm("opened_at", r.OpenedAt)
	tm("queued_at", r.QueuedAt)
	tm("assigned_at", r.AssignedAt)
	tm("closed_at", r.ClosedAt)
	str("agent", r.Agent)
	str("team", r.Team)
	str("channel", r.Channel)
	str("category", r.Category)
	flag("bot_only", !r.Queued())
	flag("answered", r.Answered())
	dur("wait", r.Seconds(DWait, Calendar))
	dur("abandoned_after", r.AbandonedAfter())
	dur("first_response", r.Seconds(DFirstResponse, Calendar))
	dur("assigned_response", r.Seconds(DAssignedResponse, Calendar))
	dur("handle", r.Seconds(DHandle, Calendar))
	dur("wrapup", r.Seconds(DWrapup, Calendar))
	flag("dropped", r.Dropped)
	if r.Transfers != 0 {
		m["transfers"] = float64(r.Transfers)
	}
	if r.Score != 0 {
		m["score"] = float64(r.Score)
	}
	str("replies", fmtTurns(r.Replies))
	str("customer_replies", fmtTurns(r.CustomerReplies))
	str("invalid", r.InvalidReason)
	return m
}

// F is the expected facts of a room (see facts); integers may be written
// as Go int literals.
type F map[string]any

func norm(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int16:
		return float64(x)
	}
	return v
}

// diffFacts lists the differences between the expected and actual facts.
func diffFacts(want F, got map[string]any) []string {
	var out []string
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		w, wok := want[k]
		g, gok := got[k]
		w = norm(w)
		switch {
		case !wok:
			out = append(out, fmt.Sprintf("%s = %v, want no such fact", k, g))
		case !gok:
			out = append(out, fmt.Sprintf("%s missing, want %v", k, w))
		default:
			wf, wIsF := w.(float64)
			gf, gIsF := g.(float64)
			if wIsF && gIsF {
				if math.Abs(wf-gf) > 1e-9 {
					out = append(out, fmt.Sprintf("%s = %v, want %v", k, gf, wf))
				}
			} else if w != g {
				out = append(out, fmt.Sprintf("%s = %v, want %v", k, g, w))
			}
		}
	}
	return out
}

// checkRow compares a row with want, a space-separated list of name=value
// pairs that must name every metric of the catalog, "sqi" (rounded to 1
// decimal), "grade" ("" written as grade=) and every component as
// comp.NAME (rounded to 2 decimals). Values are as a user sees them
// (rounded); "null" is a null value.
func checkRow(t *testing.T, label string, row Row, want string) {
	t.Helper()
	w := map[string]string{}
	for _, f := range strings.Fields(want) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("%s: bad expectation %q", label, f)
		}
		if _, dup := w[k]; dup {
			t.Fatalf("%s: expectation %q given twice", label, k)
		}
		w[k] = v
	}
	seen := map[string]bool{}
	cmpVal := func(name string, got Value, rounded float64) {
		t.Helper()
		seen[name] = true
		exp, ok := w[name]
		if !ok {
			t.Errorf("%s: the expectation does not list %s (got %s)", label, name, show(got, rounded))
			return
		}
		if !got.Null && (math.IsNaN(got.V) || math.IsInf(got.V, 0)) {
			t.Errorf("%s: %s = %v: a metric is null, never NaN or Inf", label, name, got.V)
			return
		}
		if exp == "null" {
			if !got.Null {
				t.Errorf("%s: %s = %v, want null", label, name, rounded)
			}
			return
		}
		ev, err := strconv.ParseFloat(exp, 64)
		if err != nil {
			t.Fatalf("%s: %s=%q is not a number", label, name, exp)
		}
		if got.Null {
			t.Errorf("%s: %s = null, want %v", label, name, ev)
			return
		}
		if rounded != ev {
			t.Errorf("%s: %s = %v (unrounded %v), want %v", label, name, rounded, got.V, ev)
		}
	}
	for i, d := range Catalog {
		cmpVal(d.Name, row.Values[i], row.Rounded(i).V)
	}
	cmpVal("sqi", row.SQI, Round(row.SQI.V, 1))
	for _, c := range row.Components {
		cmpVal("comp."+c.Name, c.Points, Round(c.Points.V, 2))
	}
	seen["grade"] = true
	if g, ok := w["grade"]; !ok {
		t.Errorf("%s: the expectation does not list grade (got %q)", label, row.Grade)
	} else if g != row.Grade {
		t.Errorf("%s: grade = %q, want %q", label, row.Grade, g)
	}
	if row.SQI.Null && row.Grade != "" {
		t.Errorf("%s: grade %q with a null SQI", label, row.Grade)
	}
	for k := range w {
		if !seen[k] {
			t.Errorf("%s: expectation %s=%s names nothing in the row", label, k, w[k])
		}
	}
}

func show(v Value, rounded float64) string {
	if v.Null {
		return "null"
	}
	return strconv.FormatFloat(rounded, 'f', -1, 64)
}

// keysOf renders a row's keys as "col=value" (null as col=null).
func keysOf(r Row) string {
	parts := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		if k.Null {
			parts[i] = k.Column() + "=null"
		} else {
			parts[i] = k.Column() + "=" + k.String()
		}
	}
	return strings.Join(parts, " ")
}

// rowsByKey indexes rows by keysOf and fails on duplicate keys.
func rowsByKey(t *testing.T, rows []Row) map[string]Row {
	t.Helper()
	m := make(map[string]Row, len(rows))
	for _, r := range rows {
		k := keysOf(r)
		if _, dup := m[k]; dup {
			t.Fatalf("two rows with keys %q", k)
		}
		m[k] = r
	}
	return m
}

// metric returns the rounded value of the named metric of a row, or NaN
// when it is null.
func metric(t *testing.T, r Row, name string) float64 {
	t.Helper()
	i, ok := MetricIndex(name)
	if !ok {
		t.Fatalf("no metric %q", name)
	}
	v := r.Rounded(i)
	if v.Null {
		return math.NaN()
	}
	return v.V
}

// date parses a local date or fails the test.
func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// configIn is the default configuration in time zone tz, validated.
func configIn(t *testing.T, tz string) *Config {
	t.Helper()
	c := DefaultConfig("acme")
	c.TimeZone = tz
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return &c
}

// aggregate groups rooms over the local dates from..to.
func aggregate(t *testing.T, cfg *Config, from, to string, groupBy string, rooms ...Room) []Row {
	t.Helper()
	keys, err := ParseGroupBy(strings.Split(groupBy, ","))
	if err != nil {
		t.Fatal(err)
	}
	a := NewAggregator(cfg, date(t, from), date(t, to), keys)
	for i := range rooms {
		a.Add(&rooms[i])
	}
	return a.Rows()
}
