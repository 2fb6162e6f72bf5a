package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/api"
	"sqi/export"
	fx "sqi/internal/fixture"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/reports"
)

// TestRoomExportsAgree reads the room export of the fixture day in every
// format and the Rooms sheet of the day's report, and compares them cell by
// cell: the same columns, the same nulls, the same rounding, for every kind
// of room (answered, bot-only, abandoned, short abandon, still waiting,
// answered and still open, contradictory, dropped, transferred). The CSV is
// also the golden file testdata/golden/rooms_acme_2026-03-10.csv, checked by
// hand.
func TestRoomExportsAgree(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fx.Load(t, db, fx.AcmeDay)
	ctx := context.Background()
	key, stored, err := api.NewKey(api.RoleReader, "acme", "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIKey(ctx, stored); err != nil {
		t.Fatal(err)
	}
	cfg := api.DefaultConfig()
	cfg.RateLimit = 0
	srv, err := api.New(api.Deps{Store: db, Log: testLog(t)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := db.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	qt := export.RoomTable(&tenant.Config)
	day := fx.AcmeDate.Format(time.DateOnly)
	path := "/v1/tenants/acme/rooms?from=" + day + "&to=" + day

	get := func(format string) []byte {
		t.Helper()
		p := path + "&format=" + format
		if format == "json" {
			p += "&limit=10000"
		}
		w := serve(t, srv.Handler(), request{path: p, key: key})
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", format, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	want := decodeJSON(t, get("json"), "rooms", qt)
	outcomes := map[string]bool{}
	col := map[string]int{}
	for i, h := range want.header {
		col[h] = i
	}
	for _, r := range want.rows {
		outcomes[r[col["outcome"]]] = true
	}
	for _, o := range []string{metrics.OutcomeAnswered, metrics.OutcomeBotOnly, metrics.OutcomeAbandoned,
		metrics.OutcomeShortAbandoned, metrics.OutcomeWaiting, metrics.OutcomeInvalid} {
		if !outcomes[o] {
			t.Fatalf("the fixture day has no %s room: the comparison would not cover it", o)
		}
	}

	// The CSV for people (the golden file) writes formula-looking text
	// with a ' before it; escape=false gives the exact values.
	fx.Golden(t, "rooms_acme_2026-03-10.csv", get("csv"))
	exact := get("csv&escape=false")
	safe := decodeCSV(t, get("csv"), qt)
	for i, r := range decodeCSV(t, exact, qt).rows {
		for j, v := range r {
			w := v
			if qt.Columns[j].Kind == metrics.FieldText && v != null && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				w = "'" + v
			}
			if safe.rows[i][j] != w {
				t.Errorf("csv row %d %s = %q, want %q", i, qt.Columns[j].Name, safe.rows[i][j], w)
			}
		}
	}
	if !bytes.Contains(exact, []byte(",=cmd|' /C calc'!A0,")) {
		t.Errorf("escape=false does not give r09's category as it is")
	}
	for _, format := range []string{"csv", "arrow", "parquet", "xlsx"} {
		body := exact
		if format != "csv" {
			body = get(format)
		}
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
			t.Errorf("/rooms %s differs from json: %v", format, err)
		}
	}

	var buf bytes.Buffer
	gen := &reports.Generator{DB: db}
	if err := gen.WriteDaily(ctx, "acme", fx.AcmeDate, &buf); err != nil {
		t.Fatal(err)
	}
	if err := equalTables(want, roomsSheet(t, buf.Bytes(), qt)); err != nil {
		t.Errorf("the report's Rooms sheet differs from /rooms: %v", err)
	}
}

// roomsSheet reads the Rooms sheet of a report: a row of labels, a row of
// keys, then one row per room.
func roomsSheet(t *testing.T, body []byte, qt export.Table) table {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[6], excelize.Options{RawCellValue: true}) // Rooms, named in the tenant's locale
	if err != nil || len(rows) < 2 {
		t.Fatalf("Rooms sheet: %v", err)
	}
	out := table{header: rows[1]}
	for _, rec := range rows[2:] {
		row := make([]string, len(out.header))
		for i, name := range out.header {
			if i >= len(rec) || rec[i] == "" {
				row[i] = null
				continue
			}
			row[i] = xlsxCell(t, qt.Columns[i].Kind, rec[i], name)
		}
		out.rows = append(out.rows, row)
	}
	return out
}
