package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"sqi/internal/pgtest"
)

// `--format table` and the lists line up Korean text: a Hangul syllable
// takes two terminal columns. Checked column by column on what sqi
// prints, from events with Korean categories and a tenant with a Korean
// name.
func TestTablesAlignHangul(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	var events strings.Builder
	id := 0
	for i, cat := range []string{"환불 문의", "배송", "login", "환불 문의", ""} {
		category := `, "category": "` + cat + `"`
		if cat == "" {
			category = ""
		}
		for _, ev := range []string{
			fmt.Sprintf(`"type": "room_opened", "occurred_at": "2026-03-07T09:%02d:00+09:00", "channel": "kakao"%s`, i, category),
			fmt.Sprintf(`"type": "queued", "occurred_at": "2026-03-07T09:%02d:10+09:00", "team_id": "상담1팀"`, i),
			fmt.Sprintf(`"type": "agent_assigned", "occurred_at": "2026-03-07T09:%02d:20+09:00", "agent_id": "김상담"`, i),
			fmt.Sprintf(`"type": "room_closed", "occurred_at": "2026-03-07T09:%02d:50+09:00"`, i),
		} {
			id++
			fmt.Fprintf(&events, `{"event_id": %d, "tenant_id": "initech", "room_id": "r%d", %s}`+"\n", id, i, ev)
		}
	}
	file := filepath.Join(t.TempDir(), "events.ndjson")
	if err := os.WriteFile(file, []byte(events.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"import", file}},
		{"", []string{"etl", "--once"}},
		{`{"tenant_id": "initech", "name": "이니텍", "timezone": "Asia/Seoul"}`, []string{"tenant", "put"}},
		{`{"tenant_id": "acme", "name": "Acme 고객센터"}`, []string{"tenant", "put"}},
	} {
		if code, _, errOut := runSQI(t, url, step.stdin, step.args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", step.args, code, errOut)
		}
	}

	tests := []struct {
		name  string
		args  []string
		right bool       // right-aligned cells (numbers), else left
		rows  [][]string // leading cells of each line, in order
	}{
		{
			name:  "stats by category",
			args:  []string{"stats", "--tenant", "initech", "--from", "2026-03-07", "--to", "2026-03-07", "--group-by", "category", "--format", "table"},
			right: true,
			rows: [][]string{
				{"category", "rooms", "offered"},
				{"login", "1", "1"},
				{"배송", "1", "1"},
				{"환불 문의", "2", "2"},
				{"-", "1", "1"},
			},
		},
		{
			name:  "stats by team and agent",
			args:  []string{"stats", "--tenant", "initech", "--from", "2026-03-07", "--to", "2026-03-07", "--group-by", "team,agent", "--format", "table"},
			right: true,
			rows: [][]string{
				{"team_id", "agent_id", "rooms", "offered"},
				{"상담1팀", "김상담", "5", "5"},
			},
		},
		{
			name: "tenant list",
			args: []string{"tenant", "list"},
			rows: [][]string{
				{"TENANT", "NAME", "TIMEZONE", "LOCALE", "CONFIGURED"},
				{"acme", "Acme 고객센터", "Asia/Seoul", "ko", "true"},
				{"initech", "이니텍", "Asia/Seoul", "ko", "true"},
			},
		},
	}
	for _, tt := range tests {
		code, out, errOut := runSQI(t, url, "", tt.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, code, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(tt.rows) {
			t.Fatalf("%s: %d lines, want %d:\n%s", tt.name, len(lines), len(tt.rows), out)
		}
		var want []int
		for i, line := range lines {
			edges := cellEdges(t, line, tt.rows[i], tt.right)
			if i == 0 {
				want = edges
				continue
			}
			for col, e := range edges {
				if e != want[col] {
					t.Errorf("%s: line %d, column %d (%q) at terminal column %d, the header's at %d:\n%s",
						tt.name, i, col, tt.rows[i][col], e, want[col], out)
				}
			}
		}
	}
}

// cellEdges finds the cells of row in line, in order, and returns the
// terminal column where each ends (right) or starts.
func cellEdges(t *testing.T, line string, row []string, right bool) []int {
	t.Helper()
	var edges []int
	off := 0
	for _, c := range row {
		i := strings.Index(line[off:], c)
		if i < 0 {
			t.Fatalf("cell %q not found in %q", c, line)
		}
		start := runewidth.StringWidth(line[:off+i])
		off += i + len(c)
		if right {
			edges = append(edges, start+runewidth.StringWidth(c))
		} else {
			edges = append(edges, start)
		}
	}
	return edges
}
