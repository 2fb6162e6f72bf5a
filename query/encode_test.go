package query_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
)

// encRoom is a hand-built room of 2026-11-24 (Asia/Seoul), opened at
// 10:00 local plus open seconds; durations are seconds, NaN when absent.
type encRoom struct {
	open                        float64
	queued, assigned, closed    float64 // seconds after opening; NaN: no such event
	agent, team, channel, cat   string
	first, assignedResp, wrapup float64
	dropped                     bool
	transfers                   int
	score                       int16
	replies, custReplies        []metrics.Turn
	invalid                     string
}

var encT0 = time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC) // 10:00 in Seoul

func (e encRoom) room() *metrics.Room {
	at := func(s float64) time.Time {
		if math.IsNaN(s) {
			return time.Time{}
		}
		return encT0.Add(time.Duration((e.open + s) * float64(time.Second)))
	}
	r := &metrics.Room{
		TenantID: "demo", RoomID: "r",
		OpenedAt: at(0), QueuedAt: at(e.queued), AssignedAt: at(e.assigned), ClosedAt: at(e.closed),
		FirstAgentAt: at(e.first), AssignedReplyAt: at(e.assigned + e.assignedResp), WrapupAt: at(e.closed + e.wrapup),
		Agent: e.agent, Team: e.team, Channel: e.channel, Category: e.cat,
		Dropped: e.dropped, Transfers: e.transfers, Score: e.score,
		Replies: e.replies, CustomerReplies: e.custReplies, InvalidReason: e.invalid,
	}
	return r
}

var encNaN = math.NaN()

// encTurn is a turn of s seconds (NaN: unanswered).
func encTurn(agent string, s float64) metrics.Turn {
	t := metrics.Turn{Agent: agent, OpenedAt: encT0}
	if !math.IsNaN(s) {
		t.AnsweredAt = encT0.Add(time.Duration(math.Round(s*1e6)) * time.Microsecond)
	}
	return t
}

// encRooms is the small case of testdata/encode_agent.{json,csv}; the
// expected numbers are worked out by hand below.
var encRooms = []encRoom{
	// R1: a1, wait 20 (in SL), handle 300, turns 10, 20 and one left open,
	// one customer reply turn of 2.675 s (rounds to 2.68), score 5.
	{open: 0, queued: 5, assigned: 25, closed: 325, agent: "a1", team: "billing", channel: "web", cat: "refund",
		first: 30, assignedResp: 5, wrapup: 40, score: 5,
		replies: []metrics.Turn{encTurn("a1", 10), encTurn("a1", 20), encTurn("a1", encNaN)}, custReplies: []metrics.Turn{encTurn("a1", 2.675)}},
	// R2: a1, wait 40 (out of SL), handle 200, one turn of a1 (30 s) and
	// one answered by a2 (40 s), who owns no room; one transfer; score 3.
	{open: 600, queued: 0, assigned: 40, closed: 240, agent: "a1", team: "tech", channel: "app", cat: "bug",
		first: 50, assignedResp: 8, wrapup: 20, score: 3, transfers: 1,
		replies: []metrics.Turn{encTurn("a1", 30), encTurn("a2", 40)}},
	// R3: abandoned after 60 s.
	{open: 1200, queued: 2, assigned: encNaN, closed: 62, team: "billing", channel: "web",
		first: encNaN, assignedResp: encNaN, wrapup: encNaN},
	// R4: bot-only, surveyed (score 4).
	{open: 1800, queued: encNaN, assigned: encNaN, closed: 100, channel: "kakao", first: encNaN, assignedResp: encNaN, wrapup: encNaN, score: 4},
	// R5: short abandon after 2 s.
	{open: 2400, queued: 1, assigned: encNaN, closed: 3, team: "tech", channel: "web", first: encNaN, assignedResp: encNaN, wrapup: encNaN},
	// R6: contradictory: counts in rooms only, its score included.
	{open: 3000, queued: 50, assigned: encNaN, closed: 10, team: "tech", channel: "web", first: encNaN, assignedResp: encNaN, wrapup: encNaN,
		score: 1, invalid: metrics.RejectClosedBeforeQueued},
}

// The values of testdata/encode_agent.json, by hand
// (default configuration: SL 30 s, short abandon 5 s; plus "handle",
// weight 0, on handle_avg_s, target 300, worst 900).
//
//	a1:   rooms 2, queued 2, answered 2, offered 2, answered_in_sl 1,
//	      service_level 50, abandon_rate 0, wait avg 30, p50 30,
//	      p90 20 + 0.9 × 20 = 38, max 40, first response (30+50)/2 = 40,
//	      assigned response 6.5, dropped 0 of 2 closed (0 %), reply turns
//	      4 (10, 20, open, 30), unanswered 1, reply avg 20,
//	      p90 20 + 0.8 × 10 = 28, customer reply 2.675 → 2.68, handle 250,
//	      wrapup 30, transfers 1, surveys 2, score 4, csat 50, rate 100.
//	      points: service_level 0, wait 100 × (30−120)/(15−120) = 85.71,
//	      response 100 × (20−180)/(30−180) = 106.7 → 100, satisfaction
//	      100 × (4−3)/1.8 = 55.56, abandonment 100 × (0−20)/(2−20) → 100,
//	      handle 100 × (250−900)/(300−900) → 100 (weight 0).
//	      sqi (15 × 85.714 + 20 × 100 + 30 × 55.556 + 10 × 100) / 100
//	      = 59.52 → 59.5, grade C.
//	a2:   rooms 0, reply turns 1 (40 s), reply avg and p90 40; every
//	      ratio null (empty denominators). response 100 × 140/150 = 93.33;
//	      sqi 93.3 (response only), grade A.
//	null: rooms 4 (R3..R6), bot_only 1, queued 2, abandoned 1, short 1,
//	      offered 1, service_level 0, abandon_rate 100, surveys 1 (R4;
//	      R6's score does not count), score 4, csat 100, survey_rate null
//	      (no answered closed room). points: service_level 0,
//	      satisfaction 55.56, abandonment 0; sqi 30 × 55.556 / 65 = 25.64
//	      → 25.6, grade D.

func encConfig() metrics.Config {
	c := metrics.DefaultConfig("demo")
	c.Name = "Demo"
	c.Components["handle"] = metrics.Component{Metric: "handle_avg_s", Target: 300, Worst: 900, Weight: 0}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	return c
}

// encResult aggregates rooms as Stats would, for one local day.
func encResult(t *testing.T, cfg metrics.Config, groupBy string, rooms []encRoom) *query.Result {
	t.Helper()
	q, err := query.Parse(query.Params{Tenant: cfg.TenantID, From: "2026-11-24", To: "2026-11-24", GroupBy: groupBy})
	if err != nil {
		t.Fatal(err)
	}
	agg := metrics.NewAggregator(&cfg, q.From, q.To, q.GroupBy)
	for _, r := range rooms {
		agg.Add(r.room())
	}
	return &query.Result{Query: q, Config: cfg, Rows: agg.Rows()}
}

func encGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("SQI_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (SQI_UPDATE_GOLDEN=1 writes it; check it by hand)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:  %q\nwant: %q", name, got, want)
	}
}

func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	res := encResult(t, encConfig(), "agent", encRooms)
	var j, c bytes.Buffer
	if err := res.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteCSV(&c, export.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	// The golden JSON is indented for reading: the body itself is compact.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, j.Bytes(), "", "  "); err != nil {
		t.Fatalf("WriteJSON is not JSON: %v", err)
	}
	encGolden(t, "encode_agent.json", pretty.Bytes())
	encGolden(t, "encode_agent.csv", c.Bytes())
	xcCheckCSVMatchesJSON(t, res, j.Bytes())

	// A few of the hand-worked numbers, spelled out.
	rows := encRows(t, j.Bytes())
	if len(rows) != 3 {
		t.Fatalf("want rows a1, a2, null; got %d", len(rows))
	}
	for _, c := range []struct {
		row  int
		key  string
		want any
	}{
		{0, "agent_id", "a1"}, {0, "wait_p90_s", json.Number("38")}, {0, "reply_p90_s", json.Number("28")},
		{0, "customer_reply_avg_s", json.Number("2.68")}, {0, "sqi", json.Number("59.5")}, {0, "grade", "C"},
		{1, "agent_id", "a2"}, {1, "rooms", json.Number("0")}, {1, "reply_avg_s", json.Number("40")},
		{1, "service_level_pct", nil}, {1, "sqi", json.Number("93.3")}, {1, "grade", "A"},
		{2, "agent_id", nil}, {2, "rooms", json.Number("4")}, {2, "surveys", json.Number("1")},
		{2, "survey_rate_pct", nil}, {2, "abandon_rate_pct", json.Number("100")}, {2, "sqi", json.Number("25.6")},
	} {
		if got := rows[c.row][c.key]; got != c.want {
			t.Errorf("row %d %s: got %v, want %v", c.row, c.key, got, c.want)
		}
	}
	comps, _ := rows[0]["components"].(map[string]any)
	for name, want := range map[string]any{"service_level": json.Number("0"), "wait": json.Number("85.71"),
		"response": json.Number("100"), "satisfaction": json.Number("55.56"), "abandonment": json.Number("100"),
		"handle": json.Number("100")} {
		if comps[name] != want {
			t.Errorf("a1 components.%s: got %v, want %v", name, comps[name], want)
		}
	}
}

// encRows decodes the rows of a JSON body, numbers as json.Number.
func encRows(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var doc struct {
		Rows []map[string]any `json:"rows"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return doc.Rows
}

// encKeyOrder returns the keys of the JSON object that starts at the
// decoder's position, in order, with their raw values.
func encKeyOrder(t *testing.T, dec *json.Decoder) (keys []string, vals []json.RawMessage) {
	t.Helper()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("want an object, got %v %v", tok, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		vals = append(vals, raw)
	}
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	return keys, vals
}

// TestJSONShape checks the body of docs/api.md key by key, in order, for
// several groupings of the hand-built rooms.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	cfg := encConfig()
	names := []string{"abandonment", "handle", "response", "satisfaction", "service_level", "wait"}
	for _, groupBy := range []string{"", "agent", "day,team", "hour,channel,category", "week,month"} {
		res := encResult(t, cfg, groupBy, encRooms)
		var b bytes.Buffer
		if err := res.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		body := b.Bytes()
		if !json.Valid(body) {
			t.Fatalf("group_by %q: not JSON: %s", groupBy, body)
		}
		for _, bad := range []string{"NaN", "Inf", "e+", "e-"} {
			if bytes.Contains(body, []byte(bad)) {
				t.Errorf("group_by %q: body contains %q", groupBy, bad)
			}
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		keys, vals := encKeyOrder(t, dec)
		if want := []string{"tenant_id", "from", "to", "timezone", "hours", "group_by", "rows"}; !slices.Equal(keys, want) {
			t.Fatalf("group_by %q: top-level keys %v, want %v", groupBy, keys, want)
		}
		for i, want := range []string{`"demo"`, `"2026-11-24"`, `"2026-11-24"`, `"Asia/Seoul"`, `"all"`} {
			if string(vals[i]) != want {
				t.Errorf("group_by %q: %s = %s, want %s", groupBy, keys[i], vals[i], want)
			}
		}
		var gb []string
		if err := json.Unmarshal(vals[5], &gb); err != nil || gb == nil || !slices.Equal(gb, res.Query.GroupBy) {
			t.Errorf("group_by %q: group_by = %s, want an array of %v", groupBy, vals[5], res.Query.GroupBy)
		}

		var wantRow []string
		timed := false
		for _, k := range res.Query.GroupBy {
			wantRow = append(wantRow, metrics.KeyColumn(k))
			timed = timed || k == "hour" || k == "day" || k == "week" || k == "month"
		}
		if timed {
			wantRow = append(wantRow, "period_start", "period_end")
		}
		for _, d := range metrics.Catalog {
			wantRow = append(wantRow, d.Name)
		}
		wantRow = append(wantRow, "sqi", "grade", "components")

		rd := json.NewDecoder(bytes.NewReader(vals[6]))
		rd.UseNumber()
		if tok, err := rd.Token(); err != nil || tok != json.Delim('[') {
			t.Fatalf("rows: %v %v", tok, err)
		}
		n := 0
		for rd.More() {
			rowKeys, rowVals := encKeyOrder(t, rd)
			if !slices.Equal(rowKeys, wantRow) {
				t.Fatalf("group_by %q row %d: keys\n%v\nwant\n%v", groupBy, n, rowKeys, wantRow)
			}
			for i, k := range rowKeys {
				v := string(rowVals[i])
				switch {
				case k == "period_start" || k == "period_end":
					if _, err := time.Parse(time.RFC3339, strings.Trim(v, `"`)); err != nil || !strings.HasPrefix(v, `"`) {
						t.Errorf("row %d %s = %s: want an RFC 3339 instant", n, k, v)
					}
				case i < len(res.Query.GroupBy) || k == "grade":
					if v != "null" && !strings.HasPrefix(v, `"`) {
						t.Errorf("row %d %s = %s: want a string or null", n, k, v)
					}
				case k == "components":
					cd := json.NewDecoder(bytes.NewReader(rowVals[i]))
					ck, cv := encKeyOrder(t, cd)
					if !slices.Equal(ck, names) {
						t.Errorf("row %d components %v, want every configured component %v", n, ck, names)
					}
					for j, p := range cv {
						encCheckNumber(t, "components."+ck[j], string(p), 2, 0, 100)
					}
				case k == "sqi":
					encCheckNumber(t, k, v, 1, 0, 100)
				default:
					m, _ := metrics.MetricIndex(k)
					places := 2
					if metrics.Catalog[m].Kind == metrics.Count {
						places = 0
					}
					encCheckNumber(t, k, v, places, 0, math.Inf(1))
				}
			}
			n++
		}
		if n != len(res.Rows) || n == 0 {
			t.Errorf("group_by %q: %d rows in the body, %d in the result", groupBy, n, len(res.Rows))
		}
		if groupBy == "" && n != 1 {
			t.Errorf("no group_by: %d rows, want 1", n)
		}
	}
}

// encCheckNumber checks a JSON value that must be null or a plain
// decimal number with at most places decimals, in [lo, hi].
func encCheckNumber(t *testing.T, name, v string, places int, lo, hi float64) {
	t.Helper()
	if v == "null" {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || strings.ContainsAny(v, "eE+") {
		t.Errorf("%s = %s: not a plain number", name, v)
		return
	}
	if i := strings.IndexByte(v, '.'); i >= 0 && len(v)-i-1 > places {
		t.Errorf("%s = %s: more than %d decimals", name, v, places)
	}
	if f < lo || f > hi {
		t.Errorf("%s = %s: outside [%v, %v]", name, v, lo, hi)
	}
}

// TestJSONNulls: a range with no rooms is one row, rooms 0, every other
// metric that has a denominator null, and no NaN anywhere; so is a group
// whose only content is a turn.
func TestJSONNulls(t *testing.T) {
	t.Parallel()
	res := encResult(t, encConfig(), "", nil)
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	rows := encRows(t, b.Bytes())
	if len(rows) != 1 {
		t.Fatalf("no rooms: %d rows, want 1", len(rows))
	}
	for _, d := range metrics.Catalog {
		v := rows[0][d.Name]
		if d.Kind == metrics.Count {
			if v != json.Number("0") {
				t.Errorf("no rooms: %s = %v, want 0", d.Name, v)
			}
		} else if v != nil {
			t.Errorf("no rooms: %s = %v, want null", d.Name, v)
		}
	}
	if rows[0]["sqi"] != nil || rows[0]["grade"] != nil {
		t.Errorf("no rooms: sqi %v grade %v, want null", rows[0]["sqi"], rows[0]["grade"])
	}
	comps, _ := rows[0]["components"].(map[string]any)
	if len(comps) != 6 {
		t.Errorf("no rooms: components %v, want all 6 configured, null", comps)
	}
	for k, v := range comps {
		if v != nil {
			t.Errorf("no rooms: components.%s = %v, want null", k, v)
		}
	}
	xcCheckCSVMatchesJSON(t, res, b.Bytes())
}

// TestCSVQuoting: key values with commas, quotes, line breaks and Korean
// survive RFC 4180 and read back as the JSON's.
func TestCSVQuoting(t *testing.T) {
	t.Parallel()
	rooms := slices.Clone(encRooms)
	rooms[0].cat = "환불, \"긴급\"\nline 2"
	rooms[1].cat = "=1+2"
	rooms[2].cat = " spaced "
	res := encResult(t, encConfig(), "category,channel", rooms)
	var j bytes.Buffer
	if err := res.WriteJSON(&j); err != nil {
		t.Fatal(err)
	}
	xcCheckCSVMatchesJSON(t, res, j.Bytes())
	var c bytes.Buffer
	if err := res.WriteCSV(&c, export.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	// A line break inside a quoted field stays as it was.
	if !bytes.Contains(c.Bytes(), []byte("\"환불, \"\"긴급\"\"\nline 2\",web,")) {
		t.Errorf("CSV does not quote the category as RFC 4180 says:\n%s", c.Bytes())
	}
	// By default formula-looking text is not a formula.
	if !bytes.Contains(c.Bytes(), []byte("\r\n'=1+2,")) {
		t.Errorf("CSV writes =1+2 without the ' that keeps it text:\n%s", c.Bytes())
	}
}

// xcCheckCSVMatchesJSON checks that WriteCSV is RFC 4180 (CRLF line ends,
// header of docs/api.md as Header says) and carries the values of the JSON
// body, cell by cell: an empty cell is null.
func xcCheckCSVMatchesJSON(t *testing.T, res *query.Result, body []byte) {
	t.Helper()
	var c bytes.Buffer
	if err := res.WriteCSV(&c, export.CSVOptions{Exact: true}); err != nil {
		t.Fatal(err)
	}
	raw := c.Bytes()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("CSV does not end with CRLF")
	}
	// Every line break outside quotes is CRLF.
	inQuotes := false
	for i, ch := range raw {
		switch {
		case ch == '"':
			inQuotes = !inQuotes
		case ch == '\n' && !inQuotes && (i == 0 || raw[i-1] != '\r'):
			t.Errorf("CSV: bare LF at byte %d", i)
			return
		}
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = 0 // every record as long as the header
	var recs [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		recs = append(recs, rec)
	}
	// The header: key columns, metric names, sqi, grade, components.<name>.
	var header []string
	timed := false
	for _, k := range res.Query.GroupBy {
		header = append(header, metrics.KeyColumn(k))
		timed = timed || k == "hour" || k == "day" || k == "week" || k == "month"
	}
	if timed {
		header = append(header, "period_start", "period_end")
	}
	for _, d := range metrics.Catalog {
		header = append(header, d.Name)
	}
	header = append(header, "sqi", "grade")
	var names []string
	for n := range res.Config.Components {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		header = append(header, "components."+n)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("CSV header:\n%v\nwant\n%v", recs[0:min(1, len(recs))], header)
	}
	if !slices.Equal(res.Header(), header) {
		t.Errorf("Result.Header() = %v, want %v", res.Header(), header)
	}
	rows := encRows(t, body)
	if len(recs)-1 != len(rows) {
		t.Fatalf("CSV has %d rows, JSON %d", len(recs)-1, len(rows))
	}
	for i, row := range rows {
		rec := recs[i+1]
		for j, col := range header {
			var v any
			if comp, ok := strings.CutPrefix(col, "components."); ok {
				v = row["components"].(map[string]any)[comp]
			} else {
				v = row[col]
			}
			cellOK := false
			switch x := v.(type) {
			case nil:
				cellOK = rec[j] == ""
			case string:
				cellOK = rec[j] == x
			case bool:
				cellOK = rec[j] == strconv.FormatBool(x)
			case json.Number:
				a, err1 := strconv.ParseFloat(string(x), 64)
				b, err2 := strconv.ParseFloat(rec[j], 64)
				cellOK = err1 == nil && err2 == nil && a == b && string(x) == rec[j]
			}
			if !cellOK {
				t.Errorf("CSV row %d %s = %q, JSON %v", i, col, rec[j], v)
			}
		}
	}
}

// TestGradeOfShownSQI: the grade is that of the SQI as shown, rounded to
// 1 decimal (docs/metrics.md): 84.96 shows as 85 and is an A, not a B.
func TestGradeOfShownSQI(t *testing.T) {
	t.Parallel()
	// One turn of 52.56 s is the only scored value: response points
	// 100 × (52.56 − 180) / (30 − 180) = 84.96.
	rooms := []encRoom{{open: 0, queued: 0, assigned: 10, closed: 100, agent: "a1", first: encNaN, assignedResp: 5, wrapup: encNaN,
		replies: []metrics.Turn{encTurn("a9", 52.56)}}}
	res := encResult(t, encConfig(), "agent", rooms)
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	rows := encRows(t, b.Bytes())
	if len(rows) != 2 || rows[1]["agent_id"] != "a9" {
		t.Fatalf("want rows a1, a9: %v", rows)
	}
	if rows[1]["sqi"] != json.Number("85") || rows[1]["grade"] != "A" {
		t.Errorf("a9: sqi %v grade %v, want 85 and A", rows[1]["sqi"], rows[1]["grade"])
	}
}
