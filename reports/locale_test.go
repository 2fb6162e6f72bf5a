package reports_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	fx "sqi/internal/fixture"
	"sqi/metrics"
	"sqi/reports"
)

// englishSentence is three English words in a row: a sentence, or a
// label, left untranslated. Keys (room_opened, wait_avg_s), units, names
// in a list (SUM, AVERAGE) and single words such as SQI are not.
var englishSentence = regexp.MustCompile(`\b[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}\b`)

// TestWorkbookLocale reads every cell of the daily, weekly and monthly
// workbooks of a Korean tenant and finds no English sentence (no metric
// or Rooms column definition of metrics' English text, nothing else),
// and in those of both locales nothing internal: no SPEC, no null, no
// NaN. The Rooms sheet's rows are the tenant's data and are left out.
func TestWorkbookLocale(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 10, 80)
	gen := &reports.Generator{DB: db}
	var english []string
	for _, m := range metrics.Catalog {
		english = append(english, m.Definition, m.LabelEN)
	}
	for _, f := range metrics.RoomFields {
		english = append(english, f.DefEN)
	}
	for _, tc := range []struct {
		tenant, locale string
		kind           reports.Kind
		first          string
	}{
		{"acme", "ko", reports.KindDaily, "2026-03-08"},
		{"acme", "ko", reports.KindWeekly, "2026-03-02"},
		{"acme", "ko", reports.KindMonthly, "2026-03-01"},
		{"globex", "en", reports.KindDaily, "2026-03-08"},
		{"globex", "en", reports.KindMonthly, "2026-03-01"},
	} {
		t.Run(fmt.Sprint(tc.tenant, " ", tc.kind), func(t *testing.T) {
			var buf bytes.Buffer
			if err := gen.WriteReport(context.Background(), tc.kind, tc.tenant, date(tc.first), &buf); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			names := reports.SheetNames(tc.kind, tc.locale)
			cells, defs := 0, 0
			for i, sheet := range f.GetSheetList() {
				if sheet != names[i] {
					t.Errorf("sheet %d is %q, want %q", i, sheet, names[i])
				}
				rows, err := f.GetRows(sheet)
				if err != nil {
					t.Fatal(err)
				}
				for r, row := range rows {
					if sheet == names[6] && r >= 2 {
						break // the rooms: the tenant's data
					}
					for c, v := range row {
						cells++
						where := fmt.Sprintf("%s!%s", sheet, must(excelize.CoordinatesToCellName(c+1, r+1)))
						for _, bad := range []string{"SPEC", "null", "NaN", "Inf"} {
							if strings.Contains(v, bad) {
								t.Errorf("%s says %q: %q", where, bad, v)
							}
						}
						if tc.locale != "ko" {
							continue
						}
						if m := englishSentence.FindString(v); m != "" {
							t.Errorf("%s is English (%q): %q", where, m, v)
						}
						for _, e := range english {
							if e != "" && strings.Contains(v, e) && e != "SQI" {
								t.Errorf("%s holds the English text %q", where, e)
							}
						}
						if sheet == names[7] && c == 3 && r > 0 && v != "" {
							defs++
						}
					}
				}
			}
			if cells < 500 {
				t.Fatalf("read %d cells: the test proves nothing", cells)
			}
			if tc.locale == "ko" && defs < metrics.NumMetrics+len(metrics.ExportFields) {
				t.Errorf("%d definitions in %s, want one per metric and Rooms column at least", defs, names[7])
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var updateCharts = flag.Bool("update-charts", false, "rewrite the reference pictures of the e-mail charts (testdata/golden/email-chart-*.png); look at them before committing")

// TestEmailChartHangul draws the e-mail of a Korean tenant and looks at its
// chart images: the strip of the title and the legend ("시간대별 상담량과
// 서비스 레벨, 2026-03-08", "상담방", "서비스 레벨 %") is compared with a
// reference picture checked by eye (testdata/golden), pixel by pixel, and
// it must hold as much ink as the same Korean text needs; the English
// tenant's chart has its English words instead.
func TestEmailChartHangul(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 3, 80)
	now := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}
	ctx := context.Background()
	for _, tc := range []struct {
		tenant string
		kind   reports.Kind
		first  string
		part   string
		ref    string
		text   string // what the strip says
	}{
		{"acme", reports.KindDaily, "2026-03-08", "hourly.png", "email-chart-acme-hourly.png", "시간대별 상담량과 서비스 레벨, 2026-03-08 상담방 서비스 레벨 %"},
		{"acme", reports.KindWeekly, "2026-03-02", "trend.png", "email-chart-acme-weekly-trend.png", "최근 2주 일별 SQI"},
		{"globex", reports.KindDaily, "2026-03-08", "hourly.png", "email-chart-globex-hourly.png", "Rooms per hour and service level, 2026-03-08 Rooms Service level %"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			d, err := gen.Report(ctx, tc.kind, tc.tenant, date(tc.first))
			if err != nil {
				t.Fatal(err)
			}
			e, err := gen.Email(d, []byte("workbook"))
			if err != nil {
				t.Fatal(err)
			}
			var data []byte
			for _, p := range e.Inline {
				if p.ContentID == tc.part {
					data = p.Data
				}
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("inline %s: %v", tc.part, err)
			}
			// The title and the legend: the top 36 layout pixels (2× in
			// the PNG).
			strip := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), 72))
			draw.Draw(strip, strip.Bounds(), img, image.Point{}, draw.Src)
			ink := 0
			for i := 0; i < len(strip.Pix); i += 4 {
				if strip.Pix[i] < 160 && strip.Pix[i+1] < 160 && strip.Pix[i+2] < 200 {
					ink++
				}
			}
			// A glyph at 13 px (×2) has some 100 dark pixels, a Hangul
			// syllable more: the strip holds at least 50 a character.
			if n := len(strings.ReplaceAll(tc.text, " ", "")); ink < 50*len([]rune(strings.ReplaceAll(tc.text, " ", ""))) {
				t.Errorf("the title strip has %d dark pixels for %d characters: is %q drawn?", ink, n, tc.text)
			}
			path := filepath.Join(fx.Dir(), "golden", tc.ref)
			var out bytes.Buffer
			if err := png.Encode(&out, strip); err != nil {
				t.Fatal(err)
			}
			writeOut(t, tc.ref, out.Bytes())
			if *updateCharts {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reference %s: %v (run with -update-charts once, then look at it)", tc.ref, err)
			}
			ref, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if ref.Bounds() != strip.Bounds() {
				t.Fatalf("strip %v, reference %v", strip.Bounds(), ref.Bounds())
			}
			differ := 0
			b := strip.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r1, g1, b1, _ := strip.At(x, y).RGBA()
					r2, g2, b2, _ := ref.At(x, y).RGBA()
					if absDiff(r1, r2)+absDiff(g1, g2)+absDiff(b1, b2) > 3*0x2000 {
						differ++
					}
				}
			}
			if limit := b.Dx() * b.Dy() / 200; differ > limit {
				t.Errorf("the title strip differs from %s in %d pixels (at most %d): write it with -out and look", tc.ref, differ, limit)
			}
		})
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
