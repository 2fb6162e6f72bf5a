package metrics

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestComputeRoomFacts checks every fact of docs/metrics.md on hand-built rooms.
// Times in F are seconds from t0; a fact not listed must not exist.
func TestComputeRoomFacts(t *testing.T) {
	cases := []struct {
		name    string
		evs     []Event
		want    F
		rejects []string // "event_id:reason", in event order
	}{
		{
			name: "answered room with every fact",
			evs: events(
				opened(0, channel("web")),
				queued(10, "T1"),
				assigned(25, "a1"),
				amsg(30, "a1"), // greeting: first_response 30, assigned_response 5
				cust(40),       // opens a turn
				cust(45),       // same turn
				amsg(60, "a1"), // answers it: 60-40 = 20
				cust(72),       // opens a turn; answers the agent's 60 (12)
				amsg(75, "a1"), // answers it: 3
				closed(100, cat("billing")),
				wrapup(130),
				survey(200, 4),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 25, "closed_at": 100,
				"agent": "a1", "team": "T1", "channel": "web", "category": "billing",
				"answered": true, "wait": 15, "first_response": 30, "assigned_response": 5,
				"handle": 75, "wrapup": 30, "score": 4,
				"replies": "a1=20 a1=3", "customer_replies": "a1=10 a1=12",
			},
		},
		{
			name: "no room_opened: opened_at is the earliest event",
			evs:  events(queued(10, "T1"), assigned(12, "a1"), amsg(14, "a1"), closed(20)),
			want: F{
				"opened_at": 10, "queued_at": 10, "assigned_at": 12, "closed_at": 20,
				"agent": "a1", "team": "T1", "answered": true, "wait": 2,
				"first_response": 4, "assigned_response": 2, "handle": 8,
			},
		},
		{
			name: "first queued sets queued_at and team; first assignment at or after it; last assignment owns",
			evs: events(
				opened(0),
				assigned(5, "a0"), // before the queue: not assigned_at
				queued(10, "T1"),
				queued(20, "T2"),
				assigned(30, "a1"),
				assigned(40, "a2"),
				closed(100),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 30, "closed_at": 100,
				"agent": "a2", "team": "T1", "answered": true, "wait": 20, "handle": 70,
				"dropped": true,
			},
		},
		{
			name: "wait 0: assigned at the instant of queueing, even with a smaller event_id",
			evs: events(
				opened(0),
				ev(10, AgentAssigned, agent("a1"), id(1)),
				ev(10, Queued, team("T1"), id(2)),
				amsg(11, "a1"),
				closed(20),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 10, "closed_at": 20,
				"agent": "a1", "team": "T1", "answered": true, "wait": 0,
				"first_response": 11, "assigned_response": 1, "handle": 10,
			},
		},
		{
			name: "closed_at is the last room_closed; category the last non-null one; bot-only",
			evs: events(
				opened(0, channel("app"), cat("A")),
				bot(1), cust(2), bot(3),
				closed(50, cat("B")),
				closed(80), // no category: B stays
				survey(100, 5),
			),
			want: F{
				"opened_at": 0, "closed_at": 80, "channel": "app", "category": "B",
				"bot_only": true, "score": 5,
			},
		},
		{
			name: "an early room_closed is no contradiction when the last one is after queueing",
			evs:  events(opened(0), closed(5), queued(10, "T1"), closed(20)),
			want: F{
				"opened_at": 0, "queued_at": 10, "closed_at": 20, "team": "T1",
				"abandoned_after": 10,
			},
		},
		{
			name: "transfer to an agent changes the owner; team stays the first queue's",
			evs: events(
				opened(0),
				queued(10, "T1"),
				assigned(20, "a1"),
				amsg(25, "a1"),
				ev(40, Transferred, agent("a2"), team("T2")),
				amsg(50, "a2"),
				closed(60),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 60,
				"agent": "a2", "team": "T1", "answered": true, "wait": 10,
				"first_response": 25, "assigned_response": 5, "handle": 40, "transfers": 1,
			},
		},
		{
			name: "transfer to a queue keeps the owner",
			evs: events(
				opened(0),
				queued(10, "T1"),
				assigned(20, "a1"),
				amsg(22, "a1"),
				ev(30, Transferred, team("T2")),
				closed(50),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 50,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 22, "assigned_response": 2, "handle": 30, "transfers": 1,
			},
		},
		{
			name: "queue transfer, re-assignment, agent transfer, queue transfer: owner is the last agent",
			evs: events(
				opened(0),
				queued(10, "T1"),
				assigned(20, "a1"),
				amsg(22, "a1"),
				ev(30, Transferred, team("T2")),
				assigned(45, "a3"),
				ev(50, Transferred, agent("a4")),
				ev(55, Transferred, team("T3")),
				closed(70),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 70,
				"agent": "a4", "team": "T1", "answered": true, "wait": 10,
				"first_response": 22, "assigned_response": 2, "handle": 50, "transfers": 3,
			},
		},
		{
			name: "abandoned: queued, never assigned, closed",
			evs:  events(opened(0, channel("web")), queued(10, "T1"), closed(16)),
			want: F{
				"opened_at": 0, "queued_at": 10, "closed_at": 16, "team": "T1",
				"channel": "web", "abandoned_after": 6,
			},
		},
		{
			name: "an assignment before the queue and one after it: answered by the one after",
			evs:  events(opened(0), assigned(5, "a0"), queued(10, "T1"), assigned(30, "a1"), amsg(31, "a1"), closed(60)),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 30, "closed_at": 60, "agent": "a1", "team": "T1",
				"answered": true, "wait": 20, "first_response": 31, "assigned_response": 1, "handle": 30,
			},
		},
		{
			name: "waiting: queued, not assigned, not closed",
			evs:  events(opened(0), queued(10, "T1")),
			want: F{"opened_at": 0, "queued_at": 10, "team": "T1"},
		},
		{
			name: "dropped: answered and closed with no agent message; the open turn is unanswered",
			evs:  events(opened(0), queued(10, "T1"), assigned(20, "a1"), cust(30), closed(90)),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 90,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10, "handle": 70,
				"dropped": true, "replies": "a1=-",
			},
		},
		{
			name: "an agent message before assignment gives first_response but the room is dropped",
			evs:  events(opened(0), queued(5, "T1"), amsg(8, "a1"), assigned(20, "a1"), closed(40)),
			want: F{
				"opened_at": 0, "queued_at": 5, "assigned_at": 20, "closed_at": 40,
				"agent": "a1", "team": "T1", "answered": true, "wait": 15,
				"first_response": 8, "handle": 20, "dropped": true,
			},
		},
		{
			name: "an agent message at the instant of assignment (smaller event_id) is at or after it",
			evs: events(
				opened(0), queued(10, "T1"),
				amsg(20, "a1", id(1)),
				assigned(20, "a1"),
				closed(30),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 30,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 20, "assigned_response": 0, "handle": 10,
			},
		},
		{
			name: "multi-message turns: one turn from the first customer message",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30), cust(35), // one turn opened at 30
				amsg(50, "a1"), // answers it: 20; opens a customer reply turn
				amsg(55, "a1"), // no turn open; the customer reply turn stays from 50
				cust(60),       // answers the customer reply turn (10); opens a turn
				amsg(61, "a1"), // answers: 1
				closed(100),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 100,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 50, "assigned_response": 30, "handle": 80,
				"replies": "a1=20 a1=1", "customer_replies": "a1=10",
			},
		},
		{
			name: "a turn counts for the agent who answered it; an unanswered one for the owner",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30),
				amsg(40, "a1"), // a1: 10
				ev(50, Transferred, agent("a2")),
				cust(60),
				amsg(65, "a1"), // still a1 answering: 5, for a1
				cust(70),       // never answered: for the owner a2
				closed(90),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 90,
				"agent": "a2", "team": "T1", "answered": true, "wait": 10,
				"first_response": 40, "assigned_response": 20, "handle": 70, "transfers": 1,
				"replies": "a1=10 a1=5 a2=-", "customer_replies": "a1=20 a1=5",
			},
		},
		{
			name: "an agent message without agent_id counts for the owner",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30),
				ev(42, Message, actor(ActorAgent)),
				closed(50),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 50,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 42, "assigned_response": 22, "handle": 30,
				"replies": "a1=12",
			},
		},
		{
			name: "bot and system messages neither open nor answer turns",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30), bot(35), ev(36, Message, actor(ActorSystem)),
				amsg(50, "a1"),
				closed(60),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 60,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 50, "assigned_response": 30, "handle": 40,
				"replies": "a1=20",
			},
		},
		{
			name: "messages before the assignment are not turns",
			evs: events(
				opened(0), queued(10, "T1"),
				cust(12), amsg(15, "a0"),
				assigned(20, "a1"),
				cust(30), amsg(33, "a1"),
				closed(40),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 40,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 15, "assigned_response": 13, "handle": 20,
				"replies": "a1=3",
			},
		},
		{
			name: "open room: a pending turn is not counted yet (documented decision)",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30), amsg(40, "a1"), cust(50),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 40, "assigned_response": 20,
				"replies": "a1=10", "customer_replies": "a1=10",
			},
		},
		{
			name: "open room without an agent message is not dropped",
			evs:  events(opened(0), queued(10, "T1"), assigned(20, "a1"), cust(30)),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
			},
		},
		{
			name: "turns end at the close: an agent message after it answers nothing",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"),
				cust(30), closed(60), amsg(70, "a1"),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 60,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				// The definition: dropped is "no agent message at or after assigned_at";
				// the message at 70 is one, after the close.
				"first_response": 70, "assigned_response": 50, "handle": 40,
				"replies": "a1=-",
			},
		},
		{
			name: "wrapup: the first wrapup_done at or after the close",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"), amsg(21, "a1"),
				wrapup(50), // before the close: not a wrap-up
				closed(60),
				wrapup(90), wrapup(75),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 60,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 21, "assigned_response": 1, "handle": 40, "wrapup": 15,
			},
		},
		{
			name: "wrapup at the instant of the close is 0",
			evs: events(
				opened(0), queued(10, "T1"), assigned(20, "a1"), amsg(21, "a1"),
				wrapup(60), closed(60),
			),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 60,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 21, "assigned_response": 1, "handle": 40, "wrapup": 0,
			},
		},
		{
			name: "wrapup of a room that is not closed is not a wrap-up",
			evs:  events(opened(0), queued(10, "T1"), assigned(20, "a1"), amsg(21, "a1"), wrapup(30)),
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 21, "assigned_response": 1,
			},
		},
		{
			name: "score: the latest survey counts, hours after the close",
			evs:  events(survey(20*3600, 5), opened(0), closed(10), survey(100, 2)),
			want: F{"opened_at": 0, "closed_at": 10, "bot_only": true, "score": 5},
		},
		{
			name: "ties in occurred_at are broken by event_id",
			evs: []Event{ // written backwards on purpose
				survey(60, 5).with(id(19)),
				survey(60, 3).with(id(20)), // latest by event_id
				closed(50).with(id(13)),
				amsg(40, "a1").with(id(12)), // after the customer's message 11
				cust(40).with(id(11)),       // inside the open turn
				cust(30).with(id(8)),
				assigned(20, "a2").with(id(9)),
				assigned(20, "a1").with(id(10)), // last assignment: owner a1
				queued(10, "T1").with(id(2)),
				opened(0).with(id(1)),
			},
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 50,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 40, "assigned_response": 20, "handle": 30, "score": 3,
				"replies": "a1=10",
			},
		},
		{
			name: "ties the other way: the agent speaks first, the customer opens a new turn",
			evs: []Event{
				opened(0).with(id(1)),
				queued(10, "T1").with(id(2)),
				assigned(20, "a1").with(id(3)),
				cust(30).with(id(8)),
				cust(40).with(id(12)),
				amsg(40, "a1").with(id(11)),
				closed(50).with(id(13)),
			},
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 50,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 40, "assigned_response": 20, "handle": 30,
				"replies": "a1=10 a1=-", "customer_replies": "a1=0",
			},
		},
		{
			name: "unusable events are left out of the facts and rejected",
			evs: []Event{
				ev(-5, "room_reopened", id(1)), // before room_opened, but rejected: no contradiction
				opened(0).with(id(2)),
				queued(10, "T1").with(id(3)),
				ev(12, AgentAssigned, id(4)), // no agent
				assigned(20, "a1").with(id(5)),
				ev(21, Message, agent("a1"), id(6)),                      // empty actor
				ev(22, Message, actor("supervisor"), agent("a1"), id(7)), // unknown actor
				amsg(30, "a1").with(id(8)),
				closed(50).with(id(9)),
				survey(90, 4).with(id(10)),
				survey(100, 7).with(id(11)),
				survey(110, 0).with(id(12)),
				survey(120, -1).with(id(13)),
			},
			want: F{
				"opened_at": 0, "queued_at": 10, "assigned_at": 20, "closed_at": 50,
				"agent": "a1", "team": "T1", "answered": true, "wait": 10,
				"first_response": 30, "assigned_response": 10, "handle": 30, "score": 4,
			},
			rejects: []string{
				"1:unknown_type", "4:assigned_without_agent", "6:unknown_actor",
				"7:unknown_actor", "11:score_out_of_range", "12:score_out_of_range",
				"13:score_out_of_range",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The facts do not depend on the order the events come in.
			for _, order := range []string{"as written", "reversed"} {
				evs := slices.Clone(tc.evs)
				if order == "reversed" {
					slices.Reverse(evs)
				}
				r, rej, ok := ComputeRoom(evs, nil)
				if !ok {
					t.Fatalf("%s: ok = false", order)
				}
				for _, d := range diffFacts(tc.want, facts(r)) {
					t.Errorf("%s: %s", order, d)
				}
				var got []string
				for _, x := range rej {
					got = append(got, fmt.Sprintf("%d:%s", x.EventID, x.Reason))
					if x.Detail == "" {
						t.Errorf("%s: reject %d %s without a detail", order, x.EventID, x.Reason)
					}
				}
				if !slices.Equal(got, tc.rejects) {
					t.Errorf("%s: rejects = %v, want %v", order, got, tc.rejects)
				}
				if r.Events != len(tc.evs) || r.RejectedEvents != len(tc.rejects) {
					t.Errorf("%s: Events, RejectedEvents = %d, %d, want %d, %d",
						order, r.Events, r.RejectedEvents, len(tc.evs), len(tc.rejects))
				}
				if r.TenantID != "acme" || r.RoomID != "r1" {
					t.Errorf("%s: room %s/%s, want acme/r1", order, r.TenantID, r.RoomID)
				}
			}
		})
	}
}

func (e Event) with(opts ...opt) Event {
	for _, o := range opts {
		o(&e)
	}
	return e
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		e      Event
		reason string
	}{
		{"room_opened", opened(0, channel("web")), ""},
		{"queued", queued(0, "T1"), ""},
		{"agent_assigned with agent", assigned(0, "a1"), ""},
		{"transferred to a queue", ev(0, Transferred, team("T2")), ""},
		{"room_closed", closed(0), ""},
		{"wrapup_done", wrapup(0), ""},
		{"customer message", cust(0), ""},
		{"agent message", amsg(0, "a1"), ""},
		{"agent message without agent_id", ev(0, Message, actor(ActorAgent)), ""},
		{"bot message", bot(0), ""},
		{"system message", ev(0, Message, actor(ActorSystem)), ""},
		{"survey 1", survey(0, 1), ""},
		{"survey 5", survey(0, 5), ""},
		{"an actor on a non-message event is not checked", ev(0, RoomClosed, actor("whoever")), ""},
		{"unknown type", ev(0, "room_reopened"), RejectUnknownType},
		{"empty type", ev(0, ""), RejectUnknownType},
		{"type is case-sensitive", ev(0, "Room_Opened"), RejectUnknownType},
		{"message with empty actor", ev(0, Message), RejectUnknownActor},
		{"message with unknown actor", ev(0, Message, actor("supervisor")), RejectUnknownActor},
		{"actor is case-sensitive", ev(0, Message, actor("Agent"), agent("a1")), RejectUnknownActor},
		{"survey with score 0 (NULL)", survey(0, 0), RejectScoreOutOfRange},
		{"survey with score 6", survey(0, 6), RejectScoreOutOfRange},
		{"survey with score 7", survey(0, 7), RejectScoreOutOfRange},
		{"survey with score -1", survey(0, -1), RejectScoreOutOfRange},
		{"agent_assigned without agent", ev(0, AgentAssigned), RejectAssignedWithoutAgent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reason, detail := Check(&tc.e)
			if reason != tc.reason {
				t.Fatalf("reason = %q, want %q", reason, tc.reason)
			}
			if (reason == "") != (detail == "") {
				t.Errorf("reason %q with detail %q", reason, detail)
			}
		})
	}
}

func TestComputeRoomNothingUsable(t *testing.T) {
	evs := events(ev(0, "room_reopened"), survey(10, 9))
	r, rej, ok := ComputeRoom(evs, nil)
	if ok {
		t.Fatalf("ok = true, room %+v", r)
	}
	if len(rej) != 2 || rej[0].Reason != RejectUnknownType || rej[1].Reason != RejectScoreOutOfRange {
		t.Errorf("rejects = %+v", rej)
	}
}

func TestSortEvents(t *testing.T) {
	evs := []Event{
		ev(10, Message, id(5)),
		ev(5, Message, id(9)),
		ev(10, Message, id(3)),
		ev(10, Message, id(4)),
		ev(-1, Message, id(100)),
	}
	SortEvents(evs)
	var got []int64
	for _, e := range evs {
		got = append(got, e.EventID)
	}
	if want := []int64{100, 9, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}

// contradictions are rooms whose times contradict each other (docs/metrics.md).
var contradictions = []struct {
	name   string
	reason string
	evs    []Event
}{
	{"an event before room_opened", RejectEventBeforeOpen, events(
		queued(-5, "T1"), opened(0, channel("web")), assigned(10, "a1"), amsg(12, "a1"),
		cust(14), amsg(16, "a1"), closed(20), wrapup(30), survey(40, 5),
	)},
	{"a customer message before room_opened", RejectEventBeforeOpen, events(
		cust(-1), opened(0), bot(1), closed(20), survey(40, 5),
	)},
	{"last room_closed before first queued", RejectClosedBeforeQueued, events(
		opened(0), closed(5), queued(10, "T1"), assigned(20, "a1"), amsg(21, "a1"),
		ev(25, Transferred, agent("a2")), survey(40, 4),
	)},
	{"abandon-like: closed before queued, never assigned", RejectClosedBeforeQueued, events(
		opened(0), closed(5), queued(10, "T1"),
	)},
	{"last room_closed before first assignment", RejectClosedBeforeAssigned, events(
		opened(0), queued(10, "T1"), closed(15), assigned(20, "a1"), amsg(25, "a1"),
		cust(26), amsg(27, "a1"), ev(28, Transferred, team("T2")), wrapup(30), survey(40, 2),
	)},
	{"room_closed before an assignment that precedes any queue", RejectClosedBeforeAssigned, events(
		opened(0), closed(5), assigned(10, "a1"), survey(20, 3),
	)},
	// The servers' clocks disagree: counted as an abandon, the room would
	// blame the queue, under an agent who answered it.
	{"an assignment only before the queue", RejectAssignedBeforeQueued, events(
		opened(0), assigned(5, "a0"), queued(10, "T1"), amsg(12, "a0"), closed(20),
	)},
	{"an assignment only before the queue, still open", RejectAssignedBeforeQueued, events(
		opened(0), assigned(5, "a0"), queued(10, "T1"),
	)},
}

func TestContradictoryRooms(t *testing.T) {
	cfg := DefaultConfig("acme")
	for _, tc := range contradictions {
		t.Run(tc.name, func(t *testing.T) {
			r, rej, ok := ComputeRoom(slices.Clone(tc.evs), nil)
			if !ok {
				t.Fatal("ok = false: a contradictory room still counts in rooms")
			}
			if r.InvalidReason != tc.reason {
				t.Fatalf("InvalidReason = %q, want %q", r.InvalidReason, tc.reason)
			}
			if len(rej) != 1 || rej[0].EventID != 0 || rej[0].Reason != tc.reason || rej[0].Detail == "" {
				t.Errorf("rejects = %+v, want one room reject %s with a detail", rej, tc.reason)
			}
			// Counts in rooms only: every other count is 0, every other
			// metric null, and so is the SQI.
			rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "", r)
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1", len(rows))
			}
			checkRow(t, tc.name, rows[0], emptyRow("rooms=1"))
			// Grouped by agent, its turns go nowhere either.
			for _, row := range aggregate(t, &cfg, "2026-11-24", "2026-11-24", "agent,team,channel", r) {
				if metric(t, row, "rooms") != 1 || metric(t, row, "reply_turns") != 0 {
					t.Errorf("%s: rooms %v reply_turns %v", keysOf(row), metric(t, row, "rooms"), metric(t, row, "reply_turns"))
				}
			}
		})
	}
}

// emptyRow is the expectation of a row without valid rooms under the
// default configuration: counts 0, everything else null; extra overrides
// some of it ("rooms=1").
func emptyRow(extra string) string {
	w := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := w[k]; !ok {
			order = append(order, k)
		}
		w[k] = v
	}
	for _, d := range Catalog {
		if d.Kind == Count {
			set(d.Name, "0")
		} else {
			set(d.Name, "null")
		}
	}
	set("sqi", "null")
	set("grade", "")
	for _, c := range []string{"abandonment", "response", "satisfaction", "service_level", "wait"} {
		set("comp."+c, "null")
	}
	for _, f := range strings.Fields(extra) {
		k, v, _ := strings.Cut(f, "=")
		set(k, v)
	}
	var b strings.Builder
	for _, k := range order {
		fmt.Fprintf(&b, "%s=%s ", k, w[k])
	}
	return b.String()
}

// TestComputeRoomTwice: ComputeRoom only reorders the events it is given;
// computing the same slice again gives the same facts and rejects (a
// rejected survey stays score_out_of_range, not unknown_type).
func TestComputeRoomTwice(t *testing.T) {
	evs := events(
		opened(0), queued(10, "T1"), ev(12, AgentAssigned), assigned(20, "a1"),
		ev(21, Message), amsg(30, "a1"), closed(50), survey(90, 4), survey(100, 7),
		ev(110, "room_reopened"),
	)
	orig := slices.Clone(evs)
	r1, rej1, _ := ComputeRoom(evs, nil)
	rej1 = slices.Clone(rej1)
	SortEvents(orig)
	if !slices.Equal(evs, orig) {
		t.Errorf("ComputeRoom changed the events:\n%+v\nwant\n%+v", evs, orig)
	}
	r2, rej2, _ := ComputeRoom(evs, nil)
	if d := diffFacts(F(facts(r1)), facts(r2)); len(d) > 0 {
		t.Errorf("second computation differs: %v", d)
	}
	if !slices.Equal(rej1, rej2) {
		t.Errorf("rejects %+v, then %+v", rej1, rej2)
	}
}
