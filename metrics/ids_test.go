package metrics

import (
	"strings"
	"testing"
)

func TestIDs(t *testing.T) {
	tests := []struct {
		name, tenant, room string
		want               string
	}{
		{"plain", "acme", "r-1", ""},
		{"korean room, spaces and punctuation", "acme.kr_2", "상담 #42 (재문의)", ""},
		{"room of 128 characters", "acme", strings.Repeat("방", 128), ""},
		{"room of 129 characters", "acme", strings.Repeat("방", 129), RejectBadRoomID},
		{"tenant of 64", strings.Repeat("a", 64), "r", ""},
		{"tenant of 65", strings.Repeat("a", 65), "r", RejectBadTenantID},
		{"tenant with a space", "bad tenant", "r", RejectBadTenantID},
		{"tenant with a Cyrillic a", "\u0430cme", "r", RejectBadTenantID},
		{"tenant starting with a dot", ".acme", "r", RejectBadTenantID},
		{"empty tenant", "", "r", RejectBadTenantID},
		{"empty room", "acme", "", RejectBadRoomID},
		{"room with a line break", "acme", "r\n1", RejectBadRoomID},
		{"room with a NUL", "acme", "r\x001", RejectBadRoomID},
		{"room with a tab", "acme", "r\t1", RejectBadRoomID},
		{"room with a zero-width space", "acme", "r\u200b1", RejectBadRoomID},
		{"room with invalid UTF-8", "acme", "r\xff", RejectBadRoomID},
		{"room with a private-use character", "acme", "r\ue000", RejectBadRoomID},
		{"both bad: the tenant first", "bad tenant", "", RejectBadTenantID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IDReject(tt.tenant, tt.room); got != tt.want {
				t.Errorf("IDReject(%q, %q) = %q, want %q", tt.tenant, tt.room, got, tt.want)
			}
		})
	}
	if ValidRoomID(strings.Repeat("x", 1<<20)) {
		t.Error("a megabyte room id is valid")
	}
}

// TestScoreFiniteAtTheBounds: a configuration at the edges of what
// Validate accepts gives finite points and a finite SQI for any finite
// metric, the largest and smallest included (before the bounds, a weight
// of 1e308 made /sqi answer +Inf or NaN).
func TestScoreFiniteAtTheBounds(t *testing.T) {
	c := DefaultConfig("acme")
	c.Components = map[string]Component{
		"a": {Metric: "wait_avg_s", Target: MaxBound, Worst: -MaxBound, Weight: MaxWeight},
		"b": {Metric: "wait_max_s", Target: 1e-9, Worst: 0, Weight: MaxWeight},
		"c": {Metric: "score_avg", Target: -MaxBound, Worst: MaxBound, Weight: 1e-300},
	}
	c.Grades = []Grade{{"A", 100}, {"B", 0}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, x := range []float64{0, 1, -1, 1e300, -1e300, 1.7e308, -1.7e308, 5e-324} {
		v := scoreValues(map[string]float64{"wait_avg_s": x, "wait_max_s": x, "score_avg": x})
		sqi, _, comps := c.Score(v)
		if sqi.Null || sqi.V != sqi.V || sqi.V < 0 || sqi.V > 100 {
			t.Errorf("metrics %g: sqi %+v", x, sqi)
		}
		for _, p := range comps {
			if p.Points.V != p.Points.V || p.Points.V < 0 || p.Points.V > 100 {
				t.Errorf("metrics %g: %s points %v", x, p.Name, p.Points.V)
			}
		}
	}
}
