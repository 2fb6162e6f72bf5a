package chart

import (
	"bytes"
	"flag"
	"image/png"
	"math"
	"os"
	"testing"
)

var out = flag.String("out", "", "directory to write the charts into, to look at them")

func TestCharts(t *testing.T) {
	h := &Hourly{Title: "Rooms per hour, 2026-03-08", VolumeName: "Rooms", LevelName: "Service level %"}
	for i := range 24 {
		h.Volume[i] = 2000 * math.Exp(-math.Pow(float64(i)-14, 2)/20)
		h.ServiceLevel[i] = 60 + 30*math.Cos(float64(i)/4)
	}
	h.Volume[3], h.ServiceLevel[3] = 0, math.NaN()
	tr := &Trend{Title: "SQI, last 14 days"}
	for i := range 14 {
		tr.Labels = append(tr.Labels, "03-"+string(rune('0'+i/10))+string(rune('0'+i%10)))
		tr.Values = append(tr.Values, 70+10*math.Sin(float64(i)))
	}
	tr.Values[4] = math.NaN()
	tests := []struct {
		name string
		draw func(*bytes.Buffer) error
		w, h int
	}{
		{"hourly", func(b *bytes.Buffer) error { return h.WritePNG(b) }, hourlyW, hourlyH},
		{"trend", func(b *bytes.Buffer) error { return tr.WritePNG(b) }, trendW, trendH},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.draw(&b); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got.X != tc.w*Scale || got.Y != tc.h*Scale {
				t.Errorf("size %v, want %dx%d", got, tc.w*Scale, tc.h*Scale)
			}
			if *out != "" {
				if err := os.WriteFile(*out+"/"+tc.name+".png", b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestNiceMax(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		top  float64
	}{
		{"empty", 0, 4},
		{"small", 3, 4},
		{"sixty", 56, 60},
		{"two thousand", 2000, 2000},
		{"just above", 2001, 2400},
		{"tens", 41, 60},
		{"hundreds", 230, 240},
	}
	for _, tc := range tests {
		top, steps := niceMax(tc.v)
		if top != tc.top || steps != 4 || top < tc.v {
			t.Errorf("%s: niceMax(%v) = %v, %d; want %v in 4 steps", tc.name, tc.v, top, steps, tc.top)
		}
	}
}
