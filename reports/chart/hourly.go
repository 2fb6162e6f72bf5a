package chart

import (
	"fmt"
	"io"
	"math"
)

// Hourly is the hourly volume of a day with its service level.
type Hourly struct {
	Title        string      // ASCII
	VolumeName   string      // legend of the bars, ASCII ("Rooms")
	LevelName    string      // legend of the line, ASCII ("Service level %")
	Volume       [24]float64 // per local hour
	ServiceLevel [24]float64 // 0..100, NaN when the hour had nothing offered
}

// Hourly layout, in layout pixels.
const (
	hourlyW = 600
	hourlyH = 250
)

// Size is the size at which the e-mail shows the chart.
func (h *Hourly) Size() (w, height int) { return hourlyW, hourlyH }

// WritePNG draws the chart: bars of the volume on the left axis, the
// service level as a line on a 0..100 % right axis, nothing drawn for an
// hour without a service level.
func (h *Hourly) WritePNG(w io.Writer) error {
	c, err := newCanvas(hourlyW, hourlyH)
	if err != nil {
		return err
	}
	defer c.close()
	const (
		x0, x1 = 48.0, hourlyW - 44.0
		y0, y1 = 46.0, hourlyH - 30.0
	)
	c.label(12, 22, h.Title, c.title, ink, left)
	c.legend(hourlyW-12, 22, []legendItem{{h.VolumeName, Blue, false}, {h.LevelName, Orange, true}})

	peak := 0.0
	for _, v := range h.Volume {
		peak = max(peak, v)
	}
	top, steps := niceMax(peak)
	ph := y1 - y0
	for i := 0; i <= steps; i++ {
		y := y1 - ph*float64(i)/float64(steps)
		c.rect(x0, y-0.5, x1, y+0.5, grid)
		c.label(x0-6, y+4, formatTick(top*float64(i)/float64(steps)), c.small, muted, right)
		c.label(x1+6, y+4, fmt.Sprintf("%.0f%%", 100*float64(i)/float64(steps)), c.small, muted, left)
	}
	slot := (x1 - x0) / 24
	var line [][2]float64
	flush := func() {
		if len(line) > 0 {
			c.polyline(line, 2.5, Orange)
			for _, p := range line {
				c.circle(p[0], p[1], 3, Orange)
				c.circle(p[0], p[1], 1.5, white)
			}
		}
		line = line[:0]
	}
	for i := range 24 {
		cx := x0 + slot*(float64(i)+0.5)
		if v := h.Volume[i]; v > 0 {
			bh := ph * v / top
			c.rect(cx-slot*0.34, y1-bh, cx+slot*0.34, y1, Blue)
		}
		if i%3 == 0 {
			c.label(cx, y1+16, fmt.Sprintf("%02d", i), c.small, muted, center)
		}
	}
	c.rect(x0, y1-0.5, x1, y1+0.5, muted)
	for i := range 24 {
		cx := x0 + slot*(float64(i)+0.5)
		sl := h.ServiceLevel[i]
		if math.IsNaN(sl) {
			flush()
			continue
		}
		line = append(line, [2]float64{cx, y1 - ph*math.Max(0, math.Min(100, sl))/100})
	}
	flush()
	return c.png(w)
}
