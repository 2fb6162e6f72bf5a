package reports_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/reports"
)

var render = flag.String("render", "", "render the docs images into this directory (needs soffice, pdftoppm and chromium)")

// TestRenderDocs draws what users see, for docs/reports.md: each sheet of
// the workbook as LibreOffice prints it (xlsx → PDF → PNG) and the e-mail
// as a browser shows it (headless Chromium). It is a tool, not a check:
// it runs only with -render DIR.
//
//	SQI_TEST_DATABASE_URL=$(scripts/pg.sh) go test ./reports -run TestRenderDocs -render docs/img
func TestRenderDocs(t *testing.T) {
	if *render == "" {
		t.Skip("a tool: give -render DIR to draw the docs images")
	}
	for _, tool := range []string{"soffice", "pdftoppm", "chromium"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: apt-get install -y libreoffice-calc poppler-utils chromium fonts-noto-cjk", tool)
		}
	}
	dir, err := filepath.Abs(*render)
	if err != nil {
		t.Fatal(err)
	}
	db := seed(t, 2, 40, 400)
	now := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}
	ctx := context.Background()
	work := t.TempDir()

	// Each report drawn: its sheets (by position in reports.SheetNames)
	// and its e-mail, under the name prefix.
	type sheet struct {
		index int
		name  string
		chart bool // the sheet's second printed page: its chart
	}
	daily := []sheet{{0, "summary", false}, {1, "hourly", true}, {2, "agents", false}, {6, "rooms", false}, {7, "definitions", false}}
	cases := []struct {
		prefix, tenant string
		kind           reports.Kind
		first          time.Time
		sheets         []sheet
	}{
		{"acme", "acme", reports.KindDaily, day, daily},
		{"globex", "globex", reports.KindDaily, day, []sheet{{0, "summary", false}, {1, "hourly", true}}},
		{"acme-weekly", "acme", reports.KindWeekly, date("2026-03-02"), []sheet{{0, "summary", false}, {1, "daily", true}}},
		{"globex-monthly", "globex", reports.KindMonthly, date("2026-02-01"), []sheet{{0, "summary", false}, {1, "daily", true}}},
	}
	for _, tc := range cases {
		d, err := gen.Report(ctx, tc.kind, tc.tenant, tc.first)
		if err != nil {
			t.Fatal(err)
		}
		var wb bytes.Buffer
		if err := gen.WriteWorkbook(ctx, d, &wb); err != nil {
			t.Fatal(err)
		}
		names := reports.SheetNames(tc.kind, d.Config.Locale)
		for _, sh := range tc.sheets {
			pages := []int{1}
			if sh.chart {
				pages = []int{1, 2} // the chart starts page 2
			}
			pngs := printSheet(t, wb.Bytes(), names[sh.index], pages, work)
			for i, p := range pngs {
				name := fmt.Sprintf("workbook-%s-%s.png", tc.prefix, sh.name)
				if i > 0 {
					name = fmt.Sprintf("workbook-%s-%s-chart.png", tc.prefix, sh.name)
				}
				writeCropped(t, p, filepath.Join(dir, name), 1200)
			}
		}

		email, err := gen.Email(d, wb.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		html := email.HTML
		for _, p := range email.Inline {
			html = strings.ReplaceAll(html, "cid:"+p.ContentID, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(p.Data))
		}
		page := filepath.Join(work, "email-"+tc.prefix+".html")
		if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(work, "email-"+tc.prefix+".png")
		run(t, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
			"--window-size=720,2600", "--screenshot="+shot, "file://"+page)
		writeCropped(t, shot, filepath.Join(dir, "email-"+tc.prefix+".png"), 0)
	}
}

// printSheet prints one sheet of the workbook (the others hidden) to PDF
// with LibreOffice and returns the PNGs of the pages asked for.
func printSheet(t *testing.T, xlsx []byte, sheet string, pages []int, work string) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	idx, err := f.GetSheetIndex(sheet)
	if err != nil {
		t.Fatal(err)
	}
	f.SetActiveSheet(idx)
	for _, s := range f.GetSheetList() {
		if s != sheet {
			if err := f.SetSheetVisible(s, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	base := filepath.Join(work, fmt.Sprint("sheet", time.Now().UnixNano()))
	if err := f.SaveAs(base + ".xlsx"); err != nil {
		t.Fatal(err)
	}
	run(t, "soffice", "--headless", "--convert-to", "pdf", "--outdir", work, base+".xlsx")
	var out []string
	for _, p := range pages {
		prefix := fmt.Sprintf("%s-p%d", base, p)
		run(t, "pdftoppm", "-r", "110", "-png", "-singlefile", "-f", fmt.Sprint(p), "-l", fmt.Sprint(p), base+".pdf", prefix)
		out = append(out, prefix+".png")
	}
	return out
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// writeCropped writes the PNG at src to dst cut to its content (what
// differs from the corner's colour) with a margin, and at most maxW wide
// (0: any).
func writeCropped(t *testing.T, src, dst string, maxW int) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	br, bgc, bb, _ := bg.RGBA()
	differs := func(x, y int) bool {
		r, g, bl, _ := img.At(x, y).RGBA()
		d := func(a, b uint32) uint32 {
			if a > b {
				return a - b
			}
			return b - a
		}
		return d(r, br)+d(g, bgc)+d(bl, bb) > 3*0x0800
	}
	box := image.Rectangle{Min: b.Max, Max: b.Min}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if differs(x, y) {
				box.Min.X, box.Min.Y = min(box.Min.X, x), min(box.Min.Y, y)
				box.Max.X, box.Max.Y = max(box.Max.X, x+1), max(box.Max.Y, y+1)
			}
		}
	}
	if box.Empty() {
		t.Fatalf("%s is blank", src)
	}
	box = box.Inset(-16).Intersect(b)
	if maxW > 0 && box.Dx() > maxW {
		box.Max.X = box.Min.X + maxW
	}
	out := image.NewRGBA(image.Rect(0, 0, box.Dx(), box.Dy()))
	draw.Draw(out, out.Bounds(), img, box.Min, draw.Src)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
