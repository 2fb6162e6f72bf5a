package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
	"sqi/query"
	"sqi/reports"
	"sqi/store"
)

// statsJSON is the body `sqi stats --tenant T --from D --to D` prints.
func statsJSON(t *testing.T, db *store.DB, tenant string, d time.Time) map[string]any {
	t.Helper()
	res, err := query.Stats(context.Background(), db, query.Query{Tenant: tenant, From: d, To: d, GroupBy: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	return body.Rows[0]
}

func TestWorkbook(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 10, 300)
	// acme's formula-looking room, opened at 10:00 in Seoul on the day.
	addEvents(t, db, formulaRoom("acme", time.Date(2026, 3, 8, 10, 0, 0, 0, time.FixedZone("KST", 9*3600)), 1<<62))
	runETL(t, db)
	now := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}

	tests := []struct {
		name, tenant string
		hours        float64 // length of the local day
		unit         string  // seconds in the number format
	}{
		{"seoul ko", "acme", 24, "초"},
		{"new york en, spring forward", "globex", 23, "s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := gen.WriteDaily(context.Background(), tc.tenant, day, &buf); err != nil {
				t.Fatal(err)
			}
			writeOut(t, reports.FileName(tc.tenant, day), buf.Bytes())
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			if got := f.GetSheetList(); !slices.Equal(got, reports.Sheets) {
				t.Fatalf("sheets %v, want %v", got, reports.Sheets)
			}
			want := []string{"Summary", "Hourly", "Agents", "Teams", "Channels", "Categories", "Rooms", "Definitions"}
			if !slices.Equal(reports.Sheets, want) {
				t.Fatalf("reports.Sheets %v, want %v", reports.Sheets, want)
			}

			// Summary: the SQI and every metric are those of `sqi stats`.
			stats := statsJSON(t, db, tc.tenant, day)
			summary := keyedRows(t, f, "Summary", 1)
			sqiRow, ok := summary["sqi"]
			if !ok {
				t.Fatal("Summary has no sqi row")
			}
			if got, want := cellNumber(t, f, "Summary", 3, sqiRow), stats["sqi"]; got != want {
				t.Errorf("Summary SQI %v, sqi stats says %v", got, want)
			}
			if g := cellText(t, f, "Summary", 3, summary["grade"]); g != stats["grade"] {
				t.Errorf("Summary grade %q, sqi stats says %v", g, stats["grade"])
			}
			for _, m := range metrics.Catalog {
				r, ok := summary[m.Name]
				if !ok {
					t.Errorf("Summary has no row %s", m.Name)
					continue
				}
				if got, want := cellNumber(t, f, "Summary", 3, r), stats[m.Name]; got != want {
					t.Errorf("Summary %s = %v, sqi stats says %v", m.Name, got, want)
				}
			}
			if sub := cellText(t, f, "Summary", 1, 2); !strings.Contains(sub, fmt.Sprintf("(%.0f h)", tc.hours)) {
				t.Errorf("Summary subtitle %q does not say the day has %.0f hours", sub, tc.hours)
			}

			// Number formats: durations and percentages.
			checkFormat(t, f, "Summary", 3, summary["wait_avg_s"], `"`+tc.unit+`"`)
			checkFormat(t, f, "Summary", 3, summary["service_level_pct"], `"%"`)

			// Hourly: 24 rows, and a null is empty, never 0.
			hourly := keyedRows(t, f, "Hourly", 1)
			for h := range 24 {
				if _, ok := hourly[fmt.Sprintf("%02d:00", h)]; !ok {
					t.Errorf("Hourly has no row %02d:00", h)
				}
			}
			if tc.tenant == "globex" { // 02:00 does not exist on the day
				r := hourly["02:00"]
				if got := cellNumber(t, f, "Hourly", columnOf(t, f, "Hourly", "rooms"), r); got != 0.0 {
					t.Errorf("Hourly 02:00 rooms %v, want 0", got)
				}
				if got := cellNumber(t, f, "Hourly", columnOf(t, f, "Hourly", "wait_avg_s"), r); got != nil {
					t.Errorf("Hourly 02:00 wait_avg_s %v, want empty", got)
				}
			}
			// The first days of the 14-day trend have no data: empty SQI.
			if got := cellNumber(t, f, "Summary", 10, 5); got != nil {
				t.Errorf("trend SQI of a day without rooms = %v, want empty", got)
			}

			// Rooms: one row per room, each room once.
			rooms := int(stats["rooms"].(float64))
			ids := columnValues(t, f, "Rooms", columnOf(t, f, "Rooms", "room_id"))
			if len(ids)-2 != rooms {
				t.Errorf("Rooms has %d rows, want %d (one per room) + 2 header rows", len(ids)-2, rooms)
			}
			seen := map[string]bool{}
			for _, id := range ids[2:] {
				if seen[id] {
					t.Errorf("room %s twice", id)
				}
				seen[id] = true
			}
			for _, tc := range []struct {
				sheet string
				rows  int
			}{{"Summary", 4}, {"Hourly", 2}, {"Agents", 2}, {"Rooms", 2}, {"Definitions", 1}} {
				p, err := f.GetPanes(tc.sheet)
				if err != nil || !p.Freeze || p.YSplit != tc.rows {
					t.Errorf("%s: panes %+v, %v: want the first %d rows frozen", tc.sheet, p, err, tc.rows)
				}
			}

			// Every metric key is defined.
			defs := keyedRows(t, f, "Definitions", 1)
			for _, m := range metrics.Catalog {
				if _, ok := defs[m.Name]; !ok {
					t.Errorf("Definitions has no %s", m.Name)
				}
			}

			// Charts, each referenced from its sheet's drawing.
			charts := chartsBySheet(t, buf.Bytes())
			if c := charts["Summary"]; len(c) != 1 || !hasElem(c[0], "lineChart") || !strings.Contains(c[0], "Summary!$J$5:$J$18") {
				t.Errorf("Summary: want one line chart of Summary!$J$5:$J$18, got %d charts", len(c))
			}
			if c := charts["Hourly"]; len(c) != 1 || !hasElem(c[0], "barChart") || !hasElem(c[0], "lineChart") {
				t.Errorf("Hourly: want one chart with bars and a line, got %d charts", len(c))
			} else if len(regexp.MustCompile(`<(c:)?valAx>`).FindAllString(c[0], -1)) != 2 {
				t.Errorf("Hourly chart: want two value axes (service level on the second)")
			}
			for _, s := range []string{"Rooms", "Agents", "Definitions"} {
				if len(charts[s]) != 0 {
					t.Errorf("%s has %d charts, want none", s, len(charts[s]))
				}
			}
		})
	}

	t.Run("formula-looking text is text", func(t *testing.T) {
		var buf bytes.Buffer
		if err := gen.WriteDaily(context.Background(), "acme", day, &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rooms := keyedRows(t, f, "Rooms", columnOf(t, f, "Rooms", "room_id"))
		r, ok := rooms["formula-room"]
		if !ok {
			t.Fatal("Rooms has no formula-room")
		}
		want := map[string]string{"agent_id": `=HYPERLINK("http://evil.example","x")`, "team_id": "+team", "channel": "@chan", "category": "-1+2"}
		for key, text := range want {
			checkText(t, f, "Rooms", columnOf(t, f, "Rooms", key), r, text)
		}
		agents := keyedRows(t, f, "Agents", 1)
		checkText(t, f, "Agents", 1, agents[want["agent_id"]], want["agent_id"])
		checkText(t, f, "Teams", 1, keyedRows(t, f, "Teams", 1)["+team"], "+team")
		checkText(t, f, "Channels", 1, keyedRows(t, f, "Channels", 1)["@chan"], "@chan")
		checkText(t, f, "Categories", 1, keyedRows(t, f, "Categories", 1)["-1+2"], "-1+2")
	})

	t.Run("unknown tenant", func(t *testing.T) {
		var buf bytes.Buffer
		err := gen.WriteDaily(context.Background(), "nobody", day, &buf)
		if err == nil || !strings.Contains(err.Error(), "unknown tenant") || buf.Len() != 0 {
			t.Errorf("err %v, %d bytes written; want unknown tenant and nothing written", err, buf.Len())
		}
	})
}

// keyedRows maps the text of column col to its row number.
func keyedRows(t *testing.T, f *excelize.File, sheet string, col int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i, v := range columnValues(t, f, sheet, col) {
		if _, dup := out[v]; v != "" && !dup {
			out[v] = i + 1
		}
	}
	return out
}

func columnValues(t *testing.T, f *excelize.File, sheet string, col int) []string {
	t.Helper()
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		v := ""
		if len(cols) >= col {
			v = cols[col-1]
		}
		out = append(out, v)
	}
	return out
}

// columnOf finds the column whose key (row 2) is key.
func columnOf(t *testing.T, f *excelize.File, sheet, key string) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) < 2 {
		t.Fatalf("%s: %v", sheet, err)
	}
	for i, v := range rows[1] {
		if v == key {
			return i + 1
		}
	}
	t.Fatalf("%s has no column %s", sheet, key)
	return 0
}

func cellName(t *testing.T, col, row int) string {
	t.Helper()
	c, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cellNumber is the raw number in a cell, nil when the cell is empty, as
// a decoded JSON number would be.
func cellNumber(t *testing.T, f *excelize.File, sheet string, col, row int) any {
	t.Helper()
	v, err := f.GetCellValue(sheet, cellName(t, col, row), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q: not a number", sheet, cellName(t, col, row), v)
	}
	return n
}

func cellText(t *testing.T, f *excelize.File, sheet string, col, row int) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cellName(t, col, row))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkText checks that a cell holds text (a shared or inline string),
// not a formula.
func checkText(t *testing.T, f *excelize.File, sheet string, col, row int, want string) {
	t.Helper()
	if row == 0 {
		t.Errorf("%s: no row for %q", sheet, want)
		return
	}
	cell := cellName(t, col, row)
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	formula, err := f.GetCellFormula(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	v := cellText(t, f, sheet, col, row)
	if (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) || formula != "" || v != want {
		t.Errorf("%s!%s: type %v, formula %q, value %q; want the text %q", sheet, cell, typ, formula, v, want)
	}
}

func checkFormat(t *testing.T, f *excelize.File, sheet string, col, row int, want string) {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cellName(t, col, row))
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if s.CustomNumFmt == nil || !strings.Contains(*s.CustomNumFmt, want) {
		t.Errorf("%s!%s: number format %v, want one with %s", sheet, cellName(t, col, row), s.CustomNumFmt, want)
	}
}

// chartsBySheet reads the package: for each sheet, the XML of the charts
// its drawing references (sheet → its rels → drawing → its rels → chart).
func chartsBySheet(t *testing.T, xlsx []byte) map[string][]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(b)
	}
	type rel struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:"Target,attr"`
	}
	rels := func(part string) map[string]string {
		dir, base := path.Split(part)
		var r struct {
			Rels []rel `xml:"Relationship"`
		}
		raw, ok := files[dir+"_rels/"+base+".rels"]
		if !ok {
			return nil
		}
		if err := xml.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, x := range r.Rels {
			target := x.Target
			if !strings.HasPrefix(target, "/") {
				target = path.Join(dir, target)
			}
			out[x.ID] = strings.TrimPrefix(target, "/")
		}
		return out
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal([]byte(files["xl/workbook.xml"]), &wb); err != nil {
		t.Fatal(err)
	}
	wbRels := rels("xl/workbook.xml")
	out := map[string][]string{}
	for _, s := range wb.Sheets {
		sheetPart := wbRels[s.ID]
		var ws struct {
			Drawing struct {
				ID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
			} `xml:"drawing"`
		}
		if err := xml.Unmarshal([]byte(files[sheetPart]), &ws); err != nil {
			t.Fatalf("%s: %v", sheetPart, err)
		}
		if ws.Drawing.ID == "" {
			continue
		}
		drawingPart, ok := rels(sheetPart)[ws.Drawing.ID]
		if _, exists := files[drawingPart]; !ok || !exists {
			t.Errorf("%s: drawing %s is not in the package", s.Name, ws.Drawing.ID)
			continue
		}
		dRels := rels(drawingPart)
		for _, m := range regexpChartRef.FindAllStringSubmatch(files[drawingPart], -1) {
			chartPart := dRels[m[1]]
			chart, ok := files[chartPart]
			if !ok {
				t.Errorf("%s: chart %s of %s is not in the package", s.Name, m[1], drawingPart)
				continue
			}
			out[s.Name] = append(out[s.Name], chart)
		}
	}
	return out
}

var regexpChartRef = regexp.MustCompile(`<c:chart [^>]*r:id="([^"]+)"`)

// hasElem reports whether the chart XML has the element, with or without
// the c: prefix.
func hasElem(xml, name string) bool {
	return strings.Contains(xml, "<"+name+">") || strings.Contains(xml, "<c:"+name+">")
}
