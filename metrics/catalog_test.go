package metrics

import (
	"slices"
	"strings"
	"testing"
)

// specMetrics are the metric names of docs/metrics.md, in its order.
var specMetrics = []string{
	"rooms", "bot_only", "queued",
	"answered", "abandoned", "short_abandoned",
	"offered", "answered_in_sl", "service_level_pct", "abandon_rate_pct",
	"wait_avg_s", "wait_p50_s", "wait_p90_s", "wait_max_s",
	"first_response_avg_s", "assigned_response_avg_s",
	"dropped", "drop_rate_pct",
	"reply_avg_s", "reply_p90_s", "reply_turns", "unanswered_turns",
	"customer_reply_avg_s", "handle_avg_s", "wrapup_avg_s", "transfers",
	"surveys", "score_avg", "csat_pct", "survey_rate_pct",
}

func TestCatalog(t *testing.T) {
	var names []string
	for _, d := range Catalog {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, specMetrics) {
		t.Fatalf("catalog %v\nSPEC    %v", names, specMetrics)
	}
	if !slices.Equal(ScoreableMetrics(), specMetrics) {
		t.Errorf("ScoreableMetrics = %v", ScoreableMetrics())
	}
	counts := []string{"rooms", "bot_only", "queued", "answered", "abandoned", "short_abandoned", "offered",
		"answered_in_sl", "dropped", "reply_turns", "unanswered_turns", "transfers", "surveys"}
	for i, d := range Catalog {
		if j, ok := MetricIndex(d.Name); !ok || j != i {
			t.Errorf("MetricIndex(%s) = %d, %v", d.Name, j, ok)
		}
		var want Kind
		switch {
		case slices.Contains(counts, d.Name):
			want = Count
		case strings.HasSuffix(d.Name, "_pct"):
			want = Percent
		case strings.HasSuffix(d.Name, "_s"):
			want = Seconds
		default:
			want = Points // score_avg
		}
		if d.Kind != want {
			t.Errorf("%s: kind %d, want %d", d.Name, d.Kind, want)
		}
		if d.LabelEN == "" || d.LabelKO == "" || d.Definition == "" {
			t.Errorf("%s: missing label or definition", d.Name)
		}
	}
	if _, ok := MetricIndex("sqi"); ok {
		t.Error("sqi is not a metric of the catalog")
	}
}

// TestKoreanDefinitions: every metric, term and room field has a Korean
// label and definition written in Korean: Hangul, and no Latin letter in a
// metric's (a Korean reader meets no English word there).
func TestKoreanDefinitions(t *testing.T) {
	hangul := func(s string) bool {
		for _, r := range s {
			if r >= 0xAC00 && r <= 0xD7A3 {
				return true
			}
		}
		return false
	}
	latin := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z') })
	}
	for i := range Catalog {
		d := &Catalog[i]
		if !hangul(d.DefinitionKO) || latin(d.DefinitionKO) || !hangul(d.LabelKO) {
			t.Errorf("%s: Korean definition %q, label %q", d.Name, d.DefinitionKO, d.LabelKO)
		}
		if d.DefinitionIn("ko") != d.DefinitionKO || d.DefinitionIn("en") != d.Definition || d.Label("ko") != d.LabelKO || d.Label("en") != d.LabelEN {
			t.Errorf("%s: DefinitionIn or Label do not follow the locale", d.Name)
		}
	}
	for name, term := range Terms {
		if term.Name != name || term.LabelEN == "" || term.DefEN == "" || term.LabelKO == "" || !hangul(term.DefKO) {
			t.Errorf("term %s: %+v", name, term)
		}
	}
	for _, k := range GroupKeys {
		if Terms[KeyColumn(k)] == nil {
			t.Errorf("group key %s has no term", KeyColumn(k))
		}
	}
	for _, f := range RoomFields {
		if !hangul(f.LabelKO) || !hangul(f.DefKO) {
			t.Errorf("room field %s: Korean label %q, definition %q", f.Name, f.LabelKO, f.DefKO)
		}
	}
}
