package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"sqi/metrics"
)

// Charts are SVG drawn here, in the page: no script, no library, nothing
// loaded. Colours come from the stylesheet (classes), and each chart has
// a title and a description for screen readers; the table beside it
// holds the same numbers.

// series is one line (or the bars) of a chart: a value per x label, nil
// where there is none.
type series struct {
	Name   string
	Values []*float64
	Class  string // line1, line2, bars
	Kind   valueKind
}

// chart is a chart over labelled x positions: bars and lines, on a left
// axis (the first series) and, for a second kind, a right axis.
type chart struct {
	Title  string
	Desc   string
	Labels []string
	Left   []series // on the left axis
	Right  []series // on the right axis (another unit), may be empty
	// LeftMax, RightMax fix an axis's top (100 for percentages and the
	// SQI); 0 scales it to the data.
	LeftMax, RightMax float64
	Lang              string
}

const (
	chartW   = 720.0
	chartH   = 240.0
	padLeft  = 52.0
	padRight = 52.0
	padTop   = 16.0
	padBot   = 34.0
)

// niceMax is a round top for an axis of four steps holding values up to
// v: each step 1, 2, 3, 4 or 5 times a power of ten (0, 3, 6, 9, 12), or
// 1.5 or 2.5 times one from 15 up (0, 25, 50, 75, 100).
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 4
	}
	step := v / 4
	exp := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 10} {
		if (m == 1.5 || m == 2.5) && exp < 10 {
			continue // only where the ticks stay whole (15, 25…)
		}
		if step <= m*exp {
			return 4 * m * exp
		}
	}
	return 40 * exp
}

func seriesMax(ss []series) float64 {
	m := 0.0
	for _, s := range ss {
		for _, v := range s.Values {
			if v != nil && *v > m {
				m = *v
			}
		}
	}
	return m
}

// SVG returns the chart as an <svg> element.
func (c *chart) SVG() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	id := fmt.Sprintf("chart-%x", hashString(c.Title+strings.Join(c.Labels, ",")))
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`, chartW, chartH, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.Desc))
	x0, x1 := padLeft, chartW-padRight
	y0, y1 := padTop, chartH-padBot
	n := len(c.Labels)
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	leftMax := c.LeftMax
	if leftMax == 0 {
		leftMax = niceMax(seriesMax(c.Left))
		if len(c.Left) > 0 && c.Left[0].Kind == kindCount {
			leftMax = max(leftMax, 4) // whole counts on every line
		}
	}
	rightMax := c.RightMax
	if rightMax == 0 {
		rightMax = niceMax(seriesMax(c.Right))
	}
	// Grid and axes: five lines, labelled on the left (and right).
	for i := 0; i <= 4; i++ {
		y := y1 - (y1-y0)*float64(i)/4
		fmt.Fprintf(&b, `<line class="c-grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, y, x1, y)
		if len(c.Left) > 0 {
			v := leftMax * float64(i) / 4
			fmt.Fprintf(&b, `<text class="c-tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, x0-6, y+4, esc(tick(v, c.Left[0].Kind, c.Lang)))
		}
		if len(c.Right) > 0 {
			v := rightMax * float64(i) / 4
			fmt.Fprintf(&b, `<text class="c-tick" x="%.1f" y="%.1f" text-anchor="start">%s</text>`, x1+6, y+4, esc(tick(v, c.Right[0].Kind, c.Lang)))
		}
	}
	slot := (x1 - x0) / float64(n)
	every := max(1, int(math.Ceil(float64(n)*58/(x1-x0))))
	for i, l := range c.Labels {
		if (n-1-i)%every != 0 {
			continue
		}
		cx := x0 + slot*(float64(i)+0.5)
		fmt.Fprintf(&b, `<text class="c-tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, cx, y1+18, esc(l))
	}
	draw := func(s series, top float64) {
		yOf := func(v float64) float64 { return y1 - (y1-y0)*math.Min(math.Max(v/top, 0), 1) }
		if s.Class == "bars" {
			w := math.Max(slot*0.6, 1)
			for i, v := range s.Values {
				if v == nil {
					continue
				}
				cx := x0 + slot*(float64(i)+0.5)
				y := yOf(*v)
				fmt.Fprintf(&b, `<rect class="c-bars" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s</title></rect>`,
					cx-w/2, y, w, y1-y, esc(c.Labels[i]), esc(formatNumber(v, s.Kind, c.Lang)))
			}
			return
		}
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline class="c-%s" points="%s"/>`, s.Class, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if v == nil {
				flush()
				continue
			}
			cx := x0 + slot*(float64(i)+0.5)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", cx, yOf(*v)))
		}
		flush()
		for i, v := range s.Values {
			if v == nil {
				continue
			}
			cx := x0 + slot*(float64(i)+0.5)
			fmt.Fprintf(&b, `<circle class="c-%s-pt" cx="%.1f" cy="%.1f" r="3"><title>%s %s: %s</title></circle>`,
				s.Class, cx, yOf(*v), esc(c.Labels[i]), esc(s.Name), esc(formatNumber(v, s.Kind, c.Lang)))
		}
	}
	for _, s := range c.Left {
		draw(s, leftMax)
	}
	for _, s := range c.Right {
		draw(s, rightMax)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Legend lists the series with their classes, for the legend under the
// chart.
func (c *chart) Legend() []series { return append(append([]series{}, c.Left...), c.Right...) }

// tick is an axis label: durations as m:ss, the rest as numbers.
func tick(v float64, k valueKind, lang string) string {
	switch k {
	case kindSeconds:
		return metrics.DurationText(v)
	case kindPercent:
		return printer(lang).Sprintf("%.0f%%", v)
	case kindPoints:
		return printer(lang).Sprintf("%.1f", v)
	}
	if v == math.Trunc(v) {
		return printer(lang).Sprintf("%d", int64(v))
	}
	return printer(lang).Sprintf("%.1f", v)
}

// hashString is a short hash for element ids (FNV-1a).
func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
