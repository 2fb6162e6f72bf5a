package main

import (
	"encoding/json"
	"strings"
	"testing"

	"sqi/internal/pgtest"
)

// The pipeline through the command line: migrate (twice), generate, etl
// (twice: the second reads nothing and changes nothing), stats in every
// format, and the tenant commands.
func TestPipelineCommands(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	steps := []struct {
		name    string
		stdin   string
		args    []string
		wantOut []string
	}{
		{"migrate again", "", []string{"migrate"}, []string{"migrations applied: 0"}},
		{"generate", "", []string{"generate", "--tenants", "2", "--days", "2", "--rooms-per-day", "120", "--start", "2026-10-31"}, []string{"rooms: 480"}},
		{"etl", "", []string{"etl", "--once"}, []string{"events read: ", "rooms recomputed: 480", "rejects: ", "seconds: "}},
		{"etl again", "", []string{"etl", "--once"}, []string{"events read: 0", "rooms recomputed: 0 (changed: 0)"}},
		{"tenant list", "", []string{"tenant", "list"}, []string{"acme", "globex", "false"}},
		{"tenant put", `{"tenant_id": "globex", "timezone": "America/New_York", "locale": "en"}`, []string{"tenant", "put"}, []string{"tenant globex configured"}},
		{"tenant get", "", []string{"tenant", "get", "globex"}, []string{`"timezone": "America/New_York"`, `"service_level"`}},
		{"stats csv", "", []string{"stats", "--tenant", "globex", "--from", "2026-10-31", "--to", "2026-11-01", "--group-by", "day", "--format", "csv"},
			[]string{"day,period_start,period_end,rooms,bot_only,", "\r\n2026-10-31,", "\r\n2026-11-01,2026-11-01T00:00:00-04:00,2026-11-02T00:00:00-05:00,"}},
		{"stats table", "", []string{"stats", "--tenant", "acme", "--from", "2026-10-31", "--to", "2026-11-01", "--format", "table"}, []string{"rooms", "sqi", "grade"}},
	}
	for _, s := range steps {
		code, out, errOut := runSQI(t, url, s.stdin, s.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", s.name, code, errOut)
		}
		for _, w := range s.wantOut {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", s.name, w, out)
			}
		}
	}

	code, out, errOut := runSQI(t, url, "", "stats", "--tenant", "acme", "--from", "2026-10-31", "--to", "2026-11-01", "--group-by", "day,agent")
	if code != 0 {
		t.Fatalf("stats json: exit %d: %s", code, errOut)
	}
	var body struct {
		TenantID string           `json:"tenant_id"`
		From     string           `json:"from"`
		To       string           `json:"to"`
		TimeZone string           `json:"timezone"`
		GroupBy  []string         `json:"group_by"`
		Rows     []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("stats json: %v\n%s", err, out)
	}
	if body.TenantID != "acme" || body.TimeZone != "Asia/Seoul" || strings.Join(body.GroupBy, ",") != "day,agent" || len(body.Rows) < 4 {
		t.Fatalf("stats json: tenant %q tz %q group_by %v, %d rows", body.TenantID, body.TimeZone, body.GroupBy, len(body.Rows))
	}
	var rooms float64
	for _, r := range body.Rows {
		if _, ok := r["agent_id"]; !ok {
			t.Fatalf("row without agent_id: %v", r)
		}
		rooms += r["rooms"].(float64)
	}
	if rooms != 240 {
		t.Fatalf("rooms over the rows: %v, want 240 (120 a day for 2 days)", rooms)
	}
}

// Bad input: a one-line error that names the flag or field, exit status 2,
// nothing else lost.
func TestBadInput(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	if code, _, errOut := runSQI(t, url, "", "generate", "--tenants", "1", "--days", "1", "--rooms-per-day", "10", "--start", "2026-11-01"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := runSQI(t, url, "", "etl", "--once"); code != 0 {
		t.Fatal(errOut)
	}
	stats := func(extra ...string) []string {
		return append([]string{"stats", "--tenant", "acme", "--from", "2026-11-01", "--to", "2026-11-01"}, extra...)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"unknown command", "", []string{"statz"}, `unknown command "statz"`},
		{"etl without --once", "", []string{"etl"}, "--once"},
		{"unknown group key", "", stats("--group-by", "day,weekday"), `--group-by: unknown group_by key "weekday": use a comma list of hour, day, week, month, agent, team, channel, category`},
		{"group key twice", "", stats("--group-by", "day,day"), `--group-by: group_by key "day" given twice`},
		{"bad date", "", []string{"stats", "--tenant", "acme", "--from", "2026-13-01", "--to", "2026-11-01"}, `--from: "2026-13-01" is not a date: use YYYY-MM-DD`},
		{"from after to", "", []string{"stats", "--tenant", "acme", "--from", "2026-11-02", "--to", "2026-11-01"}, "--to: to 2026-11-01 is before from 2026-11-02"},
		{"range too long", "", []string{"stats", "--tenant", "acme", "--from", "2025-01-01", "--to", "2026-11-01"}, "ask for at most 400"},
		{"bad format", "", stats("--format", "xml"), `--format "xml": use json, csv or table`},
		{"unknown tenant", "", []string{"stats", "--tenant", "nobody", "--from", "2026-11-01", "--to", "2026-11-01"}, `--tenant: unknown tenant "nobody"`},
		{"unknown flag", "", stats("--groupby", "day"), "unknown flag --groupby"},
		{"config: bad JSON", "{", []string{"tenant", "put"}, "configuration is not a JSON object"},
		{"config: unknown field", `{"tenant_id":"acme","time_zone":"UTC"}`, []string{"tenant", "put"}, `unknown field "time_zone"`},
		{"config: bad zone and weights", `{"tenant_id":"acme","timezone":"Mars/Olympus","components":{"wait":{"metric":"wait_avg_s","target":15,"worst":15,"weight":0}}}`,
			[]string{"tenant", "put"}, `timezone "Mars/Olympus": use an IANA time zone`},
		{"tenant get unknown", "", []string{"tenant", "get", "nobody"}, `tenant "nobody" is neither configured nor seen`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runSQI(t, url, tc.stdin, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d (stdout %q, stderr %q), want 2", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q lacks %q", errOut, tc.want)
			}
		})
	}
	// The configuration error names every problem at once.
	_, _, errOut := runSQI(t, url, `{"tenant_id":"acme","timezone":"Mars/Olympus","components":{"wait":{"metric":"wait_avg_s","target":15,"worst":15,"weight":0}}}`, "tenant", "put")
	for _, w := range []string{"timezone", "target and worst are both 15", "every weight is 0"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("config error %q lacks %q", errOut, w)
		}
	}
	// Nothing was lost: the tenant's facts still answer.
	if code, _, errOut := runSQI(t, url, "", stats()...); code != 0 {
		t.Fatalf("stats after bad input: %s", errOut)
	}
}
