package metrics

import (
	"math"
	"sort"
)

// Points maps a metric value to 0..100 points, linearly from worst (0) to
// target (100), clamped (docs/metrics.md). It works both ways: a target below worst
// rewards low values.
func (c Component) Points(v float64) float64 {
	p := 100 * (v - c.Worst) / (c.Target - c.Worst)
	return math.Max(0, math.Min(100, p))
}

// Score computes the SQI of a row's unrounded metrics (docs/metrics.md): the
// weight-averaged points of the components whose metric is not null, the
// grade of the rounded SQI (what the user sees), and every configured
// component's points, sorted by component name.
func (c *Config) Score(v *[NumMetrics]Value) (sqi Value, grade string, comps []ComponentPoints) {
	names := c.ComponentNames()
	var total, weights float64
	for _, n := range names {
		comp := c.Components[n]
		i, ok := MetricIndex(comp.Metric)
		if !ok || v[i].Null {
			comps = append(comps, ComponentPoints{Name: n, Points: Value{Null: true}})
			continue
		}
		p := comp.Points(v[i].V)
		comps = append(comps, ComponentPoints{Name: n, Points: Value{V: p}})
		total += comp.Weight * p
		weights += comp.Weight
	}
	if weights == 0 {
		return Value{Null: true}, "", comps
	}
	sqi = Value{V: total / weights}
	shown := Round(sqi.V, 1)
	for _, g := range c.Grades {
		if shown >= g.Min {
			return sqi, g.Grade, comps
		}
	}
	return sqi, "", comps
}

// ComponentNames are the configured components in the order of every row:
// sorted by name.
func (c *Config) ComponentNames() []string {
	names := make([]string, 0, len(c.Components))
	for n := range c.Components {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
