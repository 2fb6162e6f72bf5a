package chart

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

var out = flag.String("out", "", "directory to write the charts into, to look at them")

func TestCharts(t *testing.T) {
	h := &Volume{Title: "시간대별 상담량과 서비스 레벨, 2026-03-08", VolumeName: "상담방", LevelName: "서비스 레벨 %", LabelEvery: 3}
	for i := range 24 {
		h.Labels = append(h.Labels, fmt.Sprintf("%02d", i))
		h.Volume = append(h.Volume, 2000*math.Exp(-math.Pow(float64(i)-14, 2)/20))
		h.Level = append(h.Level, 60+30*math.Cos(float64(i)/4))
	}
	h.Volume[3], h.Level[3] = 0, math.NaN()
	m := &Volume{Title: "Rooms per day and service level, 2026-03", VolumeName: "Rooms", LevelName: "Service level %"}
	for i := range 31 {
		m.Labels = append(m.Labels, fmt.Sprintf("03-%02d", i+1))
		m.Volume = append(m.Volume, float64(1000+37*i))
		m.Level = append(m.Level, 80)
	}
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
		{"hourly", func(b *bytes.Buffer) error { return h.WritePNG(b) }, volumeW, volumeH},
		{"month", func(b *bytes.Buffer) error { return m.WritePNG(b) }, volumeW, volumeH},
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

// TestFonts: the embedded fonts parse, have the glyphs of Korean and
// English text, and draw each Hangul syllable as a glyph of its own (a
// font without Hangul draws every one as the same empty box, .notdef).
func TestFonts(t *testing.T) {
	text := "시간대별 상담량과 서비스 레벨 일별 최근 14일 SQI 상담방 월화수목금토일 Rooms per hour ▲▼ −0:05"
	if m := Missing(text); len(m) != 0 {
		t.Errorf("no glyph for %q", string(m))
	}
	if m := Missing("한글 안녕하세요 고객님 상담원 팀장 주간 월간 일일 리포트"); len(m) != 0 {
		t.Errorf("no glyph for %q: KS X 1001's syllables should all be there", string(m))
	}
	if m := Missing("\u0E01"); len(m) != 1 {
		t.Errorf("Missing(Thai) = %q: want it missing (the subset has no Thai)", string(m))
	}
	for _, f := range []*opentype.Font{regular, bold} {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 24, DPI: 72})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]rune{}
		for _, r := range "상담방서비스레벨시간대별" {
			img := image.NewGray(image.Rect(0, 0, 32, 32))
			draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
			d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(2, 26)}
			d.DrawString(string(r))
			ink := 0
			for _, p := range img.Pix {
				if p < 128 {
					ink++
				}
			}
			if ink < 40 {
				t.Errorf("%c: %d dark pixels, want a glyph", r, ink)
			}
			if o, dup := seen[string(img.Pix)]; dup {
				t.Errorf("%c is drawn exactly as %c: no glyph of its own", r, o)
			}
			seen[string(img.Pix)] = r
		}
		_ = face.Close()
	}
}
