package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Reasons an event or a room is rejected (docs/metrics.md, §3). They are the values
// of rejects.reason, counted per tenant by the API.
const (
	RejectUnknownType          = "unknown_type"
	RejectUnknownActor         = "unknown_actor"
	RejectScoreOutOfRange      = "score_out_of_range"
	RejectAssignedWithoutAgent = "assigned_without_agent"
	RejectTimeOutOfRange       = "occurred_at_out_of_range"
	// Room-level contradictions: the room counts in rooms only.
	RejectEventBeforeOpen      = "event_before_open"
	RejectClosedBeforeQueued   = "closed_before_queued"
	RejectClosedBeforeAssigned = "closed_before_assigned"
	RejectAssignedBeforeQueued = "assigned_before_queued"
)

// Reject is one rejected event (EventID > 0) or contradictory room
// (EventID 0) with its reason and a detail for the operator.
type Reject struct {
	EventID int64
	Reason  string
	Detail  string
}

// Turn is one reply turn of a room (docs/metrics.md): opened by a message
// of one side, answered by the next message of the other; AnsweredAt is
// zero when the turn was never answered. Agent is the agent it counts for.
type Turn struct {
	Agent      string
	OpenedAt   time.Time
	AnsweredAt time.Time
}

// Answered reports whether the turn got an answer.
func (t Turn) Answered() bool { return !t.AnsweredAt.IsZero() }

// Micros is the turn's duration on clock c; the turn must be answered.
func (t Turn) Micros(c Clock) int64 { return c.Micros(t.OpenedAt, t.AnsweredAt) }

// Routing states of a room: where its last queued, transferred or
// agent_assigned event put it (the live view's waiting and in progress).
const (
	StateWaiting    = "waiting"     // in a queue: a queued, or a transferred without an agent
	StateInProgress = "in_progress" // with an agent: an agent_assigned, or a transferred with an agent
)

// Room holds the facts of one room (docs/metrics.md, "Room facts"). Times
// are zero when the fact does not exist. Facts are instants, never
// durations: a duration is measured between two of them on a Clock, in
// calendar or in business time, so that facts do not depend on the tenant
// configuration (time zone, SL threshold, short-abandon boundary, business
// hours), which is applied when rooms are grouped or exported.
type Room struct {
	TenantID, RoomID string

	OpenedAt, QueuedAt, AssignedAt, ClosedAt time.Time
	FirstAgentAt                             time.Time // the first agent message
	AssignedReplyAt                          time.Time // the first agent message at or after assigned_at
	WrapupAt                                 time.Time // the first wrapup_done at or after closed_at

	Agent, Team, Channel, Category string

	Dropped   bool
	Transfers int
	Score     int16 // 0: no survey

	State   string    // StateWaiting, StateInProgress, or "" before any routing event
	StateAt time.Time // the event that set State

	Replies         []Turn // reply turns, unanswered ones included
	CustomerReplies []Turn // answered customer reply turns

	// InvalidReason is set when the room's times contradict each other:
	// the room then counts in rooms only.
	InvalidReason string

	Events, RejectedEvents int
}

// Queued reports whether the room entered a queue (it is not bot-only).
func (r *Room) Queued() bool { return !r.QueuedAt.IsZero() }

// Answered reports whether the room was queued and assigned.
func (r *Room) Answered() bool { return !r.QueuedAt.IsZero() && !r.AssignedAt.IsZero() }

// Closed reports whether the room has a room_closed event.
func (r *Room) Closed() bool { return !r.ClosedAt.IsZero() }

// Durations of a room (docs/metrics.md).
const (
	DWait             = iota // assigned_at − queued_at, answered rooms
	DFirstResponse           // the first agent message − opened_at
	DAssignedResponse        // the first agent message at or after assigned_at − assigned_at
	DHandle                  // closed_at − assigned_at, answered closed rooms
	DWrapup                  // the first wrapup_done at or after closed_at − closed_at
	NumDurations
)

// Span returns the instants that bound duration d of the room, ok false
// when the room has no such duration.
func (r *Room) Span(d int) (from, to time.Time, ok bool) {
	switch d {
	case DWait:
		from, to = r.QueuedAt, r.AssignedAt
	case DFirstResponse:
		from, to = r.OpenedAt, r.FirstAgentAt
	case DAssignedResponse:
		from, to = r.AssignedAt, r.AssignedReplyAt
	case DHandle:
		if !r.Closed() {
			return
		}
		from, to = r.AssignedAt, r.ClosedAt
	case DWrapup:
		from, to = r.ClosedAt, r.WrapupAt
	}
	if from.IsZero() || to.IsZero() || (d != DFirstResponse && d != DWrapup && !r.Answered()) {
		return time.Time{}, time.Time{}, false
	}
	return from, to, true
}

// Micros is duration d on clock c, ok false when the room has none.
func (r *Room) Micros(d int, c Clock) (int64, bool) {
	from, to, ok := r.Span(d)
	if !ok {
		return 0, false
	}
	return c.Micros(from, to), true
}

// Seconds is duration d on clock c in seconds, NaN when the room has none.
func (r *Room) Seconds(d int, c Clock) float64 {
	us, ok := r.Micros(d, c)
	if !ok {
		return math.NaN()
	}
	return Secs(us)
}

// Secs converts microseconds to seconds: the double nearest to the exact
// decimal (2,486,000 µs is 2.486, where time.Duration's Seconds gives
// 2.4859999999999998 by adding the fraction to the whole seconds), so
// that an unrounded duration in an export reads as the instants say.
func Secs(us int64) float64 { return float64(us) / 1e6 }

// AbandonedAfter is closed_at − queued_at for a queued room closed without
// an assignment, NaN otherwise. Whether it is a short abandon depends on
// the tenant's short_abandon_s, in calendar time: what the customer lived.
func (r *Room) AbandonedAfter() float64 {
	if r.Queued() && r.AssignedAt.IsZero() && r.Closed() {
		return secs(r.ClosedAt.Sub(r.QueuedAt))
	}
	return math.NaN()
}

// Valid reports whether the room's times are consistent; a contradictory
// room counts in rooms only.
func (r *Room) Valid() bool { return r.InvalidReason == "" }

// Room outcomes: what became of a room under the tenant's configuration.
// Every export and every count of the metrics classifies rooms with
// Outcome.
const (
	OutcomeBotOnly        = "bot_only"        // never queued
	OutcomeAnswered       = "answered"        // queued and assigned
	OutcomeAbandoned      = "abandoned"       // queued, closed unassigned after short_abandon_s or more
	OutcomeShortAbandoned = "short_abandoned" // queued, closed unassigned within short_abandon_s
	OutcomeWaiting        = "waiting"         // queued, neither assigned nor closed yet
	OutcomeInvalid        = "invalid"         // contradictory times
)

// Outcome classifies the room under c: one of the Outcome constants.
func (r *Room) Outcome(c *Config) string {
	switch {
	case !r.Valid():
		return OutcomeInvalid
	case !r.Queued():
		return OutcomeBotOnly
	case r.Answered():
		return OutcomeAnswered
	}
	after := r.AbandonedAfter()
	switch {
	case math.IsNaN(after):
		return OutcomeWaiting
	case after < c.ShortAbandonS:
		return OutcomeShortAbandoned
	}
	return OutcomeAbandoned
}

// AnsweredInSL reports whether the room was answered with a wait of at
// most c's sl_threshold_s, measured on clock k (the wait in business
// seconds with hours=business).
func (r *Room) AnsweredInSL(c *Config, k Clock) bool {
	us, ok := r.Micros(DWait, k)
	return ok && Secs(us) <= c.SLThresholdS
}

// AnsweredClosed reports whether the room was answered and is closed: the
// rooms over which dropped and surveys are rated.
func (r *Room) AnsweredClosed() bool { return r.Answered() && r.Closed() }

// ReplyTurns returns the number of reply turns, how many of them are
// unanswered, and the mean of the answered ones on clock c (NaN when
// none).
func (r *Room) ReplyTurns(c Clock) (turns, unanswered int, avg float64) {
	n, sum := 0, int64(0)
	for _, t := range r.Replies {
		if t.Answered() {
			n++
			sum += t.Micros(c)
		}
	}
	return len(r.Replies), len(r.Replies) - n, meanMicros(sum, n)
}

// CustomerReplyTurns returns the number of customer reply turns and their
// mean on clock c (NaN when none).
func (r *Room) CustomerReplyTurns(c Clock) (turns int, avg float64) {
	var sum int64
	for _, t := range r.CustomerReplies {
		sum += t.Micros(c)
	}
	return len(r.CustomerReplies), meanMicros(sum, len(r.CustomerReplies))
}

// meanMicros is the mean in seconds of n durations that sum to sum µs.
func meanMicros(sum int64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return Secs(sum) / float64(n)
}

// secs is a duration between two instants of the feed (whole
// microseconds) in seconds, as Secs.
func secs(d time.Duration) float64 { return Secs(d.Microseconds()) }

// SortEvents puts events in the order docs/metrics.md takes them: occurred_at, then
// event_id.
// A room's events mostly come in that order already (the ETL reads them
// in the order they were written): checking costs less than sorting.
func SortEvents(evs []Event) {
	sorted := true
	for i := 1; i < len(evs); i++ {
		if compareEvents(&evs[i-1], &evs[i]) > 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	slices.SortFunc(evs, func(a, b Event) int { return compareEvents(&a, &b) })
}

func compareEvents(a, b *Event) int {
	if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
		return c
	}
	return cmp.Compare(a.EventID, b.EventID)
}

// Check returns why an event cannot be used, or "" when it can (docs/metrics.md).
func Check(e *Event) (reason, detail string) {
	switch {
	case e.OccurredAt.IsZero():
		return RejectTimeOutOfRange, "occurred_at is infinity or out of range"
	case !KnownType(e.Type):
		return RejectUnknownType, fmt.Sprintf("type %q is not an event type of the feed", e.Type)
	case e.Type == Message && !KnownActor(e.Actor):
		return RejectUnknownActor, fmt.Sprintf("actor %q is not customer, agent, bot or system", e.Actor)
	case e.Type == SurveySubmitted && (e.Score < 1 || e.Score > 5):
		if e.Score == 0 {
			return RejectScoreOutOfRange, "survey without a score (1..5)"
		}
		return RejectScoreOutOfRange, fmt.Sprintf("score %d is outside 1..5", e.Score)
	case e.Type == AgentAssigned && e.AgentID == "":
		return RejectAssignedWithoutAgent, "agent_assigned without agent_id"
	}
	return "", ""
}

// ComputeRoom computes the facts of one room from all of its events (docs/metrics.md,
// §3), in any order; evs is sorted in place and otherwise left as it is.
// It returns ok false when no event of the room can be used: such a room
// has rejects but no facts.
func ComputeRoom(evs []Event, rejects []Reject) (room Room, rej []Reject, ok bool) {
	SortEvents(evs)
	rej = rejects[:0]
	var r Room
	if len(evs) > 0 {
		r.TenantID, r.RoomID = evs[0].TenantID, evs[0].RoomID
	}
	r.Events = len(evs)

	// First pass: reject what cannot be used, find the room's anchors.
	var (
		earliest      time.Time
		opened        bool
		firstAssigned time.Time
		usable        int
		small         [64]bool
		skip          = small[:0] // rejected: left out below
	)
	if len(evs) <= len(small) {
		skip = small[:len(evs)] // most rooms: no allocation
	} else {
		skip = make([]bool, len(evs))
	}
	for i := range evs {
		e := &evs[i]
		if reason, detail := Check(e); reason != "" {
			rej = append(rej, Reject{EventID: e.EventID, Reason: reason, Detail: detail})
			skip[i] = true
			continue
		}
		usable++
		if earliest.IsZero() {
			earliest = e.OccurredAt
		}
		switch e.Type {
		case RoomOpened:
			if !opened {
				opened = true
				r.OpenedAt = e.OccurredAt
				r.Channel = e.Channel
			}
		case Queued:
			if r.QueuedAt.IsZero() {
				r.QueuedAt = e.OccurredAt
				r.Team = e.TeamID
			}
			r.State, r.StateAt = StateWaiting, e.OccurredAt
		case AgentAssigned:
			if firstAssigned.IsZero() {
				firstAssigned = e.OccurredAt
			}
			r.Agent = e.AgentID
			r.State, r.StateAt = StateInProgress, e.OccurredAt
		case Transferred:
			r.Transfers++
			if e.AgentID != "" {
				r.Agent = e.AgentID
				r.State = StateInProgress
			} else {
				r.State = StateWaiting
			}
			r.StateAt = e.OccurredAt
		case RoomClosed:
			r.ClosedAt = e.OccurredAt
		case SurveySubmitted:
			r.Score = e.Score
		}
		if e.Category != "" {
			r.Category = e.Category
		}
	}
	r.RejectedEvents = len(rej)
	if usable == 0 {
		return Room{}, rej, false
	}
	if !opened {
		r.OpenedAt = earliest
	}
	if r.Queued() {
		for i := range evs {
			if e := &evs[i]; !skip[i] && e.Type == AgentAssigned && !e.OccurredAt.Before(r.QueuedAt) {
				r.AssignedAt = e.OccurredAt
				break
			}
		}
	}

	// Contradictions: the room counts in rooms only.
	switch {
	case earliest.Before(r.OpenedAt):
		r.InvalidReason = RejectEventBeforeOpen
	case r.Closed() && r.Queued() && r.ClosedAt.Before(r.QueuedAt):
		r.InvalidReason = RejectClosedBeforeQueued
	case r.Queued() && !firstAssigned.IsZero() && r.AssignedAt.IsZero():
		// Assigned before it was queued, and never after: the servers'
		// clocks disagree. Counted as an abandon, it would blame the queue.
		r.InvalidReason = RejectAssignedBeforeQueued
	case r.Closed() && !firstAssigned.IsZero() && r.ClosedAt.Before(firstAssigned):
		r.InvalidReason = RejectClosedBeforeAssigned
	case r.Closed() && !r.AssignedAt.IsZero() && r.ClosedAt.Before(r.AssignedAt):
		// The assignment that answers the room (the first at or after
		// queued_at) came after the close: handle would be negative.
		firstAssigned = r.AssignedAt
		r.InvalidReason = RejectClosedBeforeAssigned
	}
	if r.InvalidReason != "" {
		rej = append(rej, Reject{Reason: r.InvalidReason, Detail: contradiction(&r, earliest, firstAssigned)})
		return r, rej, true
	}

	// Second pass: facts that need the anchors.
	var (
		custTurn  = -1      // index in r.Replies of the open reply turn
		agentOpen time.Time // opening of the open customer reply turn
		opener    string    // agent who opened it
	)
	for i := range evs {
		e := &evs[i]
		if skip[i] {
			continue
		}
		switch e.Type {
		case WrapupDone:
			if r.Closed() && r.WrapupAt.IsZero() && !e.OccurredAt.Before(r.ClosedAt) {
				r.WrapupAt = e.OccurredAt
			}
		case Message:
			if e.Actor == ActorAgent && r.FirstAgentAt.IsZero() {
				r.FirstAgentAt = e.OccurredAt
			}
			if r.AssignedAt.IsZero() || e.OccurredAt.Before(r.AssignedAt) {
				continue
			}
			if e.Actor == ActorAgent && r.AssignedReplyAt.IsZero() {
				r.AssignedReplyAt = e.OccurredAt
			}
			if r.Closed() && e.OccurredAt.After(r.ClosedAt) {
				continue // turns end at the close
			}
			switch e.Actor {
			case ActorAgent:
				agent := e.AgentID
				if agent == "" {
					agent = r.Agent
				}
				if custTurn >= 0 {
					r.Replies[custTurn].Agent = agent
					r.Replies[custTurn].AnsweredAt = e.OccurredAt
					custTurn = -1
				}
				if agentOpen.IsZero() {
					agentOpen, opener = e.OccurredAt, agent
				}
			case ActorCustomer:
				if custTurn < 0 {
					r.Replies = append(r.Replies, Turn{Agent: r.Agent, OpenedAt: e.OccurredAt})
					custTurn = len(r.Replies) - 1
				}
				if !agentOpen.IsZero() {
					r.CustomerReplies = append(r.CustomerReplies, Turn{Agent: opener, OpenedAt: agentOpen, AnsweredAt: e.OccurredAt})
					agentOpen = time.Time{}
				}
			}
		}
	}
	// A turn still open is unanswered once the room is closed; while the
	// room is open it may still be answered and is not counted yet.
	if custTurn >= 0 && !r.Closed() {
		r.Replies = r.Replies[:custTurn]
	}
	if r.Answered() {
		r.Dropped = r.Closed() && r.AssignedReplyAt.IsZero()
	} else {
		// Assignment facts exist only for answered rooms.
		r.AssignedReplyAt = time.Time{}
		r.Replies, r.CustomerReplies = nil, nil
	}
	return r, rej, true
}

func contradiction(r *Room, earliest, firstAssigned time.Time) string {
	const f = "2006-01-02T15:04:05.000Z07:00"
	switch r.InvalidReason {
	case RejectEventBeforeOpen:
		return fmt.Sprintf("event at %s before room_opened at %s", earliest.Format(f), r.OpenedAt.Format(f))
	case RejectClosedBeforeQueued:
		return fmt.Sprintf("last room_closed at %s before first queued at %s", r.ClosedAt.Format(f), r.QueuedAt.Format(f))
	case RejectAssignedBeforeQueued:
		return fmt.Sprintf("agent_assigned at %s before first queued at %s, and none after it", firstAssigned.Format(f), r.QueuedAt.Format(f))
	default:
		return fmt.Sprintf("last room_closed at %s before first agent_assigned at %s", r.ClosedAt.Format(f), firstAssigned.Format(f))
	}
}
