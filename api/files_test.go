package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/etl"
	"sqi/metrics"
)

// fileCase is one download of the file tests.
type fileCase struct {
	name, path string
}

func fileCases() []fileCase {
	r := "from=" + fixFrom + "&to=" + fixTo
	var out []fileCase
	for _, f := range []string{"csv", "arrow", "parquet", "xlsx"} {
		out = append(out,
			fileCase{"sqi " + f, "/v1/tenants/acme/sqi?group_by=day,agent&format=" + f + "&" + r},
			fileCase{"rooms " + f, "/v1/tenants/acme/rooms?format=" + f + "&" + r},
		)
	}
	return append(out,
		fileCase{"daily report", "/v1/tenants/acme/reports/daily/" + fixFrom},
		fileCase{"weekly report", "/v1/tenants/acme/reports/weekly/2025-03-03"},
		fileCase{"monthly report", "/v1/tenants/acme/reports/monthly/2025-03"},
	)
}

// TestHeadAndRange reads every file format as an object-store client does
// (DuckDB's httpfs, a download manager): HEAD gives the length and no
// body; a byte range gives 206 and exactly those bytes of the whole file,
// whatever the range's form (first bytes, middle, suffix, open end,
// several); a range outside the file is 416 with its length; If-Range
// with the ETag gives the range, with another ETag the whole file; a range
// is never compressed, even when gzip is accepted.
func TestHeadAndRange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, fc := range fileCases() {
		t.Run(fc.name, func(t *testing.T) {
			key := f.keys[pReader]
			whole := f.do(t, request{path: fc.path, key: key})
			if whole.Code != http.StatusOK {
				t.Fatalf("GET: status %d: %.300s", whole.Code, whole.Body)
			}
			body := whole.Body.Bytes()
			size := len(body)
			if size < 100 {
				t.Fatalf("a file of %d bytes", size)
			}
			if got := whole.Header().Get("Content-Length"); got != strconv.Itoa(size) {
				t.Errorf("GET: Content-Length %q, body %d bytes", got, size)
			}
			etag := whole.Header().Get("ETag")
			if whole.Header().Get("Accept-Ranges") != "bytes" || !strings.HasPrefix(etag, `"`) {
				t.Errorf("GET: Accept-Ranges %q, ETag %q", whole.Header().Get("Accept-Ranges"), etag)
			}
			// The same request again: the same bytes (ranges of several
			// requests make one file).
			if again := f.do(t, request{path: fc.path, key: key}); !bytes.Equal(again.Body.Bytes(), body) || again.Header().Get("ETag") != etag {
				t.Errorf("a second GET gives other bytes or another ETag")
			}

			head := f.do(t, request{method: http.MethodHead, path: fc.path, key: key})
			if head.Code != http.StatusOK || head.Header().Get("Content-Length") != strconv.Itoa(size) || head.Body.Len() != 0 ||
				head.Header().Get("ETag") != etag || head.Header().Get("Content-Type") != whole.Header().Get("Content-Type") {
				t.Errorf("HEAD: status %d, Content-Length %q (want %d), ETag %q, Content-Type %q, body %d bytes",
					head.Code, head.Header().Get("Content-Length"), size, head.Header().Get("ETag"), head.Header().Get("Content-Type"), head.Body.Len())
			}

			for _, rg := range []struct {
				header   string
				from, to int // inclusive
			}{
				{"bytes=0-3", 0, 3},
				{fmt.Sprintf("bytes=%d-%d", size/3, size/2), size / 3, size / 2},
				{"bytes=-8", size - 8, size - 1}, // the Parquet footer
				{fmt.Sprintf("bytes=%d-", size-20), size - 20, size - 1},
				{fmt.Sprintf("bytes=0-%d", size+1000), 0, size - 1},
			} {
				for _, ae := range []string{"", "gzip"} {
					w := f.do(t, request{path: fc.path, key: key, header: map[string]string{"Range": rg.header, "Accept-Encoding": ae}})
					want := body[rg.from : rg.to+1]
					cr := fmt.Sprintf("bytes %d-%d/%d", rg.from, rg.to, size)
					if w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), want) || w.Header().Get("Content-Range") != cr ||
						w.Header().Get("Content-Length") != strconv.Itoa(len(want)) || w.Header().Get("Content-Encoding") != "" {
						t.Errorf("Range %s (Accept-Encoding %q): status %d, Content-Range %q (want %q), Content-Length %q, Content-Encoding %q, %d bytes equal %v",
							rg.header, ae, w.Code, w.Header().Get("Content-Range"), cr, w.Header().Get("Content-Length"),
							w.Header().Get("Content-Encoding"), w.Body.Len(), bytes.Equal(w.Body.Bytes(), want))
					}
				}
			}
			multi := f.do(t, request{path: fc.path, key: key, header: map[string]string{"Range": "bytes=0-1,4-5"}})
			if multi.Code != http.StatusPartialContent || !strings.HasPrefix(multi.Header().Get("Content-Type"), "multipart/byteranges") {
				t.Errorf("two ranges: status %d, Content-Type %q", multi.Code, multi.Header().Get("Content-Type"))
			}

			out := f.do(t, request{path: fc.path, key: key, header: map[string]string{"Range": fmt.Sprintf("bytes=%d-", size)}})
			if out.Code != http.StatusRequestedRangeNotSatisfiable || out.Header().Get("Content-Range") != fmt.Sprintf("bytes */%d", size) {
				t.Errorf("Range outside: status %d, Content-Range %q", out.Code, out.Header().Get("Content-Range"))
			} else if p := problemOf(t, out); !strings.Contains(p.Detail, strconv.Itoa(size)) {
				t.Errorf("416 detail does not give the length: %s", p.Detail)
			}

			same := f.do(t, request{path: fc.path, key: key, header: map[string]string{"Range": "bytes=0-3", "If-Range": etag}})
			changed := f.do(t, request{path: fc.path, key: key, header: map[string]string{"Range": "bytes=0-3", "If-Range": `"not-this-one"`}})
			if same.Code != http.StatusPartialContent || changed.Code != http.StatusOK || !bytes.Equal(changed.Body.Bytes(), body) {
				t.Errorf("If-Range: same ETag %d (want 206), another %d (want 200 and the whole file)", same.Code, changed.Code)
			}
		})
	}
}

// TestCSVBOMAndLabels reads back csv with bom=true and lang=ko (and en):
// the UTF-8 byte-order mark first, a record of labels in the language
// (the metrics' and room fields' own), then the names and the same records
// as without the options; bom and lang are refused where they do not
// apply.
func TestCSVBOMAndLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := "from=" + fixFrom + "&to=" + fixTo
	for _, base := range []string{
		"/v1/tenants/acme/sqi?group_by=day,agent&compare=previous_period&" + r,
		"/v1/tenants/acme/rooms?" + r,
	} {
		plain := f.do(t, request{path: base + "&format=csv", key: f.keys[pReader]}).Body.Bytes()
		for _, lang := range []string{"ko", "en"} {
			w := f.do(t, request{path: base + "&format=csv&bom=true&lang=" + lang, key: f.keys[pReader]})
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			raw := w.Body.Bytes()
			if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF")) {
				t.Fatalf("%s lang=%s: no byte-order mark: % x", base, lang, raw[:3])
			}
			recs, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want, _ := csv.NewReader(bytes.NewReader(plain)).ReadAll()
			if len(recs) != len(want)+1 || strings.Join(recs[1], ",") != strings.Join(want[0], ",") {
				t.Fatalf("%s: %d records (want %d and the label row); names %v", base, len(recs), len(want)+1, recs[1])
			}
			for i := range want[1:] {
				if strings.Join(recs[i+2], ",") != strings.Join(want[i+1], ",") {
					t.Fatalf("%s: record %d differs from the csv without bom and lang", base, i)
				}
			}
			hangul := 0
			for i, name := range recs[1] {
				label := recs[0][i]
				if wantLabel := labelOf(name, lang, strings.Contains(base, "/rooms")); wantLabel != "" && label != wantLabel {
					t.Errorf("%s lang=%s: %s labelled %q, want %q", base, lang, name, label, wantLabel)
				}
				if strings.ContainsFunc(label, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }) {
					hangul++
				}
			}
			if (lang == "ko") != (hangul > len(recs[1])/2) {
				t.Errorf("%s lang=%s: %d of %d labels in Hangul", base, lang, hangul, len(recs[1]))
			}
		}
	}
	for _, bad := range []string{"format=json&bom=true", "format=parquet&lang=ko", "format=csv&bom=yes", "format=xlsx&lang=fr", "format=csv&lang="} {
		w := f.do(t, request{path: "/v1/tenants/acme/sqi?" + r + "&" + bad, key: f.keys[pReader]})
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, w.Code)
		} else if p := problemOf(t, w); p.Param != "bom" && p.Param != "lang" {
			t.Errorf("%s: param %q", bad, p.Param)
		}
	}
}

// labelOf is the label of a column: a room field's in the room export, a
// metric's from the catalog in /sqi (after the term previous or change
// under those); "" for the other columns.
func labelOf(name, lang string, rooms bool) string {
	if rooms {
		if f, ok := metrics.RoomFieldByName(name); ok {
			return f.Label(lang)
		}
		return ""
	}
	prefix := ""
	for _, p := range []string{"previous", "change"} {
		if rest, ok := strings.CutPrefix(name, p+"."); ok {
			name, prefix = rest, metrics.Terms[p].Label(lang)+" "
		}
	}
	if m, ok := metrics.MetricIndex(name); ok {
		return prefix + metrics.Catalog[m].Label(lang)
	}
	return ""
}

// TestXLSXLabelsAndDefinitions reads back the xlsx of lang=ko: labels above
// the names, the data below unchanged, and a Definitions sheet (정의) that
// defines every column in Korean, from the catalog and the room fields,
// with no English sentence.
func TestXLSXLabelsAndDefinitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := "from=" + fixFrom + "&to=" + fixTo
	for _, tc := range []struct{ base, sheet string }{
		{"/v1/tenants/acme/sqi?group_by=week,channel&" + r, "sqi"},
		{"/v1/tenants/acme/rooms?" + r, "rooms"},
	} {
		plain := readSheet(t, f.do(t, request{path: tc.base + "&format=xlsx", key: f.keys[pReader]}).Body.Bytes(), tc.sheet)
		body := f.do(t, request{path: tc.base + "&format=xlsx&lang=ko", key: f.keys[pReader]}).Body.Bytes()
		rows := readSheet(t, body, tc.sheet)
		if len(rows) != len(plain)+1 || strings.Join(rows[1], ",") != strings.Join(plain[0], ",") {
			t.Fatalf("%s: %d rows, want %d; names %v", tc.base, len(rows), len(plain)+1, rows[1])
		}
		for i := range plain {
			if strings.Join(rows[i+1], ",") != strings.Join(plain[i], ",") {
				t.Fatalf("%s: row %d differs from the workbook without lang", tc.base, i)
			}
		}
		defs := readSheet(t, body, "지표 정의")
		if len(defs) != len(rows[1])+1 {
			t.Fatalf("%s: the Definitions sheet has %d rows for %d columns", tc.base, len(defs), len(rows[1]))
		}
		for i, name := range rows[1] {
			d := defs[i+1]
			if len(d) < 3 || d[0] != name || d[1] != rows[0][i] {
				t.Errorf("%s: definition row %v for column %s (label %s)", tc.base, d, name, rows[0][i])
				continue
			}
			want := ""
			if rf, ok := metrics.RoomFieldByName(name); ok && tc.sheet == "rooms" {
				want = rf.DefKO
			} else if m, ok := metrics.MetricIndex(name); ok && tc.sheet == "sqi" {
				want = metrics.Catalog[m].DefinitionKO
			} else if term := metrics.Terms[name]; term != nil {
				want = term.DefKO
			} else if strings.HasPrefix(name, "components.") {
				want = metrics.Terms["components"].DefKO
			}
			if want == "" || d[2] != want {
				t.Errorf("%s: %s defined %q, want %q", tc.base, name, d[2], want)
			}
			if englishSentence(d[2]) {
				t.Errorf("%s: %s defined in English: %q", tc.base, name, d[2])
			}
		}
	}
}

// englishSentence reports whether s holds an English sentence: one of the
// words every English definition uses (identifiers such as room_opened or
// kakao are not sentences).
func englishSentence(s string) bool {
	for _, w := range strings.Fields(strings.ToLower(s)) {
		switch strings.Trim(w, ".,;:()") {
		case "the", "of", "and", "or", "is", "are", "when", "with", "over", "rooms", "room", "minus":
			return true
		}
	}
	return false
}

func readSheet(t *testing.T, body []byte, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("xlsx sheet %s (sheets %v): %v", sheet, x.GetSheetList(), err)
	}
	return rows
}

// TestFormulaText: text from the feed that looks like a formula (=, +, -,
// @, a tab) reaches every format as text: csv with a ' before it (exact
// with escape=false), xlsx as a text cell with no formula, JSON, Arrow and
// Parquet exactly as it is.
func TestFormulaText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	evil := map[string]string{ // column: text
		"category": `=HYPERLINK("http://x.example","a")`,
		"channel":  "+web",
		"agent_id": "@agent",
		"team_id":  "-team",
	}
	ctx := t.Context()
	for col, text := range evil {
		// Half the rooms get the text, so that the others keep theirs.
		if _, err := f.db.Pool.Exec(ctx, `UPDATE chat_events SET `+col+` = $1 WHERE tenant_id = 'acme' AND `+col+` IS NOT NULL AND hashtext(room_id) % 2 = 0`, text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.db.Pool.Exec(ctx, `DELETE FROM room_facts; DELETE FROM room_blocks; DELETE FROM rejects; DELETE FROM etl_state`); err != nil {
		t.Fatal(err)
	}
	runETL(t, f)
	r := "from=" + fixFrom + "&to=" + fixTo
	for _, base := range []string{"/v1/tenants/acme/sqi?group_by=category,channel,agent,team&" + r, "/v1/tenants/acme/rooms?" + r} {
		for _, format := range []string{"json", "csv", "csv&escape=false", "arrow", "parquet", "xlsx"} {
			w := f.do(t, request{path: base + "&format=" + format, key: f.keys[pReader]})
			if w.Code != http.StatusOK {
				t.Fatalf("%s: status %d", format, w.Code)
			}
			reader := strings.TrimSuffix(format, "&escape=false")
			strs := bodyStrings(t, reader, w.Body.Bytes())
			for col, text := range evil {
				want := text
				if format == "csv" {
					want = "'" + text
				}
				found := false
				for _, s := range strs {
					found = found || s == want
				}
				if !found {
					t.Errorf("%s %s: %s %q is not in the answer as %q", base, format, col, text, want)
				}
			}
			if reader == "xlsx" {
				x, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				sheet := x.GetSheetList()[0]
				rows, _ := x.GetRows(sheet)
				for i, row := range rows {
					for j, v := range row {
						cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
						if formula, _ := x.GetCellFormula(sheet, cell); formula != "" {
							t.Errorf("xlsx %s holds a formula %q", cell, formula)
						}
						if strings.HasPrefix(v, "=") || strings.HasPrefix(v, "@") || strings.HasPrefix(v, "+") {
							if typ, _ := x.GetCellType(sheet, cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
								t.Errorf("xlsx %s %q is of type %v, not text", cell, v, typ)
							}
						}
					}
				}
				x.Close()
			}
		}
	}
}

// TestPeriodOnDSTDay: globex, put in America/New_York by its manager, whose clocks spring
// forward on 2025-03-09 at 02:00. period_start and period_end parse as
// instants with the tenant's offset of that instant: the day lasts 23
// hours, hour 01:00 ends at 03:00 EDT, and the Parquet columns are
// timestamps in the tenant's zone holding the same instants.
func TestPeriodOnDSTDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ny, _ := time.LoadLocation("America/New_York")
	put := f.do(t, request{method: http.MethodPut, path: "/v1/tenants/globex/config", key: f.keys[pOtherManager],
		body: `{"name": "Globex", "timezone": "America/New_York"}`, header: map[string]string{"Content-Type": "application/json"}})
	if put.Code != http.StatusOK {
		t.Fatalf("PUT config: %d %s", put.Code, put.Body)
	}
	for _, tc := range []struct {
		groupBy, key, value string
		start, end          string
	}{
		{"day", "day", "2025-03-09", "2025-03-09T00:00:00-05:00", "2025-03-10T00:00:00-04:00"},
		{"week", "week", "2025-03-03", "2025-03-03T00:00:00-05:00", "2025-03-10T00:00:00-04:00"},
		{"month", "month", "2025-03", "2025-03-01T00:00:00-05:00", "2025-04-01T00:00:00-04:00"},
	} {
		path := "/v1/tenants/globex/sqi?from=" + fixFrom + "&to=" + fixTo + "&group_by=" + tc.groupBy
		var body struct {
			Rows []map[string]any `json:"rows"`
		}
		decodeInto(t, f.do(t, request{path: path, key: f.keys[pOtherReader]}).Body.Bytes(), &body)
		var row map[string]any
		for _, r := range body.Rows {
			if r[tc.key] == tc.value {
				row = r
			}
		}
		if row == nil {
			t.Fatalf("%s: no row %s in %d rows", tc.groupBy, tc.value, len(body.Rows))
		}
		for _, b := range []struct{ name, want string }{{"period_start", tc.start}, {"period_end", tc.end}} {
			got, _ := row[b.name].(string)
			at, err := time.Parse(time.RFC3339, got)
			if err != nil || got != b.want {
				t.Errorf("%s %s: %s = %q, want %q", tc.groupBy, tc.value, b.name, got, b.want)
				continue
			}
			if _, off := at.Zone(); off != func() int { _, o := at.In(ny).Zone(); return o }() {
				t.Errorf("%s %s: %s %s does not carry New York's offset of that instant", tc.groupBy, tc.value, b.name, got)
			}
		}
		if tc.groupBy == "day" {
			// Every hour of the day: starts at its local hour with that
			// hour's offset; 01:00 ends at 03:00 EDT (02:00 does not
			// exist), the others an hour later.
			var hours struct {
				Rows []map[string]any `json:"rows"`
			}
			decodeInto(t, f.do(t, request{path: strings.Replace(path, "group_by=day", "group_by=hour", 1), key: f.keys[pOtherReader]}).Body.Bytes(), &hours)
			n := 0
			for _, r := range hours.Rows {
				h, ok := strings.CutPrefix(r["hour"].(string), "2025-03-09T")
				if !ok {
					continue
				}
				n++
				hh, _ := strconv.Atoi(h[:2])
				start := time.Date(2025, 3, 9, hh, 0, 0, 0, ny)
				end := start.Add(time.Hour)
				if hh == 1 {
					end = time.Date(2025, 3, 9, 3, 0, 0, 0, ny)
				}
				if r["period_start"] != start.Format(time.RFC3339) || r["period_end"] != end.Format(time.RFC3339) {
					t.Errorf("hour %s: period %v..%v, want %s..%s", r["hour"], r["period_start"], r["period_end"], start.Format(time.RFC3339), end.Format(time.RFC3339))
				}
			}
			if n < 5 {
				t.Errorf("only %d hours of 2025-03-09 have rooms", n)
			}
		}
		// The same instants in Parquet, as timestamps in the zone.
		pq := f.do(t, request{path: path + "&format=parquet", key: f.keys[pOtherReader]})
		tbl := decodeParquet(t, pq.Body.Bytes(), ny)
		col := func(name string) int {
			for i, h := range tbl.header {
				if h == name {
					return i
				}
			}
			t.Fatalf("parquet has no column %s: %v", name, tbl.header)
			return -1
		}
		want := normTime(mustTime(t, tc.start).In(ny))
		found := false
		for _, r := range tbl.rows {
			found = found || r[col("period_start")] == want
		}
		if !found {
			t.Errorf("%s: no Parquet row with period_start %s", tc.groupBy, want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLongEqualsWide: shape=long holds every value of the wide rows, one
// row per group and measure (every metric, sqi, each component), with
// compare's previous and change too, in JSON and in CSV.
func TestLongEqualsWide(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, q := range []string{"group_by=day,agent", "group_by=hour,channel&compare=previous_period", "compare=previous_year"} {
		base := "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo + "&" + q
		var wide, long struct {
			GroupBy []string         `json:"group_by"`
			Rows    []map[string]any `json:"rows"`
		}
		decodeInto(t, f.do(t, request{path: base, key: f.keys[pReader]}).Body.Bytes(), &wide)
		decodeInto(t, f.do(t, request{path: base + "&shape=long", key: f.keys[pReader]}).Body.Bytes(), &long)
		keyOf := func(row map[string]any) string {
			var b strings.Builder
			for _, k := range wide.GroupBy {
				fmt.Fprintf(&b, "%v|", row[metrics.KeyColumn(k)])
			}
			fmt.Fprintf(&b, "%v|%v", row["period_start"], row["period_end"])
			return b.String()
		}
		got := map[string]map[string]any{}
		for _, lr := range long.Rows {
			got[keyOf(lr)+"|"+lr["metric"].(string)] = lr
		}
		n := 0
		for _, wr := range wide.Rows {
			flat := map[string]any{}
			flatten(flat, "", wr)
			for name, v := range flat {
				if name == "grade" || strings.HasPrefix(name, "previous.") || strings.HasPrefix(name, "change.") || name == "period_start" || name == "period_end" || isKey(name) {
					continue
				}
				lr, ok := got[keyOf(wr)+"|"+name]
				if !ok {
					t.Fatalf("%s: no long row for %s of %s", q, name, keyOf(wr))
				}
				n++
				if fmt.Sprint(lr["value"]) != fmt.Sprint(v) {
					t.Errorf("%s: %s of %s: long %v, wide %v", q, name, keyOf(wr), lr["value"], v)
				}
				if strings.Contains(q, "compare") && (fmt.Sprint(lr["previous"]) != fmt.Sprint(flat["previous."+name]) || fmt.Sprint(lr["change"]) != fmt.Sprint(flat["change."+name])) {
					t.Errorf("%s: %s of %s: long previous %v change %v, wide %v %v", q, name, keyOf(wr), lr["previous"], lr["change"], flat["previous."+name], flat["change."+name])
				}
			}
		}
		if n != len(long.Rows) || n < metrics.NumMetrics {
			t.Errorf("%s: %d long rows, %d wide values", q, len(long.Rows), n)
		}
	}
}

func isKey(name string) bool {
	for _, k := range metrics.GroupKeys {
		if metrics.KeyColumn(k) == name {
			return true
		}
	}
	return false
}

// TestCompareIsTwoQueries: compare=previous_period gives each row the
// values of the same group in a separate query of the previous period
// (the same day shifted by the number of days, the same agent); change is
// this minus previous; a group without rooms then has rooms 0.
func TestCompareIsTwoQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type body struct {
		PreviousFrom string           `json:"previous_from"`
		PreviousTo   string           `json:"previous_to"`
		Rows         []map[string]any `json:"rows"`
	}
	var cur, prev body
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?from=2025-03-08&to=2025-03-09&group_by=day,agent&compare=previous_period", key: f.keys[pReader]}).Body.Bytes(), &cur)
	if cur.PreviousFrom != "2025-03-06" || cur.PreviousTo != "2025-03-07" {
		t.Fatalf("previous range %s..%s, want 2025-03-06..2025-03-07", cur.PreviousFrom, cur.PreviousTo)
	}
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?from=2025-03-06&to=2025-03-07&group_by=day,agent", key: f.keys[pReader]}).Body.Bytes(), &prev)
	byKey := map[string]map[string]any{}
	for _, r := range prev.Rows {
		byKey[fmt.Sprint(r["day"], r["agent_id"])] = r
	}
	matched, empty := 0, 0
	for _, r := range cur.Rows {
		day, _ := time.Parse(time.DateOnly, r["day"].(string))
		p, ok := byKey[fmt.Sprint(day.AddDate(0, 0, -2).Format(time.DateOnly), r["agent_id"])]
		got := r["previous"].(map[string]any)
		if !ok {
			empty++
			if got["rooms"] != float64(0) {
				t.Errorf("%v %v: no rooms then, previous rooms %v", r["day"], r["agent_id"], got["rooms"])
			}
			continue
		}
		matched++
		for _, d := range metrics.Catalog {
			if fmt.Sprint(got[d.Name]) != fmt.Sprint(p[d.Name]) {
				t.Errorf("%v %v: previous %s %v, the separate query %v", r["day"], r["agent_id"], d.Name, got[d.Name], p[d.Name])
			}
			this, okThis := r[d.Name].(float64)
			before, okBefore := p[d.Name].(float64)
			change := r["change"].(map[string]any)[d.Name]
			if okThis && okBefore {
				if c, _ := change.(float64); metrics.Round(this-before, 2) != c {
					t.Errorf("%s: change %v, want %v − %v", d.Name, change, this, before)
				}
			} else if change != nil {
				t.Errorf("%s: change %v of a null", d.Name, change)
			}
		}
		if fmt.Sprint(got["sqi"], got["grade"]) != fmt.Sprint(p["sqi"], p["grade"]) {
			t.Errorf("previous sqi %v %v, the separate query %v %v", got["sqi"], got["grade"], p["sqi"], p["grade"])
		}
	}
	if matched == 0 || empty == 0 {
		t.Errorf("%d rows matched a previous group and %d had none: the fixture tests neither", matched, empty)
	}
}

// runETL processes the fixture's events again.
func runETL(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := (&etl.Runner{Source: f.db.Pool, Store: f.db}).RunOnce(t.Context()); err != nil {
		t.Fatalf("etl: %v", err)
	}
}

// TestCompareYear: compare=previous_year gives each month's row, by
// channel, the values of a separate query of the same dates a year
// before, by channel (acme's events are copied a year back for it).
func TestCompareYear(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score)
SELECT event_id + 500000000, tenant_id, 'y-' || room_id, type, occurred_at - interval '1 year', actor, agent_id, team_id, channel, category, score
FROM chat_events WHERE tenant_id = 'acme' AND hashtext(room_id) % 3 <> 0`); err != nil {
		t.Fatal(err)
	}
	runETL(t, f)
	var cur, prev struct {
		PreviousFrom string           `json:"previous_from"`
		Rows         []map[string]any `json:"rows"`
	}
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?from=2025-03-07&to=2025-03-09&group_by=month,channel&compare=previous_year", key: f.keys[pReader]}).Body.Bytes(), &cur)
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?from=2024-03-07&to=2024-03-09&group_by=channel", key: f.keys[pReader]}).Body.Bytes(), &prev)
	if cur.PreviousFrom != "2024-03-07" || len(cur.Rows) < 3 || len(prev.Rows) != len(cur.Rows) {
		t.Fatalf("previous from %s; %d rows, a year before %d", cur.PreviousFrom, len(cur.Rows), len(prev.Rows))
	}
	for i, r := range cur.Rows {
		p, got := prev.Rows[i], r["previous"].(map[string]any)
		if r["channel"] != p["channel"] {
			t.Fatalf("row %d: channel %v, a year before %v", i, r["channel"], p["channel"])
		}
		for _, name := range []string{"rooms", "answered", "wait_p90_s", "reply_avg_s", "score_avg", "sqi", "grade"} {
			if fmt.Sprint(got[name]) != fmt.Sprint(p[name]) {
				t.Errorf("%v: previous %s %v, the query of a year before %v", r["channel"], name, got[name], p[name])
			}
		}
		if fmt.Sprint(got["rooms"]) == fmt.Sprint(r["rooms"]) {
			t.Errorf("%v: as many rooms a year before (%v): the copy of two rooms in three does not test it", r["channel"], got["rooms"])
		}
	}
}
