package api_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"sqi/export"
	"sqi/query"
)

// TestFormatsEqualJSON reads every format back with a real reader and
// compares it, cell by cell, with the JSON rows of the same query.
func TestFormatsEqualJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tenant, err := f.db.Tenant(t.Context(), own)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tenant.Config
	roomTable := export.RoomTable(cfg)
	tests := []struct {
		name  string
		path  string // without format
		key   string // JSON body key of the rows
		table func(t *testing.T) export.Table
	}{
		{name: "sqi total", path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo, key: "rows"},
		{name: "sqi by day and agent", path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo + "&group_by=day,agent", key: "rows"},
		{name: "sqi by hour, week, month, team, channel, category", path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo + "&group_by=hour,week,month,team,channel,category", key: "rows"},
		{name: "rooms", path: "/v1/tenants/acme/rooms?from=" + fixFrom + "&to=" + fixTo, key: "rooms"},
		{name: "rooms of an empty range", path: "/v1/tenants/acme/rooms?from=2025-01-01&to=2025-01-02", key: "rooms"},
		{name: "sqi by day of an empty range", path: "/v1/tenants/acme/sqi?from=2025-01-01&to=2025-01-02&group_by=day", key: "rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qt := roomTable
			if tt.key == "rows" {
				q, err := query.Parse(query.Params{Tenant: own, From: paramOf(tt.path, "from"), To: paramOf(tt.path, "to"), GroupBy: paramOf(tt.path, "group_by")})
				if err != nil {
					t.Fatal(err)
				}
				res, err := query.StatsWith(t.Context(), f.db, cfg, q)
				if err != nil {
					t.Fatal(err)
				}
				qt = res.Table()
			}
			jsonPath := tt.path
			if tt.key == "rooms" {
				jsonPath += "&limit=10000"
			}
			w := f.do(t, request{path: jsonPath, key: f.keys[pReader]})
			if w.Code != http.StatusOK {
				t.Fatalf("json: status %d: %s", w.Code, w.Body)
			}
			want := decodeJSON(t, w.Body.Bytes(), tt.key, qt)
			if len(want.rows) < 2 && !strings.Contains(tt.name, "total") && !strings.Contains(tt.name, "empty") {
				t.Fatalf("only %d rows: the fixture is too small to compare formats", len(want.rows))
			}
			for _, format := range []string{"csv", "arrow", "parquet", "xlsx"} {
				w := f.do(t, request{path: tt.path + "&format=" + format, key: f.keys[pReader]})
				if w.Code != http.StatusOK {
					t.Fatalf("%s: status %d: %s", format, w.Code, w.Body)
				}
				body := w.Body.Bytes()
				var got table
				switch format {
				case "csv":
					got = decodeCSV(t, body, qt)
				case "arrow":
					got = decodeArrow(t, body, qt.Location)
				case "parquet":
					got = decodeParquet(t, body, qt.Location)
				case "xlsx":
					got = decodeXLSX(t, body, qt)
				}
				if err := equalTables(want, got); err != nil {
					t.Errorf("%s differs from json: %v", format, err)
				}
			}
		})
	}
}

func paramOf(path, name string) string {
	_, g, ok := strings.Cut(path, name+"=")
	if !ok {
		return ""
	}
	g, _, _ = strings.Cut(g, "&")
	return g
}

// TestSQIJSONIsStats checks that /sqi's JSON and CSV are the bytes of
// query.Result.WriteJSON and WriteCSV (what `sqi stats` prints; the test
// through the command line is in cmd/sqi).
func TestSQIJSONIsStats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	q, err := query.Parse(query.Params{Tenant: own, From: fixFrom, To: fixTo, GroupBy: "day,channel"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := query.Stats(t.Context(), f.db, q)
	if err != nil {
		t.Fatal(err)
	}
	var js, cs bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteCSV(&cs, export.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	base := "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo + "&group_by=day,channel"
	for format, want := range map[string][]byte{"json": js.Bytes(), "csv": cs.Bytes()} {
		w := f.do(t, request{path: base + "&format=" + format, key: f.keys[pAdmin]})
		if !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: body differs from query.Result's\n got %.200s\nwant %.200s", format, w.Body, want)
		}
	}
}

// TestGzip checks that every format is compressed when asked, except the
// formats compressed already, and that the content is the same.
func TestGzip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	base := "/v1/tenants/acme/rooms?from=" + fixFrom + "&to=" + fixTo
	for _, format := range []string{"json", "csv", "arrow", "parquet", "xlsx"} {
		plain := f.do(t, request{path: base + "&format=" + format, key: f.keys[pReader]})
		for _, ae := range []string{"gzip", "br;q=1.0, gzip;q=0.5", "gzip, zstd", "*", "gzip;q=0", "identity"} {
			w := f.do(t, request{path: base + "&format=" + format, key: f.keys[pReader], header: map[string]string{"Accept-Encoding": ae}})
			// gzhttp compresses what names gzip ("*" does not), only gzip.
			wantGzip := strings.Contains(ae, "gzip") && ae != "gzip;q=0" && format != "xlsx" && format != "parquet"
			if got := w.Header().Get("Content-Encoding") == "gzip"; got != wantGzip {
				t.Errorf("%s, Accept-Encoding %q: gzip %v, want %v", format, ae, got, wantGzip)
			}
			body := w.Body.Bytes()
			if wantGzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("%s: %v", format, err)
				}
			}
			if format != "xlsx" && !bytes.Equal(body, plain.Body.Bytes()) { // a zip holds timestamps
				t.Errorf("%s, Accept-Encoding %q: content differs from the uncompressed answer", format, ae)
			}
		}
	}
	// A problem is under gzhttp's minimum size (1 KiB): not worth it.
	w := f.do(t, request{path: base + "&format=pdf", key: f.keys[pReader], header: map[string]string{"Accept-Encoding": "gzip"}})
	if w.Code != http.StatusBadRequest || w.Header().Get("Content-Encoding") != "" || problemOf(t, w).Param != "format" {
		t.Errorf("problem: status %d, Content-Encoding %q", w.Code, w.Header().Get("Content-Encoding"))
	}
}

// TestRoomPages walks the JSON pages with the cursor and checks that they
// hold every room once, in the order of the CSV export, also when many
// rooms share an opened_at (the cursor breaks ties by room_id).
func TestRoomPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.db.Pool.Exec(t.Context(), `UPDATE room_facts SET opened_at = date_trunc('hour', opened_at)`); err != nil {
		t.Fatal(err)
	}
	// The file exports read the room blocks: rebuild them from the facts.
	if _, err := f.db.Pool.Exec(t.Context(), `INSERT INTO blocks_dirty (tenant_id, day) SELECT tenant_id, day FROM room_blocks ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RebuildBlocks(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	tenant, _ := f.db.Tenant(t.Context(), own)
	qt := export.RoomTable(&tenant.Config)
	base := "/v1/tenants/acme/rooms?from=" + fixFrom + "&to=" + fixTo
	all := decodeCSV(t, f.do(t, request{path: base + "&format=csv", key: f.keys[pReader]}).Body.Bytes(), qt)
	if len(all.rows) < fixDays*fixRooms/2 {
		t.Fatalf("%d rooms in the export", len(all.rows))
	}
	for _, limit := range []string{"1", "7", "50", "10000"} {
		var got table
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(all.rows)+1 {
				t.Fatalf("limit %s: the cursor does not end", limit)
			}
			path := base + "&limit=" + limit
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			w := f.do(t, request{path: path, key: f.keys[pReader]})
			if w.Code != http.StatusOK {
				t.Fatalf("limit %s: status %d: %s", limit, w.Code, w.Body)
			}
			page := decodeJSON(t, w.Body.Bytes(), "rooms", qt)
			got.header = page.header
			got.rows = append(got.rows, page.rows...)
			var next struct {
				NextCursor *string `json:"next_cursor"`
			}
			decodeInto(t, w.Body.Bytes(), &next)
			if next.NextCursor == nil {
				break
			}
			cursor = *next.NextCursor
		}
		if err := equalTables(all, got); err != nil {
			t.Errorf("limit %s: pages differ from the export: %v", limit, err)
		}
	}
}

// TestRoomCountsMatchSQI checks that an export summed column by column
// gives the counts of /sqi under the tenant's configuration.
func TestRoomCountsMatchSQI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var sqi struct {
		Rows []map[string]any `json:"rows"`
	}
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/sqi?from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]}).Body.Bytes(), &sqi)
	var rooms struct {
		Rooms []map[string]any `json:"rooms"`
	}
	decodeInto(t, f.do(t, request{path: "/v1/tenants/acme/rooms?limit=10000&from=" + fixFrom + "&to=" + fixTo, key: f.keys[pReader]}).Body.Bytes(), &rooms)
	row := sqi.Rows[0]
	if got := float64(len(rooms.Rooms)); got != row["rooms"] {
		t.Errorf("%v rooms in the export, /sqi says %v", got, row["rooms"])
	}
	for _, name := range []string{"bot_only", "queued", "answered", "abandoned", "short_abandoned", "answered_in_sl", "dropped", "reply_turns", "unanswered_turns", "transfers"} {
		var sum float64
		for _, r := range rooms.Rooms {
			switch v := r[name].(type) {
			case bool:
				if v {
					sum++
				}
			case float64:
				sum += v
			}
		}
		if sum != row[name] {
			t.Errorf("%s: export sums to %v, /sqi says %v", name, sum, row[name])
		}
	}
}
