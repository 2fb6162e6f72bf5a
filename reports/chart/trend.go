package chart

import (
	"fmt"
	"io"
	"math"

	"golang.org/x/image/font"
)

// Trend is the SQI of consecutive days.
type Trend struct {
	Title  string
	Labels []string  // one per day ("03-08")
	Values []float64 // 0..100, NaN for a day without an SQI
}

const (
	trendW = 600
	trendH = 200
)

// Size is the size at which the e-mail shows the chart.
func (t *Trend) Size() (w, h int) { return trendW, trendH }

// WritePNG draws the SQI as a line over a 0..100 axis, each point
// labelled with its value; the last day, the report's, is emphasised.
func (t *Trend) WritePNG(w io.Writer) error {
	c, err := newCanvas(trendW, trendH)
	if err != nil {
		return err
	}
	defer c.close()
	const (
		x0, x1 = 40.0, trendW - 20.0
		y0, y1 = 46.0, trendH - 30.0
	)
	c.label(12, 22, t.Title, c.title, ink, left)
	ph := y1 - y0
	for i := 0; i <= 4; i++ {
		y := y1 - ph*float64(i)/4
		c.rect(x0, y-0.5, x1, y+0.5, grid)
		c.label(x0-6, y+4, fmt.Sprintf("%d", 25*i), c.small, muted, right)
	}
	n := len(t.Values)
	if n == 0 {
		return c.png(w)
	}
	slot := (x1 - x0) / float64(n)
	every := labelStep(c.small, t.Labels, slot)
	var seg [][2]float64
	for i, v := range t.Values {
		cx := x0 + slot*(float64(i)+0.5)
		if i < len(t.Labels) && (n-1-i)%every == 0 {
			c.label(cx, y1+16, t.Labels[i], c.small, muted, center)
		}
		if math.IsNaN(v) {
			if len(seg) > 0 {
				c.polyline(seg, 2.5, Blue)
			}
			seg = nil
			continue
		}
		p := [2]float64{cx, y1 - ph*math.Max(0, math.Min(100, v))/100}
		seg = append(seg, p)
	}
	if len(seg) > 0 {
		c.polyline(seg, 2.5, Blue)
	}
	last := n - 1
	for i, v := range t.Values {
		if math.IsNaN(v) {
			continue
		}
		cx := x0 + slot*(float64(i)+0.5)
		y := y1 - ph*math.Max(0, math.Min(100, v))/100
		r := 3.5
		if i == last {
			r = 5
		}
		c.circle(cx, y, r, Blue)
		c.circle(cx, y, r-1.7, white)
		face := c.small
		if i == last {
			face = c.title
		}
		// Every value when they fit side by side, else every other
		// counted back from the last, which is always shown.
		if (n-1-i)%valueStep(c.small, slot) == 0 {
			c.label(cx, y-9, fmt.Sprintf("%.1f", v), face, ink, center)
		}
	}
	return c.png(w)
}

// valueStep is how many slots a value label ("100.0") needs.
func valueStep(face font.Face, slot float64) int {
	return labelStep(face, []string{"100.0"}, slot)
}
