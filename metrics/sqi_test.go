package metrics

import (
	"fmt"
	"math"
	"testing"
)

func TestComponentPoints(t *testing.T) {
	sl := Component{Metric: "service_level_pct", Target: 90, Worst: 50, Weight: 25}
	wait := Component{Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: 15} // target below worst
	sat := Component{Metric: "score_avg", Target: 4.8, Worst: 3.0, Weight: 30}
	cases := []struct {
		c    Component
		v    float64
		want float64
	}{
		{sl, 90, 100},
		{sl, 50, 0},
		{sl, 70, 50},
		{sl, 80, 75},
		{sl, 100, 100}, // clamped above
		{sl, 0, 0},     // clamped below
		{wait, 15, 100},
		{wait, 120, 0},
		{wait, 67.5, 50},
		{wait, 42.75, 73.57142857142857},
		{wait, 0, 100}, // better than target: clamped to 100
		{wait, 500, 0}, // worse than worst: clamped to 0
		{wait, 14.9, 100},
		{sat, 4, 55.55555555555556},
		{sat, 5, 100},
		{sat, 1, 0},
		{sat, 3.9, 50},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%v", tc.c.Metric, tc.v), func(t *testing.T) {
			if got := tc.c.Points(tc.v); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Points(%v) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}

// scoreCase builds a config from components and a values array from name → value
// (missing names are null).
func scoreValues(vals map[string]float64) *[NumMetrics]Value {
	var v [NumMetrics]Value
	for i := range v {
		v[i] = Value{Null: true}
	}
	for name, x := range vals {
		i, ok := MetricIndex(name)
		if !ok {
			panic(name)
		}
		v[i] = Value{V: x}
	}
	return &v
}

func TestScore(t *testing.T) {
	// identity: points = value (target 100, worst 0).
	id := func(metric string, w float64) Component {
		return Component{Metric: metric, Target: 100, Worst: 0, Weight: w}
	}
	grades := DefaultConfig("x").Grades
	cases := []struct {
		name  string
		comps map[string]Component
		vals  map[string]float64
		sqi   float64 // NaN: null
		grade string
		pts   string // "name=points ..." sorted by name, points rounded to 2
	}{
		{
			name:  "weight-averaged points",
			comps: map[string]Component{"a": id("service_level_pct", 3), "b": id("csat_pct", 1)},
			vals:  map[string]float64{"service_level_pct": 80, "csat_pct": 40},
			sqi:   70, grade: "B", pts: "a=80 b=40",
		},
		{
			name:  "a weight 0 component is listed with its points but not weighted",
			comps: map[string]Component{"a": id("service_level_pct", 1), "b": id("csat_pct", 0)},
			vals:  map[string]float64{"service_level_pct": 80, "csat_pct": 40},
			sqi:   80, grade: "B", pts: "a=80 b=40",
		},
		{
			name:  "a component whose metric is null is left out of the SQI",
			comps: map[string]Component{"a": id("service_level_pct", 1), "b": id("csat_pct", 9)},
			vals:  map[string]float64{"service_level_pct": 80},
			sqi:   80, grade: "B", pts: "a=80 b=null",
		},
		{
			name:  "every metric null: SQI null and no grade",
			comps: map[string]Component{"a": id("service_level_pct", 1), "b": id("csat_pct", 1)},
			vals:  map[string]float64{},
			sqi:   math.NaN(), grade: "", pts: "a=null b=null",
		},
		{
			name:  "only weight-0 components have a value: SQI null",
			comps: map[string]Component{"a": id("service_level_pct", 1), "b": id("csat_pct", 0)},
			vals:  map[string]float64{"csat_pct": 40},
			sqi:   math.NaN(), grade: "", pts: "a=null b=40",
		},
		{
			name:  "points are clamped before weighting",
			comps: map[string]Component{"w": {Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: 1}, "s": {Metric: "score_avg", Target: 4.8, Worst: 3, Weight: 1}},
			vals:  map[string]float64{"wait_avg_s": 5, "score_avg": 2},
			sqi:   50, grade: "C", pts: "s=0 w=100",
		},
		{
			name:  "points and SQI come from unrounded metrics",
			comps: map[string]Component{"a": {Metric: "wait_avg_s", Target: 1, Worst: 0, Weight: 1}},
			vals:  map[string]float64{"wait_avg_s": 0.004}, // shown as 0.00 s
			sqi:   0.4, grade: "D", pts: "a=0.4",
		},
		{
			name:  "components sorted by name",
			comps: map[string]Component{"zeta": id("csat_pct", 1), "alpha": id("csat_pct", 1), "mid": id("csat_pct", 1)},
			vals:  map[string]float64{"csat_pct": 60},
			sqi:   60, grade: "C", pts: "alpha=60 mid=60 zeta=60",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Components: tc.comps, Grades: grades}
			sqi, grade, comps := cfg.Score(scoreValues(tc.vals))
			if math.IsNaN(tc.sqi) {
				if !sqi.Null {
					t.Errorf("sqi = %v, want null", sqi.V)
				}
			} else if sqi.Null || math.Abs(sqi.V-tc.sqi) > 1e-9 {
				t.Errorf("sqi = %+v, want %v", sqi, tc.sqi)
			}
			if grade != tc.grade {
				t.Errorf("grade = %q, want %q", grade, tc.grade)
			}
			got := ""
			for i, c := range comps {
				if i > 0 {
					got += " "
				}
				if c.Points.Null {
					got += c.Name + "=null"
				} else {
					got += fmt.Sprintf("%s=%v", c.Name, Round(c.Points.V, 2))
				}
			}
			if got != tc.pts {
				t.Errorf("components %q, want %q", got, tc.pts)
			}
		})
	}
}

// TestGradeCutoffs: the grade is the first cut-off that the SQI reaches.
// The code grades the SQI as shown (rounded to 1 decimal), so 84.96,
// shown as 85.0, is an A: a documented decision (see Score).
func TestGradeCutoffs(t *testing.T) {
	cfg := DefaultConfig("acme")
	cfg.Components = map[string]Component{"x": {Metric: "service_level_pct", Target: 100, Worst: 0, Weight: 1}}
	cases := []struct {
		sqi   float64
		grade string
	}{
		{100, "S"}, {95, "S"}, {94.96, "S"}, {94.94, "A"}, {94.9, "A"},
		{85, "A"}, {84.96, "A"}, {84.9, "B"},
		{70, "B"}, {69.9, "C"},
		{50, "C"}, {49.95, "C"}, {49.94, "D"},
		{0.96, "D"}, {0.5, "D"}, {0, "D"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.sqi), func(t *testing.T) {
			sqi, grade, _ := cfg.Score(scoreValues(map[string]float64{"service_level_pct": tc.sqi}))
			if sqi.Null || math.Abs(sqi.V-tc.sqi) > 1e-9 {
				t.Fatalf("sqi = %+v", sqi)
			}
			if grade != tc.grade {
				t.Errorf("grade of %v = %q, want %q", tc.sqi, grade, tc.grade)
			}
		})
	}
	// No cut-off reached: no grade.
	cfg.Grades = []Grade{{"S", 95}, {"A", 85}}
	if _, g, _ := cfg.Score(scoreValues(map[string]float64{"service_level_pct": 10})); g != "" {
		t.Errorf("grade %q below every cut-off, want none", g)
	}
}

// TestScoreDefaultConfig: the five default components on a row.
func TestScoreDefaultConfig(t *testing.T) {
	cfg := DefaultConfig("acme")
	v := scoreValues(map[string]float64{
		"service_level_pct": 70,   // 50 points
		"wait_avg_s":        67.5, // 50
		"reply_avg_s":       105,  // 50
		"score_avg":         3.9,  // 50
		"abandon_rate_pct":  11,   // 50
	})
	sqi, grade, comps := cfg.Score(v)
	if sqi.Null || math.Abs(sqi.V-50) > 1e-9 || grade != "C" {
		t.Errorf("sqi %+v grade %q, want 50 C", sqi, grade)
	}
	if len(comps) != 5 {
		t.Fatalf("%d components, want 5", len(comps))
	}
	for _, c := range comps {
		if c.Points.Null || math.Abs(c.Points.V-50) > 1e-9 {
			t.Errorf("%s = %+v, want 50", c.Name, c.Points)
		}
	}
	// Drop the satisfaction survey (null): SQI over the other 70 weight.
	v[MScoreAvg] = Value{Null: true}
	v[MServiceLevelPct] = Value{V: 90} // 100 points
	sqi, grade, _ = cfg.Score(v)
	want := (25*100 + 15*50 + 20*50 + 10*50) / 70.0
	if math.Abs(sqi.V-want) > 1e-9 || Round(sqi.V, 1) != 67.9 || grade != "C" {
		t.Errorf("sqi %v grade %q, want %v C", sqi.V, grade, want)
	}
}
