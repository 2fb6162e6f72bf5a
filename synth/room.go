package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"sqi/metrics"
)

// Shares of rooms, per room unless said otherwise.
const (
	botOnlyShare   = 0.20 // rooms the bot handles alone: never queued
	catOnOpenShare = 0.55 // the customer picks a category when opening
	shortAbandon   = 0.05 // queued customers who leave within seconds
	backlogShare   = 0.03 // waits behind a backlog: minutes
	dropShare      = 0.02 // answered rooms the customer leaves before a word
	transferShare  = 0.08 // answered rooms transferred once
	toQueueShare   = 0.55 // transfers to a team's queue rather than an agent
	longCustomer   = 0.07 // customer replies that take minutes
	longAgent      = 0.04 // agent replies that take minutes
	wrapupShare    = 0.92 // answered closed rooms with a wrap-up
	badRate        = 0.01 // rooms with one bad event: ≈0.05% of events
)

// dayInfo is one local day of one tenant.
type dayInfo struct {
	num   int           // days since 2000-01-01: part of the event ids
	label string        // YYYYMMDD, part of the room ids
	hours [24]time.Time // the instant each local hour starts
	prof  *profile      // the day's hourly profile
	rooms int           // rooms opened that day
	from  time.Time     // events before it are left out (zero: none)
	to    time.Time     // events at or after it are left out: the end of the range
}

func newDay(t *tenantModel, date time.Time, rooms int) dayInfo {
	d := dayInfo{num: dayNumber(date), label: date.Format("20060102"), prof: profileOf(date), rooms: rooms}
	for h := range d.hours {
		d.hours[h] = time.Date(date.Year(), date.Month(), date.Day(), h, 0, 0, 0, t.loc)
	}
	return d
}

// roomGen generates the events of one room at a time into buf, reusing
// its memory and random source from room to room.
type roomGen struct {
	seed int64
	t    *tenantModel
	pcg  rand.PCG
	r    *rand.Rand
	buf  []metrics.Event

	base   int64 // event_id of the room's first event
	roomID string
	load   float64 // volume of the opening hour over the mean hour
	bad    int     // index in buf of the bad event, -1 if none
	// indexes in buf, -1 if none
	queued, assigned, closed, survey int
}

func newRoomGen(seed int64, t *tenantModel) *roomGen {
	g := &roomGen{seed: seed, t: t, buf: make([]metrics.Event, 0, 64)}
	g.r = rand.New(&g.pcg)
	return g
}

// generate fills buf with the events of room i of day d that fall in the
// day's window, and reports whether the room's bad event (if any) is one
// of them.
func (g *roomGen) generate(d *dayInfo, i int) (bad bool) {
	g.buf = g.buf[:0]
	g.bad, g.queued, g.assigned, g.closed, g.survey = -1, -1, -1, -1, -1
	g.base = eventID(g.seed, g.t.index, d.num, i, 0)
	g.pcg.Seed(splitmix(uint64(g.base)), splitmix(^uint64(g.base)))
	g.roomID = fmt.Sprintf("%s-s%d-%06d", d.label, g.seed, i+1)
	r := g.r

	// A room depends on its seed, tenant, day and index only, not on how
	// many rooms the day has: a run with more rooms a day writes the rooms
	// of a smaller one, identical, and more.
	hour, frac := d.prof.at(r.Float64())
	open := d.hours[hour].Add(time.Duration(frac * float64(time.Hour))).Truncate(time.Millisecond)
	g.load = d.prof.load[hour]
	g.room(open)
	if r.Float64() < badRate {
		g.injectBad(open)
	}
	return g.window(d.from, d.to)
}

// window keeps the events in [from, to) (a zero bound is open), in place.
func (g *roomGen) window(from, to time.Time) (bad bool) {
	kept := g.buf[:0]
	for i, e := range g.buf {
		if (!from.IsZero() && e.OccurredAt.Before(from)) || (!to.IsZero() && !e.OccurredAt.Before(to)) {
			continue
		}
		if i == g.bad {
			bad = true
		}
		kept = append(kept, e)
	}
	g.buf = kept
	return bad
}

// emit appends e with the room's ids; the event_id follows the order of
// emission, not of time, like the platform's.
func (g *roomGen) emit(e metrics.Event) int {
	e.EventID = g.base + int64(len(g.buf))
	e.TenantID = g.t.ID
	e.RoomID = g.roomID
	g.buf = append(g.buf, e)
	return len(g.buf) - 1
}

func (g *roomGen) message(at time.Time, actor string, a *agent) {
	e := metrics.Event{Type: metrics.Message, OccurredAt: at, Actor: actor}
	if a != nil {
		e.AgentID = a.id
	}
	g.emit(e)
}

// room writes a whole room opened at open: a bot greets the customer; a
// fifth of rooms end with the bot; the others queue for a team, wait, and
// are answered or abandoned; answered rooms talk in turns, may be
// transferred, close, are wrapped up and sometimes surveyed.
func (g *roomGen) room(open time.Time) {
	r, t := g.r, g.t
	cat := pick(r, categoryChoices)
	catOnOpen := r.Float64() < catOnOpenShare
	opened := metrics.Event{Type: metrics.RoomOpened, OccurredAt: open, Channel: pick(r, t.channels)}
	if catOnOpen {
		opened.Category = categories[cat].name
	}
	g.emit(opened)

	at := open.Add(sec(between(r, 0.2, 1.5)))
	g.message(at, metrics.ActorBot, nil)
	at = at.Add(sec(lognormal(r, 9, 0.6)))
	g.message(at, metrics.ActorCustomer, nil)
	if r.Float64() < botOnlyShare {
		g.botOnly(at, cat, catOnOpen)
		return
	}

	// handed over to a human: the bot says so, the room enters a queue
	at = at.Add(sec(between(r, 0.5, 2)))
	g.message(at, metrics.ActorBot, nil)
	team := categoryTeam(r, cat)
	queued := at.Add(sec(between(r, 0.1, 1)))
	g.queued = g.emit(metrics.Event{Type: metrics.Queued, OccurredAt: queued, TeamID: teams[team]})

	wait := g.queueWait(1)
	patience := lognormal(r, 150, 0.9)
	if r.Float64() < shortAbandon {
		patience = between(r, 0.5, 4.8)
	}
	if patience < wait {
		if patience > 60 && r.Float64() < 0.4 {
			g.message(queued.Add(sec(between(r, 20, patience))), metrics.ActorCustomer, nil)
		}
		g.closed = g.emit(metrics.Event{Type: metrics.RoomClosed, OccurredAt: queued.Add(sec(patience))})
		return
	}

	assigned := queued.Add(sec(wait))
	ag := g.pickAgent(team, nil)
	g.assigned = g.emit(metrics.Event{Type: metrics.AgentAssigned, OccurredAt: assigned, AgentID: ag.id})
	if r.Float64() < 0.3 {
		g.message(assigned.Add(sec(between(r, 0.05, 0.5))), metrics.ActorSystem, nil)
	}

	if r.Float64() < dropShare {
		// the customer leaves before the agent says a word
		at = assigned.Add(sec(between(r, 2, 60)))
		g.close(at, cat, catOnOpen)
		if r.Float64() < 0.6 {
			g.wrapup(ag)
		}
		return
	}

	at = assigned.Add(sec(lognormal(r, 5*ag.speed, 0.6)))
	g.message(at, metrics.ActorAgent, ag)
	turns := 1 + r.IntN(5) + r.IntN(5)
	transferAfter := -1
	if r.Float64() < transferShare {
		transferAfter = r.IntN(turns)
	}
	var replies float64
	transfers := 0
	for k := range turns {
		// the agent waits on the customer, who sends one to three messages
		d := lognormal(r, 18, 0.8)
		if r.Float64() < longCustomer {
			d = between(r, 90, 600)
		}
		at = at.Add(sec(d))
		for m := range pick(r, messageCounts) {
			if m > 0 {
				at = at.Add(sec(between(r, 2, 20)))
			}
			g.message(at, metrics.ActorCustomer, nil)
		}
		// the customer waits on the agent
		reply := lognormal(r, t.reply*ag.speed*(0.7+0.3*g.load), 0.7)
		if r.Float64() < longAgent {
			reply = between(r, 180, 900)
		}
		replies += reply
		at = at.Add(sec(reply))
		g.message(at, metrics.ActorAgent, ag)
		if r.Float64() < 0.35 {
			at = at.Add(sec(between(r, 4, 40)))
			g.message(at, metrics.ActorAgent, ag)
		}
		if k == transferAfter {
			at, ag = g.transfer(at, ag)
			transfers++
		}
	}

	switch x := r.Float64(); {
	case x < 0.5: // thanks, goodbye, closed
		at = at.Add(sec(lognormal(r, 12, 0.6)))
		g.message(at, metrics.ActorCustomer, nil)
		at = at.Add(sec(lognormal(r, 8, 0.5)))
		g.message(at, metrics.ActorAgent, ag)
		at = at.Add(sec(between(r, 5, 60)))
	case x < 0.7: // thanks, and the agent closes without a word
		at = at.Add(sec(lognormal(r, 12, 0.6)))
		g.message(at, metrics.ActorCustomer, nil)
		at = at.Add(sec(between(r, 10, 90)))
	default: // the customer just leaves
		at = at.Add(sec(lognormal(r, 60, 0.8)))
	}
	g.close(at, cat, catOnOpen)
	if r.Float64() < wrapupShare {
		g.wrapup(ag)
	}
	if r.Float64() < t.survey {
		z := 4.65 + ag.csat - 0.004*min(wait, 600) - 0.003*min(replies/float64(turns), 600) - 0.4*float64(transfers) + 0.8*r.NormFloat64()
		g.surveyAfter(at, int16(max(1, min(5, math.Round(z)))))
	}
}

var messageCounts = []weighted[int]{{1, 55}, {2, 30}, {3, 15}}

var categoryChoices = func() []weighted[int] {
	c := make([]weighted[int], len(categories))
	for i, x := range categories {
		c[i] = weighted[int]{i, x.weight}
	}
	return c
}()

// categoryTeam is the team that a category routes to.
func categoryTeam(r *rand.Rand, cat int) int {
	for i, t := range teams {
		if t == categories[cat].team {
			return i
		}
	}
	return r.IntN(len(teams))
}

// queueWait draws a wait in queue, longer in busy hours, with a long tail
// and the odd backlog.
func (g *roomGen) queueWait(scale float64) float64 {
	r := g.r
	busy := 0.4 + 0.6*g.load
	if r.Float64() < backlogShare {
		return between(r, 180, 900) * busy
	}
	return min(lognormal(r, g.t.wait*busy*scale, 1.0), 2700)
}

// pickAgent picks an agent of team other than not.
func (g *roomGen) pickAgent(team int, not *agent) *agent {
	members := g.t.byTeam[team]
	for {
		a := &g.t.agents[members[g.r.IntN(len(members))]]
		if a != not {
			return a
		}
	}
}

// botOnly ends a room with the bot: a few exchanges, then the customer
// leaves or the room times out.
func (g *roomGen) botOnly(at time.Time, cat int, catOnOpen bool) {
	r := g.r
	exchanges := 1 + r.IntN(4)
	for k := range exchanges {
		at = at.Add(sec(between(r, 0.5, 2.5)))
		g.message(at, metrics.ActorBot, nil)
		if k < exchanges-1 {
			at = at.Add(sec(lognormal(r, 14, 0.7)))
			g.message(at, metrics.ActorCustomer, nil)
		}
	}
	if r.Float64() < 0.6 {
		at = at.Add(sec(lognormal(r, 40, 0.8)))
	} else {
		at = at.Add(sec(between(r, 300, 600)))
		g.message(at, metrics.ActorSystem, nil) // closed for inactivity
		at = at.Add(sec(between(r, 0.05, 0.5)))
	}
	e := metrics.Event{Type: metrics.RoomClosed, OccurredAt: at}
	if !catOnOpen && r.Float64() < 0.3 {
		e.Category = categories[cat].name
	}
	g.closed = g.emit(e)
}

// transfer moves the room after at: to another team's queue, where it
// waits for a new agent, or straight to a colleague.
func (g *roomGen) transfer(at time.Time, from *agent) (time.Time, *agent) {
	r := g.r
	at = at.Add(sec(between(r, 5, 40)))
	if r.Float64() < toQueueShare {
		team := (from.team + 1 + r.IntN(len(teams)-1)) % len(teams)
		g.emit(metrics.Event{Type: metrics.Transferred, OccurredAt: at, TeamID: teams[team]})
		at = at.Add(sec(g.queueWait(0.8)))
		ag := g.pickAgent(team, nil)
		g.emit(metrics.Event{Type: metrics.AgentAssigned, OccurredAt: at, AgentID: ag.id})
		at = at.Add(sec(lognormal(r, 6*ag.speed, 0.6)))
		g.message(at, metrics.ActorAgent, ag)
		return at, ag
	}
	team := from.team
	if r.Float64() < 0.3 {
		team = (from.team + 1 + r.IntN(len(teams)-1)) % len(teams)
	}
	ag := g.pickAgent(team, from)
	g.emit(metrics.Event{Type: metrics.Transferred, OccurredAt: at, TeamID: teams[team], AgentID: ag.id})
	at = at.Add(sec(lognormal(r, 10*ag.speed, 0.6)))
	g.message(at, metrics.ActorAgent, ag)
	return at, ag
}

// close closes the room at at; the agent sets the category when the
// customer did not, and sometimes corrects it.
func (g *roomGen) close(at time.Time, cat int, catOnOpen bool) {
	e := metrics.Event{Type: metrics.RoomClosed, OccurredAt: at}
	switch x := g.r.Float64(); {
	case !catOnOpen && x < 0.85:
		e.Category = categories[cat].name
	case catOnOpen && x < 0.1:
		e.Category = categories[pick(g.r, categoryChoices)].name
	}
	g.closed = g.emit(e)
}

func (g *roomGen) wrapup(a *agent) {
	at := g.buf[g.closed].OccurredAt.Add(sec(lognormal(g.r, 35, 0.7)))
	g.emit(metrics.Event{Type: metrics.WrapupDone, OccurredAt: at, AgentID: a.id})
}

// surveyAfter submits score after the close at closed: mostly within
// minutes, some hours later, some the next morning.
func (g *roomGen) surveyAfter(closed time.Time, score int16) {
	r := g.r
	var at time.Time
	switch x := r.Float64(); {
	case x < 0.65:
		at = closed.Add(sec(between(r, 10, 600)))
	case x < 0.85:
		at = closed.Add(sec(between(r, 1800, 6*3600)))
	default:
		local := closed.In(g.t.loc)
		day := local.Day()
		if local.Hour() >= 6 {
			day++
		}
		at = time.Date(local.Year(), local.Month(), day, 8, 0, 0, 0, g.t.loc).Add(sec(between(r, 0, 3*3600)))
	}
	g.survey = g.emit(metrics.Event{Type: metrics.SurveySubmitted, OccurredAt: at, Score: score})
}

// Kinds of bad event, one per bad room (docs/metrics.md).
const (
	badType = iota
	badScore
	badActor
	badAssign
	badClose
	badKinds
)

var unknownTypes = []string{"typing_started", "room_reopened", "bot_handoff"}

// injectBad spoils the room with one event that the ETL must reject.
func (g *roomGen) injectBad(open time.Time) {
	r := g.r
	last := open
	for _, e := range g.buf {
		if e.OccurredAt.After(last) {
			last = e.OccurredAt
		}
	}
	within := open.Add(time.Duration(r.Float64() * float64(last.Sub(open))).Truncate(time.Millisecond))
	switch kind := r.IntN(badKinds); {
	case kind == badScore && g.survey >= 0:
		g.buf[g.survey].Score = 7
		g.bad = g.survey
	case kind == badScore:
		g.bad = g.emit(metrics.Event{Type: metrics.SurveySubmitted, OccurredAt: last.Add(sec(between(r, 10, 600))), Score: 7})
	case kind == badActor:
		g.bad = g.emit(metrics.Event{Type: metrics.Message, OccurredAt: within, Actor: "supervisor"})
	case kind == badAssign && g.assigned >= 0:
		g.bad = g.emit(metrics.Event{Type: metrics.AgentAssigned, OccurredAt: g.buf[g.assigned].OccurredAt})
	case kind == badAssign:
		g.bad = g.emit(metrics.Event{Type: metrics.AgentAssigned, OccurredAt: within})
	case kind == badClose && g.queued >= 0 && g.closed >= 0:
		// the closing server's clock runs behind: closed between opened
		// and queued, so that the room is wrong in this one way
		q := g.buf[g.queued].OccurredAt
		g.buf[g.closed].OccurredAt = q.Add(-time.Duration(between(r, 0.1, 0.9) * float64(q.Sub(open))).Truncate(time.Millisecond))
		g.bad = g.closed
	default:
		g.bad = g.emit(metrics.Event{Type: unknownTypes[r.IntN(len(unknownTypes))], OccurredAt: within})
	}
}
