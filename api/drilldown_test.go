package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sqi/api"
	"sqi/etl"
)

// roomRows reads a /rooms JSON answer of every room (limit 10000) as
// decoded objects.
func roomRows(t *testing.T, f *fixture, query string) []map[string]any {
	t.Helper()
	w := f.do(t, request{path: "/v1/tenants/acme/rooms?limit=10000&from=" + fixFrom + "&to=" + fixTo + query, key: f.keys[pReader]})
	if w.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", query, w.Code, w.Body)
	}
	var body struct {
		Rooms      []map[string]any `json:"rooms"`
		NextCursor *string          `json:"next_cursor"`
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.NextCursor != nil {
		t.Fatalf("%s: more than one page", query)
	}
	return body.Rooms
}

func roomIDs(rows []map[string]any) []string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r["room_id"].(string))
	}
	return ids
}

// TestRoomFilters: each filter of /rooms selects exactly the rooms whose
// row of the unfiltered export shows the value asked for (the export's
// columns decide, under the tenant's configuration and hours); filters
// combine with AND; the drill-down from a /sqi row gives its rooms (the
// rooms of an agent's row, its abandoned ones); every filter is checked.
func TestRoomFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Some rooms not closed yet, for outcome=open.
	if _, err := f.db.Pool.Exec(t.Context(), `DELETE FROM chat_events WHERE tenant_id = 'acme' AND type = 'room_closed' AND hashtext(room_id) % 9 = 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool.Exec(t.Context(), `DELETE FROM room_facts; DELETE FROM room_blocks; DELETE FROM rejects; DELETE FROM etl_state`); err != nil {
		t.Fatal(err)
	}
	runETL(t, f)
	// Business hours, so that in_hours and wait_gt in business time mean
	// something: Monday to Friday 09:00-18:00.
	put := f.do(t, request{method: http.MethodPut, path: "/v1/tenants/acme/config", key: f.keys[pManager], header: map[string]string{"Content-Type": "application/json"},
		body: `{"name": "Acme", "business_hours": {"weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]}}}`})
	if put.Code != http.StatusOK {
		t.Fatalf("PUT config: %d %s", put.Code, put.Body)
	}
	all := roomRows(t, f, "")
	var agent, team string
	for _, r := range all {
		if a, ok := r["agent_id"].(string); ok && agent == "" {
			agent = a
		}
		if tm, ok := r["team_id"].(string); ok && team == "" {
			team = tm
		}
	}
	num := func(v any) (float64, bool) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		x, err := n.Float64()
		return x, err == nil
	}
	tests := []struct {
		query string
		keep  func(r map[string]any) bool
	}{
		{"&agent_id=" + url.QueryEscape(agent), func(r map[string]any) bool { return r["agent_id"] == agent }},
		{"&agent_id=", func(r map[string]any) bool { return r["agent_id"] == nil }},
		{"&team_id=" + url.QueryEscape(team), func(r map[string]any) bool { return r["team_id"] == team }},
		{"&channel=web", func(r map[string]any) bool { return r["channel"] == "web" }},
		{"&category=", func(r map[string]any) bool { return r["category"] == nil }},
		{"&outcome=bot_only", func(r map[string]any) bool { return r["outcome"] == "bot_only" }},
		{"&outcome=answered", func(r map[string]any) bool { return r["outcome"] == "answered" }},
		{"&outcome=abandoned", func(r map[string]any) bool { return r["outcome"] == "abandoned" }},
		{"&outcome=short_abandoned", func(r map[string]any) bool { return r["outcome"] == "short_abandoned" }},
		{"&outcome=dropped", func(r map[string]any) bool { return r["dropped"] == true }},
		{"&outcome=open", func(r map[string]any) bool { return r["closed_at"] == nil }},
		{"&wait_gt=30", func(r map[string]any) bool { w, ok := num(r["wait_s"]); return ok && w > 30 }},
		{"&wait_gt=30&hours=business", nil}, // checked against the business export below
		{"&score_lte=3", func(r map[string]any) bool { s, ok := num(r["score"]); return ok && s <= 3 }},
		{"&in_hours=true", func(r map[string]any) bool { return r["in_hours"] == true }},
		{"&in_hours=false&outcome=answered&channel=app", func(r map[string]any) bool {
			return r["in_hours"] == false && r["outcome"] == "answered" && r["channel"] == "app"
		}},
	}
	business := roomRows(t, f, "&hours=business")
	for _, tt := range tests {
		src, keep := all, tt.keep
		if keep == nil {
			src = business
			keep = func(r map[string]any) bool { w, ok := num(r["wait_s"]); return ok && w > 30 }
		}
		var want []map[string]any
		for _, r := range src {
			if keep(r) {
				want = append(want, r)
			}
		}
		got := roomRows(t, f, tt.query)
		if !slices.Equal(roomIDs(got), roomIDs(want)) {
			t.Errorf("%s: %d rooms, the export shows %d", tt.query, len(got), len(want))
		}
		if len(want) == 0 || len(want) == len(src) {
			t.Errorf("%s selects %d of %d rooms: the fixture does not test it", tt.query, len(want), len(src))
		}
		// The files hold the same rooms.
		w := f.do(t, request{path: "/v1/tenants/acme/rooms?format=csv&from=" + fixFrom + "&to=" + fixTo + tt.query, key: f.keys[pReader]})
		if n := strings.Count(w.Body.String(), "\r\n") - 1; n != len(want) {
			t.Errorf("%s: csv has %d rooms, want %d", tt.query, n, len(want))
		}
	}

	// The drill-down from /sqi rows: an agent's rooms, its abandoned ones.
	var sqi struct {
		Rows []map[string]any `json:"rows"`
	}
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?group_by=agent,channel&from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]}).Body.Bytes(), &sqi)
	checked := 0
	for _, row := range sqi.Rows {
		a, _ := row["agent_id"].(string) // "" for the null group
		ch, _ := row["channel"].(string)
		q := "&agent_id=" + url.QueryEscape(a) + "&channel=" + url.QueryEscape(ch)
		if n := len(roomRows(t, f, q)); float64(n) != row["rooms"] {
			t.Errorf("agent %q channel %q: %d rooms, /sqi %v", a, ch, n, row["rooms"])
		}
		if n := len(roomRows(t, f, q+"&outcome=abandoned")); float64(n) != row["abandoned"] {
			t.Errorf("agent %q channel %q: %d abandoned rooms, /sqi %v", a, ch, n, row["abandoned"])
		}
		checked++
		if checked == 12 {
			break
		}
	}

	for _, bad := range []struct{ query, param string }{
		{"&outcome=lost", "outcome"}, {"&wait_gt=-1", "wait_gt"}, {"&wait_gt=NaN", "wait_gt"}, {"&wait_gt=abc", "wait_gt"},
		{"&score_lte=0", "score_lte"}, {"&score_lte=6", "score_lte"}, {"&score_lte=2.5", "score_lte"},
		{"&in_hours=yes", "in_hours"}, {"&agent_id=%00", "agent_id"}, {"&channel=%FF", "channel"},
		{"&category=" + strings.Repeat("x", 1001), "category"}, {"&team_id=a&team_id=b", "team_id"},
	} {
		w := f.do(t, request{path: "/v1/tenants/acme/rooms?from=" + fixFrom + "&to=" + fixTo + bad.query, key: f.keys[pReader]})
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad.query, w.Code)
			continue
		}
		if p := problemOf(t, w); p.Param != bad.param || !strings.Contains(p.Detail, bad.param) {
			t.Errorf("%s: param %q, detail %q", bad.query, p.Param, p.Detail)
		}
	}
}

// TestRoomFilterPages: a filter that keeps few rooms pages through them
// with the cursor, none twice, none missed, across the store's pages.
func TestRoomFilterPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	want := roomIDs(roomRows(t, f, "&outcome=answered&channel=web"))
	var got []string
	cursor := ""
	for range 100 {
		path := "/v1/tenants/acme/rooms?limit=3&outcome=answered&channel=web&from=" + fixFrom + "&to=" + fixTo
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Rooms      []map[string]any `json:"rooms"`
			NextCursor *string          `json:"next_cursor"`
		}
		decodeInto(t, f.do(t, request{path: path, key: f.keys[pReader]}).Body.Bytes(), &page)
		got = append(got, roomIDs(page.Rooms)...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if !slices.Equal(got, want) || len(want) < 4 {
		t.Errorf("pages of 3 hold %d rooms, the filter %d", len(got), len(want))
	}
	// A cursor belongs to its query: the same position under another
	// range, filter or hours would skip rooms silently, so it is refused.
	var first struct {
		NextCursor *string `json:"next_cursor"`
	}
	base := "/v1/tenants/acme/rooms?limit=3&outcome=answered&channel=web&from=" + fixFrom + "&to=" + fixTo
	decodeInto(t, f.do(t, request{path: base, key: f.keys[pReader]}).Body.Bytes(), &first)
	if first.NextCursor == nil {
		t.Fatal("no second page")
	}
	if w := f.do(t, request{path: base + "&cursor=" + *first.NextCursor, key: f.keys[pReader]}); w.Code != http.StatusOK {
		t.Errorf("the cursor with its own query: %d", w.Code)
	}
	for _, other := range []string{
		"/v1/tenants/acme/rooms?limit=3&outcome=answered&channel=web&from=" + fixFrom + "&to=" + fixFrom, // another to
		"/v1/tenants/acme/rooms?limit=3&outcome=answered&from=" + fixFrom + "&to=" + fixTo,               // a filter dropped
		"/v1/tenants/acme/rooms?limit=3&outcome=answered&channel=app&from=" + fixFrom + "&to=" + fixTo,   // another filter value
		base + "&hours=business", // other hours
		base + "&agent_id=",      // rooms without an agent: a filter of its own
	} {
		w := f.do(t, request{path: other + "&cursor=" + *first.NextCursor, key: f.keys[pReader]})
		var p struct{ Param string }
		decodeInto(t, w.Body.Bytes(), &p)
		if w.Code != http.StatusBadRequest || p.Param != "cursor" {
			t.Errorf("%s with another query's cursor: %d %q, want 400 cursor", other, w.Code, p.Param)
		}
	}
}

// TestRoomDetail: GET …/rooms/{room} gives the room's row of the export,
// its turns (as many as its reply_turns), every event of chat_events in
// (occurred_at, event_id) order, and its rejects, a rejected event marked
// with its reason; a room id with / and % in it works percent-encoded; an
// unknown room is 404.
func TestRoomDetail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	var room string
	if err := f.db.Pool.QueryRow(ctx, `SELECT room_id FROM room_facts WHERE tenant_id = 'acme' AND cardinality(reply_opened_at) > 1 ORDER BY room_id LIMIT 1`).Scan(&room); err != nil {
		t.Fatal(err)
	}
	// A score out of range is rejected; a room whose id holds / and %.
	const odd = "odd/room%1 ü"
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, score)
SELECT 900000001, 'acme', $1, 'survey_submitted', max(occurred_at) + interval '1 minute', 7 FROM chat_events WHERE tenant_id = 'acme' AND room_id = $1`, room); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, channel) VALUES (900000002, 'acme', $1, 'room_opened', '2025-03-08 10:00:00+09', 'web')`, odd); err != nil {
		t.Fatal(err)
	}
	if _, err := (&etl.Runner{Source: f.db.Pool, Store: f.db}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	w := f.do(t, request{path: "/v1/tenants/acme/rooms/" + url.PathEscape(room), key: f.keys[pReader]})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var d struct {
		RoomID string         `json:"room_id"`
		Room   map[string]any `json:"room"`
		Turns  map[string][]struct {
			OpenedAt   string   `json:"opened_at"`
			AnsweredAt *string  `json:"answered_at"`
			Seconds    *float64 `json:"seconds"`
		} `json:"turns"`
		Events []struct {
			EventID    int64   `json:"event_id"`
			Type       string  `json:"type"`
			OccurredAt string  `json:"occurred_at"`
			Score      *int    `json:"score"`
			Rejected   *string `json:"rejected"`
		} `json:"events"`
		Rejects []struct {
			EventID *int64 `json:"event_id"`
			Reason  string `json:"reason"`
		} `json:"rejects"`
	}
	decodeInto(t, w.Body.Bytes(), &d)
	// The room's row is its row of the export.
	var whole struct {
		Room map[string]any `json:"room"`
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&whole); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range roomRows(t, f, "") {
		if r["room_id"] == room {
			found = true
			a, _ := json.Marshal(r)
			b, _ := json.Marshal(whole.Room)
			if !bytes.Equal(a, b) {
				t.Errorf("room row\n got %s\nwant %s", b, a)
			}
		}
	}
	if !found {
		t.Errorf("room %s is not in the export", room)
	}
	turns, _ := strconv.Atoi(fmt.Sprint(d.Room["reply_turns"]))
	if d.RoomID != room || len(d.Turns["reply"]) != turns || turns < 2 {
		t.Errorf("room %q: %d reply turns, the row says %d", d.RoomID, len(d.Turns["reply"]), turns)
	}
	for _, tr := range d.Turns["reply"] {
		if (tr.AnsweredAt == nil) != (tr.Seconds == nil) {
			t.Errorf("turn %+v: answered and seconds disagree", tr)
		}
	}
	rows, err := f.db.Pool.Query(ctx, `SELECT event_id FROM chat_events WHERE tenant_id = 'acme' AND room_id = $1 ORDER BY occurred_at, event_id`, room)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	var got []int64
	var last time.Time
	for i, e := range d.Events {
		got = append(got, e.EventID)
		at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		if err != nil || at.Before(last) || !strings.HasSuffix(e.OccurredAt, "+09:00") {
			t.Errorf("event %d at %q: not in order, or not with the tenant's offset", i, e.OccurredAt)
		}
		last = at
		if (e.EventID == 900000001) != (e.Rejected != nil) {
			t.Errorf("event %d: rejected %v", e.EventID, e.Rejected)
		}
	}
	if !slices.Equal(got, ids) || len(ids) < 5 {
		t.Errorf("events %v, chat_events has %v", got, ids)
	}
	if len(d.Rejects) != 1 || d.Rejects[0].EventID == nil || *d.Rejects[0].EventID != 900000001 {
		t.Errorf("rejects %+v, want the score of 7", d.Rejects)
	}

	if w := f.do(t, request{path: "/v1/tenants/acme/rooms/" + url.PathEscape(odd), key: f.keys[pReader]}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"room_id":"odd/room%1 ü"`) {
		t.Errorf("room %q: status %d: %.300s", odd, w.Code, w.Body)
	}
	for _, path := range []string{"/v1/tenants/acme/rooms/nosuch", "/v1/tenants/acme/rooms/" + url.PathEscape(room) + "x"} {
		if w := f.do(t, request{path: path, key: f.keys[pReader]}); w.Code != http.StatusNotFound || problemOf(t, w).Param != "room" {
			t.Errorf("%s: status %d", path, w.Code)
		}
	}
	// Another tenant's room is not found, even by its id.
	if w := f.do(t, request{path: "/v1/tenants/acme/rooms/" + url.PathEscape(room), key: f.keys[pOtherManager]}); w.Code != http.StatusNotFound {
		t.Errorf("globex's manager on acme's room: %d", w.Code)
	}
	if w := f.do(t, request{path: "/v1/tenants/acme/rooms/" + url.PathEscape(room) + "?hours=later", key: f.keys[pReader]}); w.Code != http.StatusBadRequest {
		t.Errorf("bad hours: %d", w.Code)
	}
}

// TestConfigPreview: the preview of a configuration is what /sqi answers
// once it is stored, its current side what /sqi answers now; nothing is
// saved; a bad document is refused as PUT refuses it.
func TestConfigPreview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := "from=" + fixFrom + "&to=" + fixTo
	proposed := `{"name": "Acme", "sl_threshold_s": 10, "components": {"wait": {"metric": "wait_p90_s", "target": 10, "worst": 60, "weight": 1}}}`
	ct := map[string]string{"Content-Type": "application/json"}
	before := f.do(t, request{path: "/v1/tenants/acme/config", key: f.keys[pManager]}).Body.String()
	cur := map[string]string{}
	for _, g := range []string{"", "&group_by=day"} {
		cur[g] = f.do(t, request{path: "/v1/tenants/acme/sqi?" + r + g, key: f.keys[pReader]}).Body.String()
	}
	w := f.do(t, request{method: http.MethodPost, path: "/v1/tenants/acme/config/preview?" + r, key: f.keys[pManager], body: proposed, header: ct})
	if w.Code != http.StatusOK {
		t.Fatalf("preview: %d %s", w.Code, w.Body)
	}
	var p struct {
		Current, Preview struct {
			Total json.RawMessage `json:"total"`
			ByDay json.RawMessage `json:"by_day"`
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if after := f.do(t, request{path: "/v1/tenants/acme/config", key: f.keys[pManager]}).Body.String(); after != before {
		t.Fatal("the preview changed the stored configuration")
	}
	if strings.TrimSpace(cur[""]) != string(p.Current.Total) || strings.TrimSpace(cur["&group_by=day"]) != string(p.Current.ByDay) {
		t.Errorf("current differs from /sqi now:\n%.300s\n%.300s", p.Current.Total, cur[""])
	}
	if put := f.do(t, request{method: http.MethodPut, path: "/v1/tenants/acme/config", key: f.keys[pManager], body: proposed, header: ct}); put.Code != http.StatusOK {
		t.Fatalf("PUT: %d", put.Code)
	}
	for g, raw := range map[string]json.RawMessage{"": p.Preview.Total, "&group_by=day": p.Preview.ByDay} {
		now := strings.TrimSpace(f.do(t, request{path: "/v1/tenants/acme/sqi?" + r + g, key: f.keys[pReader]}).Body.String())
		if now != string(raw) {
			t.Errorf("preview%s differs from /sqi once stored:\n%.300s\n%.300s", g, raw, now)
		}
		if now == strings.TrimSpace(cur[g]) {
			t.Errorf("the proposed configuration changes nothing%s: the test proves nothing", g)
		}
	}
	bad := f.do(t, request{method: http.MethodPost, path: "/v1/tenants/acme/config/preview?" + r, key: f.keys[pAdmin], body: `{"locale": "fr", "sl_threshold_s": -1}`, header: ct})
	if bad.Code != http.StatusBadRequest || len(problemOf(t, bad).Errors) != 2 {
		t.Errorf("bad document: %d %s", bad.Code, bad.Body)
	}
	if w := f.do(t, request{method: http.MethodPost, path: "/v1/tenants/acme/config/preview", key: f.keys[pAdmin], body: proposed, header: ct}); w.Code != http.StatusBadRequest {
		t.Errorf("no range: %d", w.Code)
	}
}

// TestCORS: with CORSOrigins, a listed origin's preflight is answered with
// the methods and headers a reader of files needs (Range, Authorization),
// and its requests expose Content-Range and Content-Length; another
// origin gets no CORS headers; without CORSOrigins nobody does.
func TestCORS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	on := f.server(t, func(c *api.Config) { c.CORSOrigins = []string{"https://bi.example.com"} }).Handler()
	path := "/v1/tenants/acme/sqi?format=parquet&from=" + fixFrom + "&to=" + fixTo
	pre := serve(t, on, request{method: http.MethodOptions, path: path, header: map[string]string{
		"Origin": "https://bi.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization, range"}})
	if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "https://bi.example.com" ||
		!strings.Contains(strings.ToLower(pre.Header().Get("Access-Control-Allow-Headers")), "range") {
		t.Errorf("preflight: %d %v", pre.Code, pre.Header())
	}
	get := serve(t, on, request{path: path, key: f.keys[pReader], header: map[string]string{"Origin": "https://bi.example.com", "Range": "bytes=0-3"}})
	if get.Code != http.StatusPartialContent || !strings.Contains(get.Header().Get("Access-Control-Expose-Headers"), "Content-Range") {
		t.Errorf("GET: %d %v", get.Code, get.Header())
	}
	for _, h := range []http.Handler{on, f.h} {
		other := serve(t, h, request{path: path, key: f.keys[pReader], header: map[string]string{"Origin": "https://evil.example.com"}})
		if other.Code != http.StatusOK || other.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("another origin: %d %v", other.Code, other.Header())
		}
	}
	for _, bad := range []string{"bi.example.com", "https://bi.example.com/path", "ftp://x", "https://"} {
		if err := api.CheckOrigins([]string{bad}); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
	if err := api.CheckOrigins([]string{"*", "http://localhost:3000"}); err != nil {
		t.Error(err)
	}
}

// TestDocs: /docs is an OpenAPI viewer of /openapi.json whose scripts and
// styles are served by sqi itself: nothing on the page is loaded from
// another host.
func TestDocs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := f.do(t, request{path: "/docs"})
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(page, "/openapi.json") {
		t.Fatalf("/docs: %d %.300s", w.Code, page)
	}
	n := 0
	for _, attr := range []string{`src="`, `href="`} {
		for rest := page; ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			ref := rest[:strings.IndexByte(rest, '"')]
			if !strings.HasPrefix(ref, "/docs/") {
				t.Errorf("the page loads %q from elsewhere", ref)
				continue
			}
			n++
			if a := f.do(t, request{path: ref}); a.Code != http.StatusOK || a.Body.Len() < 100 {
				t.Errorf("%s: %d, %d bytes", ref, a.Code, a.Body.Len())
			}
		}
	}
	if n < 3 {
		t.Errorf("the page references %d assets", n)
	}
}
