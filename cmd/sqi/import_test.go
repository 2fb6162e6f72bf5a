package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sqi/internal/pgtest"
)

func TestImportCommand(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.csv", "event_id,tenant_id,room_id,type,occurred_at\n1,acme,r1,room_opened,2025-03-07T09:00:00+09:00\n2,acme,r1,queued,2025-03-07T09:00:03+09:00\n")
	bad := write("bad.ndjson", `{"event_id": 3, "tenant_id": "acme", "room_id": "r1", "type": "room_closed", "occurred_at": "2025-03-07T09:10:00+09:00"}`+"\n"+
		`{"event_id": 4, "tenant_id": "acme", "room_id": "r1", "type": "room_closed", "occurred_at": "2025-03-07 09:10:00"}`+"\n")
	empty := write("empty.ndjson", "\n")

	tests := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "loads", args: []string{"import", good}, wantOut: "lines read: 2\ninserted: 2\nduplicates skipped: 0\n"},
		{name: "again: duplicates", args: []string{"import", good}, wantOut: "inserted: 0\nduplicates skipped: 2\n"},
		{name: "bad line: listed, the rest loads, exit 1", args: []string{"import", bad}, wantCode: 1,
			wantOut: "inserted: 1\n", wantErr: bad + ":2: occurred_at"},
		{name: "standard input", args: []string{"import", "-"}, stdin: `{"event_id": 5, "tenant_id": "acme", "room_id": "r2", "type": "room_opened", "occurred_at": "2025-03-07T10:00:00Z"}`,
			wantOut: "format: ndjson\nlines read: 1\ninserted: 1\n"},
		{name: "nothing to read", args: []string{"import", empty}, wantCode: 1, wantErr: "no events"},
		{name: "no such file", args: []string{"import", filepath.Join(dir, "nope.csv")}, wantCode: 1, wantErr: "no such file"},
		{name: "no file", args: []string{"import"}, wantCode: 2, wantErr: "give one FILE"},
	}
	for _, tt := range tests { // in order: "again" follows "loads"
		code, out, errOut := runSQI(t, url, tt.stdin, tt.args...)
		if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", tt.name, code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
		}
	}
}
