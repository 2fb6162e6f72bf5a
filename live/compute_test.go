package live

import (
	"testing"
	"time"

	"sqi/metrics"
	"sqi/store"
)

func TestNowOf(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 11, 30, 5, 3, 10, 0, time.UTC)
	rooms := []store.OpenRoom{
		{State: metrics.StateWaiting, StateAt: asOf.Add(-184200 * time.Millisecond)},
		{State: metrics.StateWaiting, StateAt: asOf.Add(-time.Minute)},
		{State: metrics.StateWaiting, StateAt: asOf.Add(time.Second)}, // a chat server's clock ahead of ours
		{State: metrics.StateInProgress, StateAt: asOf.Add(-time.Hour), Agent: "a1"},
		{State: metrics.StateInProgress, StateAt: asOf.Add(-time.Hour), Agent: "a1"},
		{State: metrics.StateInProgress, StateAt: asOf.Add(-time.Hour), Agent: "a2"},
	}
	n := NowOf(rooms, asOf)
	if n.Waiting != 3 || n.InProgress != 3 || n.AgentsBusy != 2 || n.LongestWaitS.Null || n.LongestWaitS.V != 184.2 {
		t.Errorf("NowOf: %+v", n)
	}
	if n := NowOf(rooms[2:3], asOf); n.LongestWaitS.V != 0 || n.LongestWaitS.Null {
		t.Errorf("a wait that starts after as_of: %+v, want 0", n.LongestWaitS)
	}
	if n := NowOf(rooms[3:], asOf); !n.LongestWaitS.Null || n.Waiting != 0 {
		t.Errorf("nobody waits: %+v, want a null longest wait", n)
	}
	for _, name := range metrics.NowMetrics {
		if _, ok := n.Value(name); !ok {
			t.Errorf("Now has no value %s", name)
		}
	}
}
