package metrics

import (
	"testing"
	"time"
)

// An assignment before the queue, then the queue, then the close, then the
// assignment that answers the room: closed before its assignment, not an
// answered room with a negative handle time.
func TestClosedBeforeAnsweringAssignment(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	evs := []Event{
		{EventID: 1, Type: RoomOpened, OccurredAt: at(0)},
		{EventID: 2, Type: AgentAssigned, AgentID: "a", OccurredAt: at(10)},
		{EventID: 3, Type: Queued, TeamID: "t", OccurredAt: at(11)},
		{EventID: 4, Type: Message, Actor: ActorAgent, AgentID: "a", OccurredAt: at(20)},
		{EventID: 5, Type: RoomClosed, OccurredAt: at(100)},
		{EventID: 6, Type: AgentAssigned, AgentID: "b", OccurredAt: at(200)},
	}
	r, rej, ok := ComputeRoom(evs, nil)
	if !ok || r.InvalidReason != RejectClosedBeforeAssigned {
		t.Fatalf("invalid reason %q (ok %v), want %q", r.InvalidReason, ok, RejectClosedBeforeAssigned)
	}
	if len(rej) != 1 || rej[0].EventID != 0 {
		t.Fatalf("rejects %+v, want one room-level reject", rej)
	}
}

// An event whose time could not be read (±infinity) is rejected, not used.
func TestOutOfRangeTimeRejected(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	evs := []Event{
		{EventID: 1, Type: RoomOpened, OccurredAt: t0},
		{EventID: 2, Type: Message, Actor: ActorCustomer},
	}
	r, rej, ok := ComputeRoom(evs, nil)
	if !ok || r.InvalidReason != "" || !r.OpenedAt.Equal(t0) {
		t.Fatalf("room %+v ok %v: the bad event changed the facts", r, ok)
	}
	if len(rej) != 1 || rej[0].Reason != RejectTimeOutOfRange || rej[0].EventID != 2 {
		t.Fatalf("rejects %+v, want event 2 occurred_at_out_of_range", rej)
	}
}
