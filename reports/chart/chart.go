// Package chart draws the PNG charts of the report e-mail in pure Go
// (image/draw, x/image/vector) with an embedded Korean-capable font (a
// subset of Noto Sans CJK KR, internal/fonts), so sending a report needs no
// browser, no plotting service and no fonts on the machine, and titles,
// legends and axes are in the tenant's language. It must not import
// store/ or reports.
package chart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"sqi/internal/fonts"
)

// Scale is how many device pixels a layout pixel has: the PNG is drawn at
// twice the size the e-mail shows it, so it stays sharp on high-density
// screens.
const Scale = 2

// Colours shared with the HTML of the e-mail and the workbook charts.
var (
	Blue   = color.RGBA{0x2f, 0x6f, 0xb3, 0xff}
	Orange = color.RGBA{0xe0, 0x7b, 0x1a, 0xff}
	ink    = color.RGBA{0x33, 0x3b, 0x45, 0xff}
	muted  = color.RGBA{0x6b, 0x75, 0x80, 0xff}
	grid   = color.RGBA{0xe3, 0xe7, 0xeb, 0xff}
	white  = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// The fonts: Noto Sans CJK KR, Regular and Bold, subset to Latin and the
// Hangul of KS X 1001 (internal/fonts).
var (
	regular = mustParse(fonts.Regular)
	bold    = mustParse(fonts.Bold)
)

func mustParse(otf []byte) *opentype.Font {
	f, err := opentype.Parse(otf)
	if err != nil {
		panic(err) // the embedded fonts always parse (TestFonts)
	}
	return f
}

// Missing returns the characters of s that the charts' fonts have no
// glyph for (they would be drawn as empty boxes); spaces are not asked.
func Missing(s string) []rune {
	var b sfnt.Buffer
	var out []rune
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		for _, f := range []*opentype.Font{regular, bold} {
			if i, err := f.GlyphIndex(&b, r); err != nil || i == 0 {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// canvas draws in layout pixels onto an image Scale times larger.
type canvas struct {
	img         *image.RGBA
	w, h        float64
	text, small font.Face
	title       font.Face
}

func newCanvas(w, h int) (*canvas, error) {
	c := &canvas{img: image.NewRGBA(image.Rect(0, 0, w*Scale, h*Scale)), w: float64(w), h: float64(h)}
	draw.Draw(c.img, c.img.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	var err error
	face := func(f *opentype.Font, size float64) font.Face {
		if err != nil {
			return nil
		}
		var fc font.Face
		fc, err = opentype.NewFace(f, &opentype.FaceOptions{Size: size * Scale, DPI: 72, Hinting: font.HintingFull})
		return fc
	}
	c.text = face(regular, 12)
	c.small = face(regular, 10.5)
	c.title = face(bold, 13)
	return c, err
}

func (c *canvas) close() {
	for _, f := range []font.Face{c.text, c.small, c.title} {
		if f != nil {
			_ = f.Close()
		}
	}
}

func (c *canvas) png(w io.Writer) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, c.img)
}

// rect fills [x0,x1]×[y0,y1].
func (c *canvas) rect(x0, y0, x1, y1 float64, col color.Color) {
	r := image.Rect(int(math.Round(x0*Scale)), int(math.Round(y0*Scale)), int(math.Round(x1*Scale)), int(math.Round(y1*Scale)))
	draw.Draw(c.img, r, image.NewUniform(col), image.Point{}, draw.Over)
}

// fill fills the polygon pts, anti-aliased.
func (c *canvas) fill(pts [][2]float64, col color.Color) {
	b := c.img.Bounds()
	z := vector.NewRasterizer(b.Dx(), b.Dy())
	for i, p := range pts {
		x, y := float32(p[0]*Scale), float32(p[1]*Scale)
		if i == 0 {
			z.MoveTo(x, y)
		} else {
			z.LineTo(x, y)
		}
	}
	z.ClosePath()
	z.Draw(c.img, b, image.NewUniform(col), image.Point{})
}

// circle fills a disc of radius r around (x, y).
func (c *canvas) circle(x, y, r float64, col color.Color) {
	const n = 24
	pts := make([][2]float64, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / n
		pts[i] = [2]float64{x + r*math.Cos(a), y + r*math.Sin(a)}
	}
	c.fill(pts, col)
}

// polyline strokes the line through pts with width w and round joins.
func (c *canvas) polyline(pts [][2]float64, w float64, col color.Color) {
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*w/2, dx/l*w/2
		c.fill([][2]float64{{a[0] + nx, a[1] + ny}, {b[0] + nx, b[1] + ny}, {b[0] - nx, b[1] - ny}, {a[0] - nx, a[1] - ny}}, col)
	}
	for _, p := range pts {
		c.circle(p[0], p[1], w/2, col)
	}
}

// Text alignment.
const (
	left = iota
	center
	right
)

// label draws s with its baseline at y, aligned on x.
func (c *canvas) label(x, y float64, s string, face font.Face, col color.Color, align int) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: face}
	w := float64(d.MeasureString(s)) / 64 / Scale
	switch align {
	case center:
		x -= w / 2
	case right:
		x -= w
	}
	d.Dot = fixed.P(int(math.Round(x*Scale)), int(math.Round(y*Scale)))
	d.DrawString(s)
}

// legend draws colour keys and their names right-aligned at (x, y).
func (c *canvas) legend(x, y float64, items []legendItem) {
	d := font.Drawer{Face: c.small}
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		w := float64(d.MeasureString(it.name)) / 64 / Scale
		c.label(x, y, it.name, c.small, ink, right)
		x -= w + 6
		if it.line {
			c.polyline([][2]float64{{x - 14, y - 4}, {x, y - 4}}, 2.5, it.col)
			c.circle(x-7, y-4, 3, it.col)
		} else {
			c.rect(x-10, y-10, x, y, it.col)
		}
		x -= 14 + 16
	}
}

type legendItem struct {
	name string
	col  color.Color
	line bool
}

// niceMax returns the top of an axis of four intervals that holds v:
// four times a round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power
// of ten), so that both the left
// axis and the 0..100 % right one have round ticks on the same lines.
func niceMax(v float64) (top float64, steps int) {
	const n = 4
	if !(v > n) { // counts: ticks no finer than 1
		return n, n
	}
	mag := math.Pow(10, math.Floor(math.Log10(v/n)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if step := m * mag; n*step >= v {
			return n * step, n
		}
	}
	return v, n
}

func formatTick(v float64) string {
	switch {
	case v >= 10_000:
		return fmt.Sprintf("%.0fk", v/1000)
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// Hex is c as a CSS colour, #rrggbb.
func Hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
