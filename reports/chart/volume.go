package chart

import (
	"fmt"
	"io"
	"math"

	"golang.org/x/image/font"
)

// Volume is the volume of consecutive periods (the hours of a day, the
// days of a week or a month) with their service level.
type Volume struct {
	Title      string
	VolumeName string    // legend of the bars ("Rooms", "상담방")
	LevelName  string    // legend of the line ("Service level %")
	Labels     []string  // one per period, under the axis
	Volume     []float64 // one per period
	Level      []float64 // 0..100, NaN when the period had nothing offered
	// LabelEvery shows every n-th label (the hours: 3); 0 shows as many
	// as fit side by side.
	LabelEvery int
}

// Volume layout, in layout pixels.
const (
	volumeW = 600
	volumeH = 250
)

// Size is the size at which the e-mail shows the chart.
func (v *Volume) Size() (w, height int) { return volumeW, volumeH }

// WritePNG draws the chart: bars of the volume on the left axis, the
// service level as a line on a 0..100 % right axis, nothing drawn for a
// period without a service level.
func (v *Volume) WritePNG(w io.Writer) error {
	c, err := newCanvas(volumeW, volumeH)
	if err != nil {
		return err
	}
	defer c.close()
	const (
		x0, x1 = 48.0, volumeW - 44.0
		y0, y1 = 46.0, volumeH - 30.0
	)
	c.label(12, 22, v.Title, c.title, ink, left)
	c.legend(volumeW-12, 22, []legendItem{{v.VolumeName, Blue, false}, {v.LevelName, Orange, true}})

	n := len(v.Volume)
	peak := 0.0
	for _, x := range v.Volume {
		peak = max(peak, x)
	}
	top, steps := niceMax(peak)
	ph := y1 - y0
	for i := 0; i <= steps; i++ {
		y := y1 - ph*float64(i)/float64(steps)
		c.rect(x0, y-0.5, x1, y+0.5, grid)
		c.label(x0-6, y+4, formatTick(top*float64(i)/float64(steps)), c.small, muted, right)
		c.label(x1+6, y+4, fmt.Sprintf("%.0f%%", 100*float64(i)/float64(steps)), c.small, muted, left)
	}
	if n == 0 {
		return c.png(w)
	}
	slot := (x1 - x0) / float64(n)
	every := v.LabelEvery
	if every <= 0 {
		every = labelStep(c.small, v.Labels, slot)
	}
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
	for i := range n {
		cx := x0 + slot*(float64(i)+0.5)
		if x := v.Volume[i]; x > 0 {
			bh := ph * x / top
			c.rect(cx-slot*0.34, y1-bh, cx+slot*0.34, y1, Blue)
		}
		if i%every == 0 && i < len(v.Labels) {
			c.label(cx, y1+16, v.Labels[i], c.small, muted, center)
		}
	}
	c.rect(x0, y1-0.5, x1, y1+0.5, muted)
	for i := range n {
		cx := x0 + slot*(float64(i)+0.5)
		sl := math.NaN()
		if i < len(v.Level) {
			sl = v.Level[i]
		}
		if math.IsNaN(sl) {
			flush()
			continue
		}
		line = append(line, [2]float64{cx, y1 - ph*math.Max(0, math.Min(100, sl))/100})
	}
	flush()
	return c.png(w)
}

// labelStep is how many slots of width slot the widest of labels needs,
// with a gap, so that the labels shown do not touch.
func labelStep(face font.Face, labels []string, slot float64) int {
	d := font.Drawer{Face: face}
	widest := 0.0
	for _, l := range labels {
		widest = max(widest, float64(d.MeasureString(l))/64/Scale)
	}
	return max(1, int(math.Ceil((widest+8)/slot)))
}
