package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Reasons an event or a room is rejected (docs/metrics.md). They are the values
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
)

// Reject is one rejected event (EventID > 0) or contradictory room
// (EventID 0) with its reason and a detail for the operator.
type Reject struct {
	EventID int64
	Reason  string
	Detail  string
}

// Turn is one reply turn of a room (docs/metrics.md): Seconds is the time to the
// answer, NaN when the turn was never answered; Agent is the agent it counts
// for.
type Turn struct {
	Agent   string
	Seconds float64
}

// Answered reports whether the turn got an answer.
func (t Turn) Answered() bool { return !math.IsNaN(t.Seconds) }

// Room holds the facts of one room (docs/metrics.md). Times are zero and durations
// NaN when the fact does not exist. Facts do not depend on the tenant
// configuration: the SL threshold, the short-abandon boundary and the time
// zone are applied when rooms are grouped (Aggregator).
type Room struct {
	TenantID, RoomID string

	OpenedAt, QueuedAt, AssignedAt, ClosedAt time.Time

	Agent, Team, Channel, Category string

	Wait, FirstResponse, AssignedResponse, Handle, Wrapup float64

	Dropped   bool
	Transfers int
	Score     int16 // 0: no survey

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

// AbandonedAfter is closed_at − queued_at for a queued room closed without
// an assignment, NaN otherwise. Whether it is a short abandon depends on
// the tenant's short_abandon_s.
func (r *Room) AbandonedAfter() float64 {
	if r.Queued() && r.AssignedAt.IsZero() && r.Closed() {
		return secs(r.ClosedAt.Sub(r.QueuedAt))
	}
	return math.NaN()
}

// Valid reports whether the room's times are consistent; a contradictory
// room counts in rooms only (docs/metrics.md).
func (r *Room) Valid() bool { return r.InvalidReason == "" }

// Room outcomes: what became of a room under the tenant's configuration.
// Every export and every count of docs/metrics.md classifies rooms with Outcome.
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
// most c's sl_threshold_s.
func (r *Room) AnsweredInSL(c *Config) bool { return r.Answered() && r.Wait <= c.SLThresholdS }

// AnsweredClosed reports whether the room was answered and is closed: the
// rooms over which dropped and surveys are rated.
func (r *Room) AnsweredClosed() bool { return r.Answered() && r.Closed() }

// ReplyTurns returns the number of reply turns, how many of them are
// unanswered, and the mean of the answered ones (NaN when none).
func (r *Room) ReplyTurns() (turns, unanswered int, avg float64) {
	n, sum := 0, 0.0
	for _, t := range r.Replies {
		if t.Answered() {
			n++
			sum += t.Seconds
		}
	}
	return len(r.Replies), len(r.Replies) - n, mean(sum, n)
}

// CustomerReplyTurns returns the number of customer reply turns and their
// mean (NaN when none).
func (r *Room) CustomerReplyTurns() (turns int, avg float64) {
	sum := 0.0
	for _, t := range r.CustomerReplies {
		sum += t.Seconds
	}
	return len(r.CustomerReplies), mean(sum, len(r.CustomerReplies))
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// null is the value of a duration that does not exist.
var null = math.NaN()

func secs(d time.Duration) float64 { return d.Seconds() }

// SortEvents puts events in the order docs/metrics.md takes them: occurred_at, then
// event_id.
func SortEvents(evs []Event) {
	slices.SortFunc(evs, func(a, b Event) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return cmp.Compare(a.EventID, b.EventID)
	})
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

// ComputeRoom computes the facts of one room from all of its events
// (docs/metrics.md), in any order; evs is sorted in place and otherwise left as it is.
// It returns ok false when no event of the room can be used: such a room
// has rejects but no facts.
func ComputeRoom(evs []Event, rejects []Reject) (room Room, rej []Reject, ok bool) {
	SortEvents(evs)
	rej = rejects[:0]
	r := Room{Wait: null, FirstResponse: null, AssignedResponse: null, Handle: null, Wrapup: null}
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
		skip          = make([]bool, len(evs)) // rejected: left out below
	)
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
		case AgentAssigned:
			if firstAssigned.IsZero() {
				firstAssigned = e.OccurredAt
			}
			r.Agent = e.AgentID
		case Transferred:
			r.Transfers++
			if e.AgentID != "" {
				r.Agent = e.AgentID
			}
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
		custTurn  = -1 // index in r.Replies of the open reply turn
		custOpen  time.Time
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
			if r.Closed() && math.IsNaN(r.Wrapup) && !e.OccurredAt.Before(r.ClosedAt) {
				r.Wrapup = secs(e.OccurredAt.Sub(r.ClosedAt))
			}
		case Message:
			if e.Actor == ActorAgent && math.IsNaN(r.FirstResponse) {
				r.FirstResponse = secs(e.OccurredAt.Sub(r.OpenedAt))
			}
			if r.AssignedAt.IsZero() || e.OccurredAt.Before(r.AssignedAt) {
				continue
			}
			if e.Actor == ActorAgent && math.IsNaN(r.AssignedResponse) {
				r.AssignedResponse = secs(e.OccurredAt.Sub(r.AssignedAt))
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
					r.Replies[custTurn] = Turn{Agent: agent, Seconds: secs(e.OccurredAt.Sub(custOpen))}
					custTurn = -1
				}
				if agentOpen.IsZero() {
					agentOpen, opener = e.OccurredAt, agent
				}
			case ActorCustomer:
				if custTurn < 0 {
					r.Replies = append(r.Replies, Turn{Agent: r.Agent, Seconds: null})
					custTurn, custOpen = len(r.Replies)-1, e.OccurredAt
				}
				if !agentOpen.IsZero() {
					r.CustomerReplies = append(r.CustomerReplies, Turn{Agent: opener, Seconds: secs(e.OccurredAt.Sub(agentOpen))})
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
		r.Wait = secs(r.AssignedAt.Sub(r.QueuedAt))
		if r.Closed() {
			r.Handle = secs(r.ClosedAt.Sub(r.AssignedAt))
			r.Dropped = math.IsNaN(r.AssignedResponse)
		}
	} else {
		// Assignment facts exist only for answered rooms.
		r.AssignedResponse = null
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
	default:
		return fmt.Sprintf("last room_closed at %s before first agent_assigned at %s", r.ClosedAt.Format(f), firstAssigned.Format(f))
	}
}
