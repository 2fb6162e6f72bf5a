package reports_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
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

// statsJSON is the total row of the body `sqi stats --tenant T --from D
// --to D` prints.
func statsJSON(t *testing.T, db *store.DB, tenant string, from, to time.Time) map[string]any {
	t.Helper()
	res, err := query.Stats(context.Background(), db, query.Query{Tenant: tenant, From: from, To: to, GroupBy: []string{}})
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

// statsRows are the rows of `sqi stats --group-by by` by their key.
func statsRows(t *testing.T, db *store.DB, tenant string, from, to time.Time, by string) map[string]map[string]any {
	t.Helper()
	res, err := query.Stats(context.Background(), db, query.Query{Tenant: tenant, From: from, To: to, GroupBy: []string{by}})
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
	out := map[string]map[string]any{}
	for _, r := range body.Rows {
		out[fmt.Sprint(r[by])] = r
	}
	return out
}

// sheets names a workbook's sheets by key, in the report's locale.
type sheets struct {
	summary, time, agents, teams, channels, categories, rooms, definitions string
}

func sheetsOf(kind reports.Kind, locale string) sheets {
	n := reports.SheetNames(kind, locale)
	return sheets{n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]}
}

func TestWorkbook(t *testing.T) {
	t.Parallel()
	db := seed(t, 2, 40, 100)
	// acme's formula-looking room, opened at 10:00 in Seoul on the day.
	addEvents(t, db, formulaRoom("acme", time.Date(2026, 3, 8, 10, 0, 0, 0, time.FixedZone("KST", 9*3600)), 1<<62))
	runETL(t, db)
	now := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	gen := &reports.Generator{DB: db, Now: func() time.Time { return now }}

	tests := []struct {
		name, tenant string
		kind         reports.Kind
		first, last  time.Time
		length       string // of the period, in the subtitle
		sheets       []string
	}{
		{"daily, seoul, ko", "acme", reports.KindDaily, day, day, "(24 h)",
			[]string{"요약", "시간대별", "상담원", "팀", "채널", "상담 유형", "상담방", "지표 정의"}},
		{"daily, new york, en, spring forward", "globex", reports.KindDaily, day, day, "(23 h)",
			[]string{"Summary", "Hourly", "Agents", "Teams", "Channels", "Categories", "Rooms", "Definitions"}},
		{"weekly, seoul, ko", "acme", reports.KindWeekly, date("2026-03-02"), day, "(7일)",
			[]string{"요약", "일별", "상담원", "팀", "채널", "상담 유형", "상담방", "지표 정의"}},
		{"monthly, new york, en", "globex", reports.KindMonthly, date("2026-02-01"), date("2026-02-28"), "(28 days)",
			[]string{"Summary", "Daily", "Agents", "Teams", "Channels", "Categories", "Rooms", "Definitions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := gen.WriteReport(context.Background(), tc.kind, tc.tenant, tc.first, &buf); err != nil {
				t.Fatal(err)
			}
			p, err := reports.PeriodOf(tc.kind, tc.first)
			if err != nil {
				t.Fatal(err)
			}
			writeOut(t, p.FileName(tc.tenant), buf.Bytes())
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()

			if got := f.GetSheetList(); !slices.Equal(got, tc.sheets) {
				t.Fatalf("sheets %v, want %v", got, tc.sheets)
			}
			sh := sheetsOf(tc.kind, map[string]string{"acme": "ko", "globex": "en"}[tc.tenant])

			// Summary: the SQI and every metric are those of `sqi stats`
			// for the period; durations are Excel times (days).
			stats := statsJSON(t, db, tc.tenant, tc.first, tc.last)
			summary := keyedRows(t, f, sh.summary, 1)
			sqiRow, ok := summary["sqi"]
			if !ok {
				t.Fatal("Summary has no sqi row")
			}
			if got, want := cellNumber(t, f, sh.summary, 3, sqiRow), stats["sqi"]; got != want {
				t.Errorf("Summary SQI %v, sqi stats says %v", got, want)
			}
			if g := cellText(t, f, sh.summary, 3, summary["grade"]); g != stats["grade"] {
				t.Errorf("Summary grade %q, sqi stats says %v", g, stats["grade"])
			}
			for _, m := range metrics.Catalog {
				r, ok := summary[m.Name]
				if !ok {
					t.Errorf("Summary has no row %s", m.Name)
					continue
				}
				got := cellNumber(t, f, sh.summary, 3, r)
				if m.Kind == metrics.Seconds && got != nil {
					got = metrics.Round(got.(float64)*86400, 2)
				}
				if want := stats[m.Name]; got != want {
					t.Errorf("Summary %s = %v, sqi stats says %v", m.Name, got, want)
				}
			}
			if sub := cellText(t, f, sh.summary, 1, 2); !strings.Contains(sub, tc.length) {
				t.Errorf("Summary subtitle %q does not say the period's length %s", sub, tc.length)
			}

			// Number formats: durations as m:ss, percentages; a duration
			// reads 2:35, never seconds.
			checkFormat(t, f, sh.summary, 3, summary["wait_avg_s"], "[m]:ss")
			checkFormat(t, f, sh.summary, 3, summary["service_level_pct"], `"%"`)
			if shown := cellText(t, f, sh.summary, 3, summary["handle_avg_s"]); !regexp.MustCompile(`^\d+:\d\d(:\d\d)?$`).MatchString(shown) {
				t.Errorf("handle_avg_s reads %q, want m:ss or h:mm:ss", shown)
			}

			// The time sheet: 24 hours, or one row per day; a null is
			// empty, never 0.
			timeRows := keyedRows(t, f, sh.time, 1)
			if tc.kind == reports.KindDaily {
				for h := range 24 {
					if _, ok := timeRows[fmt.Sprintf("%02d:00", h)]; !ok {
						t.Errorf("Hourly has no row %02d:00", h)
					}
				}
				if tc.tenant == "globex" { // 02:00 does not exist on the day
					r := timeRows["02:00"]
					if got := cellNumber(t, f, sh.time, columnOf(t, f, sh.time, "rooms"), r); got != 0.0 {
						t.Errorf("Hourly 02:00 rooms %v, want 0", got)
					}
					if got := cellNumber(t, f, sh.time, columnOf(t, f, sh.time, "wait_avg_s"), r); got != nil {
						t.Errorf("Hourly 02:00 wait_avg_s %v, want empty", got)
					}
				}
			} else {
				byDay := statsRows(t, db, tc.tenant, tc.first, tc.last, "day")
				n := 0
				for d := tc.first; !d.After(tc.last); d = d.AddDate(0, 0, 1) {
					n++
					r, ok := timeRows[d.Format(time.DateOnly)]
					if !ok {
						t.Errorf("%s has no row %s", sh.time, d.Format(time.DateOnly))
						continue
					}
					want := byDay[d.Format(time.DateOnly)]
					for _, key := range []string{"rooms", "sqi", "service_level_pct"} {
						if got := cellNumber(t, f, sh.time, columnOf(t, f, sh.time, key), r); got != want[key] {
							t.Errorf("%s %s %s = %v, sqi stats by day says %v", sh.time, d.Format(time.DateOnly), key, got, want[key])
						}
					}
				}
				if got := len(columnValues(t, f, sh.time, 1)); got != n+2 {
					t.Errorf("%s has %d rows, want %d days + 2 header rows", sh.time, got, n)
				}
			}

			// Rooms: one row per room, each room once.
			rooms := int(stats["rooms"].(float64))
			ids := columnValues(t, f, sh.rooms, columnOf(t, f, sh.rooms, "room_id"))
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
			for _, x := range []struct {
				sheet string
				rows  int
			}{{sh.summary, 4}, {sh.time, 2}, {sh.agents, 2}, {sh.rooms, 2}, {sh.definitions, 1}} {
				p, err := f.GetPanes(x.sheet)
				if err != nil || !p.Freeze || p.YSplit != x.rows {
					t.Errorf("%s: panes %+v, %v: want the first %d rows frozen", x.sheet, p, err, x.rows)
				}
			}

			// Every metric key is defined.
			defs := keyedRows(t, f, sh.definitions, 1)
			for _, m := range metrics.Catalog {
				if _, ok := defs[m.Name]; !ok {
					t.Errorf("Definitions has no %s", m.Name)
				}
			}

			// Charts, each referenced from its sheet's drawing: the SQI by
			// day on Summary, the volume with the service level on the
			// time sheet.
			trendCol, trendDays := "J", 14
			switch tc.kind {
			case reports.KindWeekly:
				trendCol = "H"
			case reports.KindMonthly:
				trendCol, trendDays = "H", 28
			}
			trendRef := fmt.Sprintf("'%s'!$%s$5:$%s$%d", sh.summary, trendCol, trendCol, 4+trendDays)
			charts := chartsBySheet(t, buf.Bytes())
			if c := charts[sh.summary]; len(c) != 1 || !hasElem(c[0], "lineChart") || !strings.Contains(html.UnescapeString(c[0]), trendRef) {
				t.Errorf("Summary: want one line chart of %s, got %d charts", trendRef, len(c))
			}
			if c := charts[sh.time]; len(c) != 1 || !hasElem(c[0], "barChart") || !hasElem(c[0], "lineChart") {
				t.Errorf("%s: want one chart with bars and a line, got %d charts", sh.time, len(c))
			} else if len(regexp.MustCompile(`<(c:)?valAx>`).FindAllString(c[0], -1)) != 2 {
				t.Errorf("%s chart: want two value axes (service level on the second)", sh.time)
			}
			for _, s := range []string{sh.rooms, sh.agents, sh.definitions} {
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
		sh := sheetsOf(reports.KindDaily, "ko")
		rooms := keyedRows(t, f, sh.rooms, columnOf(t, f, sh.rooms, "room_id"))
		r, ok := rooms["formula-room"]
		if !ok {
			t.Fatal("Rooms has no formula-room")
		}
		want := map[string]string{"agent_id": `=HYPERLINK("http://evil.example","x")`, "team_id": "+team", "channel": "@chan", "category": "-1+2"}
		for key, text := range want {
			checkText(t, f, sh.rooms, columnOf(t, f, sh.rooms, key), r, text)
		}
		agents := keyedRows(t, f, sh.agents, 1)
		checkText(t, f, sh.agents, 1, agents[want["agent_id"]], want["agent_id"])
		checkText(t, f, sh.teams, 1, keyedRows(t, f, sh.teams, 1)["+team"], "+team")
		checkText(t, f, sh.channels, 1, keyedRows(t, f, sh.channels, 1)["@chan"], "@chan")
		checkText(t, f, sh.categories, 1, keyedRows(t, f, sh.categories, 1)["-1+2"], "-1+2")
	})

	t.Run("a weekly Rooms sheet over its limit", func(t *testing.T) {
		small := &reports.Generator{DB: db, Now: gen.Now, WeeklyRoomsLimit: 50}
		var buf bytes.Buffer
		if err := small.WriteWeekly(context.Background(), "acme", date("2026-03-02"), &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sh := sheetsOf(reports.KindWeekly, "ko")
		ids := columnValues(t, f, sh.rooms, columnOf(t, f, sh.rooms, "room_id"))
		notes := columnValues(t, f, sh.rooms, 1)
		rooms := statsJSON(t, db, "acme", date("2026-03-02"), day)["rooms"]
		want := fmt.Sprintf("기간 중 상담방 %v건 중 처음 50건; 전체 상담방: GET /v1/tenants/acme/rooms?from=2026-03-02&to=2026-03-08", rooms)
		if n := len(ids); n != 2+50+2 || !strings.HasPrefix(notes[n-1], want) {
			t.Errorf("%d rows, the last %q; want 50 rooms and below them %q", n, notes[len(notes)-1], want)
		}
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
