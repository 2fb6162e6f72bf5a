package metrics

import "time"

// Event types of the chat feed (docs/metrics.md).
const (
	RoomOpened      = "room_opened"
	Queued          = "queued"
	AgentAssigned   = "agent_assigned"
	Message         = "message"
	Transferred     = "transferred"
	RoomClosed      = "room_closed"
	WrapupDone      = "wrapup_done"
	SurveySubmitted = "survey_submitted"
)

// Message actors (docs/metrics.md).
const (
	ActorCustomer = "customer"
	ActorAgent    = "agent"
	ActorBot      = "bot"
	ActorSystem   = "system"
)

// Event is one row of chat_events. Text columns hold "" for SQL NULL: the
// feed gives an empty string no meaning of its own. Score is 0 when NULL.
type Event struct {
	EventID    int64
	TenantID   string
	RoomID     string
	Type       string
	OccurredAt time.Time
	Actor      string
	AgentID    string
	TeamID     string
	Channel    string
	Category   string
	Score      int16
	CreatedAt  time.Time
}

// KnownType reports whether t is an event type of docs/metrics.md.
func KnownType(t string) bool {
	switch t {
	case RoomOpened, Queued, AgentAssigned, Message, Transferred, RoomClosed, WrapupDone, SurveySubmitted:
		return true
	}
	return false
}

// KnownActor reports whether a is a message actor of docs/metrics.md.
func KnownActor(a string) bool {
	switch a {
	case ActorCustomer, ActorAgent, ActorBot, ActorSystem:
		return true
	}
	return false
}
