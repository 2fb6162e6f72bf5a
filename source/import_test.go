package source_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/source"
)

const goodNDJSON = `{"event_id": 1, "tenant_id": "acme", "room_id": "r1", "type": "room_opened", "occurred_at": "2025-03-01T09:00:00.123+09:00", "channel": "kakao", "category": "billing"}
{"event_id": "2", "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "2025-03-01T00:00:05Z", "team_id": "billing", "created_at": "1999-01-01T00:00:00Z"}

{"event_id": 3, "tenant_id": "acme", "room_id": "r1", "type": "message", "occurred_at": "2025-03-01 00:00:09.5+00", "actor": "agent", "agent_id": "agent-007", "score": null, "extra": {"ignored": true}}
`

const goodCSV = "\ufeffroom_id,event_id,tenant_id,type,occurred_at,actor,agent_id,score,created_at\n" +
	"r1,1,acme,room_opened,2025-03-01T09:00:00.123+09:00,,,,1999-01-01T00:00:00Z\n" +
	"r1,2,acme,queued,2025-03-01T00:00:05Z,,,,\n" +
	"\n" +
	"r1,3,acme,message,2025-03-01 00:00:09.5+00,agent,\"agent-007\",,\n"

// badLines mixes good records with each kind of record that cannot be
// stored; the good ones include semantically bad events that must load.
const badLines = `{"event_id": 1, "tenant_id": "acme", "room_id": "r1", "type": "room_opened", "occurred_at": "2025-03-01T09:00:00+09:00"}
{"event_id": 2, "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "2025-03-01T09:00:05+09:00"
{"event_id": 3, "tenant_id": "acme", "type": "queued", "occurred_at": "2025-03-01T09:00:05+09:00"}
{"event_id": "x4", "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "2025-03-01T09:00:05+09:00"}
{"event_id": 5, "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "2025-03-01T09:00:05"}
{"event_id": 6, "tenant_id": "acme", "room_id": "r1", "type": "survey_submitted", "occurred_at": "2025-03-01T10:00:00+09:00", "score": 4.5}
{"event_id": 7, "tenant_id": "acme", "room_id": "r1", "type": "survey_submitted", "occurred_at": "2025-03-01T10:00:00+09:00", "score": 7}
{"event_id": 8, "tenant_id": "acme", "room_id": "r1", "type": "typing_started", "occurred_at": "2025-03-01T10:00:00+09:00"}
{"event_id": 9, "tenant_id": "acme", "room_id": "r1", "type": "message", "occurred_at": "2025-03-01T10:00:00+09:00", "actor": "supervisor"}
[1, 2]
{"event_id": 10, "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "yesterday"}
{"event_id": 11, "tenant_id": "acme", "room_id": "r1", "type": "room_closed", "occurred_at": "2025-03-01T08:00:00+09:00", "agent_id": true}
{"event_id": 12, "tenant_id": "acme", "room_id": "r1", "type": "room_closed", "occurred_at": "2025-03-01T08:00:00+09:00"}
`

func TestImport(t *testing.T) {
	t.Parallel()
	opened := time.Date(2025, 3, 1, 0, 0, 0, 123e6, time.UTC)
	want3 := []metrics.Event{
		{EventID: 1, TenantID: "acme", RoomID: "r1", Type: metrics.RoomOpened, OccurredAt: opened},
		{EventID: 2, TenantID: "acme", RoomID: "r1", Type: metrics.Queued, OccurredAt: time.Date(2025, 3, 1, 0, 0, 5, 0, time.UTC)},
		{EventID: 3, TenantID: "acme", RoomID: "r1", Type: metrics.Message, OccurredAt: time.Date(2025, 3, 1, 0, 0, 9, 5e8, time.UTC), Actor: "agent", AgentID: "agent-007"},
	}
	withJSONExtras := append([]metrics.Event(nil), want3...)
	withJSONExtras[0].Channel, withJSONExtras[0].Category, withJSONExtras[1].TeamID = "kakao", "billing", "billing"

	tests := []struct {
		name     string
		file     string
		data     string
		want     source.ImportResult
		wantBad  []string // "line:substring of the reason", one per bad line
		wantRows []metrics.Event
		wantIDs  []int64 // when wantRows is nil
	}{
		{
			name: "ndjson", file: "events.ndjson", data: goodNDJSON,
			want:     source.ImportResult{Format: source.NDJSON, Lines: 3, Inserted: 3},
			wantRows: withJSONExtras,
		},
		{
			name: "csv in any column order, optional columns missing", file: "events.csv", data: goodCSV,
			want:     source.ImportResult{Format: source.CSV, Lines: 3, Inserted: 3},
			wantRows: want3,
		},
		{
			name: "ndjson sniffed", file: "-", data: "\n  " + goodNDJSON,
			want:     source.ImportResult{Format: source.NDJSON, Lines: 3, Inserted: 3},
			wantRows: withJSONExtras,
		},
		{
			name: "csv sniffed", file: "events.txt", data: goodCSV,
			want:     source.ImportResult{Format: source.CSV, Lines: 3, Inserted: 3},
			wantRows: want3,
		},
		{
			name: "duplicates within the file count once, first wins", file: "dups.jsonl",
			data: goodNDJSON + strings.Replace(strings.SplitN(goodNDJSON, "\n", 2)[0], `"kakao"`, `"app"`, 1) + "\n" +
				`{"event_id": 2, "tenant_id": "acme", "room_id": "r1", "type": "queued", "occurred_at": "2025-03-01T00:00:05Z", "team_id": "billing"}` + "\n",
			want:     source.ImportResult{Format: source.NDJSON, Lines: 5, Inserted: 3, Duplicates: 2},
			wantRows: withJSONExtras,
		},
		{
			name: "bad lines are reported, the rest loads, semantically bad events too", file: "bad.ndjson", data: badLines,
			want:    source.ImportResult{Format: source.NDJSON, Lines: 13, Inserted: 5, BadLines: 8},
			wantBad: []string{"2:bad JSON", "3:room_id is missing", `4:event_id "x4" is not an integer`, "5:no time zone", `6:score "4.5"`, "10:not a JSON object", "11:not an RFC 3339", "12:agent_id: want a string"},
			wantIDs: []int64{1, 7, 8, 9, 12},
		},
		{
			name: "csv bad lines", file: "bad.csv",
			data: "event_id,tenant_id,room_id,type,occurred_at,score\n" +
				"1,acme,r1,room_opened,2025-03-01T09:00:00+09:00,\n" +
				"2,acme,r1,queued\n" +
				"3,acme,,queued,2025-03-01T09:00:00+09:00,\n" +
				"4,acme,r1,survey_submitted,2025-03-01T09:00:00+09:00,7\n" +
				"5,acme,r1,\"survey\"_submitted,2025-03-01T09:00:00+09:00,7\n" +
				"6,acme,r1,survey_submitted,2025-03-01T09:00:00+09:00,99999\n",
			want:    source.ImportResult{Format: source.CSV, Lines: 6, Inserted: 2, BadLines: 4},
			wantBad: []string{"3:4 fields, the header has 6", "4:room_id is missing", "6:bad CSV", "7:score \"99999\""},
			wantIDs: []int64{1, 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.New(t).Pool
			got, err := source.Import(t.Context(), pool, strings.NewReader(tt.data), tt.file)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			bad := got.Bad
			got.Bad = nil
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Import = %+v, want %+v", got, tt.want)
			}
			if len(bad) != len(tt.wantBad) {
				t.Errorf("bad lines = %v, want %d", bad, len(tt.wantBad))
			}
			for i := 0; i < len(bad) && i < len(tt.wantBad); i++ {
				line, reason, _ := strings.Cut(tt.wantBad[i], ":")
				if fmt.Sprint(bad[i].Line) != line || !strings.Contains(bad[i].Reason, reason) {
					t.Errorf("bad line %d = %d: %q, want line %s with a reason containing %q", i, bad[i].Line, bad[i].Reason, line, reason)
				}
			}
			rows := readEvents(t, pool)
			if tt.wantRows != nil {
				if len(rows) != len(tt.wantRows) {
					t.Fatalf("rows = %+v, want %+v", rows, tt.wantRows)
				}
				for i := range rows {
					if rows[i].CreatedAt.Year() < 2020 {
						t.Errorf("row %d: created_at %v taken from the file; want now()", i, rows[i].CreatedAt)
					}
					rows[i].CreatedAt = time.Time{}
					if rows[i] != tt.wantRows[i] {
						t.Errorf("row %d = %+v, want %+v", i, rows[i], tt.wantRows[i])
					}
				}
				return
			}
			var ids []int64
			for _, r := range rows {
				ids = append(ids, r.EventID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("event_ids loaded = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestImportTwice(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"events.ndjson", "events.csv"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.New(t).Pool
			data := goodNDJSON
			if strings.HasSuffix(file, ".csv") {
				data = goodCSV
			}
			first, err := source.Import(t.Context(), pool, strings.NewReader(data), file)
			if err != nil || first.Inserted != 3 {
				t.Fatalf("first Import = %+v, %v; want 3 inserted", first, err)
			}
			second, err := source.Import(t.Context(), pool, strings.NewReader(data), file)
			if err != nil || second.Lines != 3 || second.Inserted != 0 || second.Duplicates != 3 {
				t.Errorf("second Import = %+v, %v; want 3 lines, 0 inserted, 3 duplicates", second, err)
			}
		})
	}
}

func TestImportFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data, want string
	}{
		{name: "unknown csv column", file: "e.csv", data: "event_id,tenant,room_id,type,occurred_at\n", want: `unknown column "tenant"`},
		{name: "required csv column missing", file: "e.csv", data: "event_id,tenant_id,type,occurred_at\n", want: `required column "room_id" missing`},
		{name: "csv column twice", file: "e.csv", data: "event_id,tenant_id,room_id,type,occurred_at,type\n", want: `column "type" twice`},
		{name: "empty csv", file: "e.csv", data: "", want: "no header row"},
	}
	pool := pgtest.New(t).Pool
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := source.Import(t.Context(), pool, strings.NewReader(tt.data), tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Import = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestImportStreams checks that a file far larger than any buffer goes
// through, with every line accounted for.
func TestImportStreams(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t).Pool
	const n = 50_000
	r, w := io.Pipe()
	go func() {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(w, `{"event_id": %d, "tenant_id": "acme", "room_id": "r%d", "type": "message", "occurred_at": "2025-03-01T09:00:00+09:00", "actor": "customer"}`+"\n", i%(n-10)+1, i/10)
		}
		w.Close()
	}()
	got, err := source.Import(t.Context(), pool, r, "big.ndjson")
	if err != nil || got.Lines != n || got.Inserted != n-10 || got.Duplicates != 10 {
		t.Errorf("Import = %+v, %v; want %d lines, %d inserted, 10 duplicates", got, err, n, n-10)
	}
}
