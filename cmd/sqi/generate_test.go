package main

import (
	"bytes"
	"strings"
	"testing"

	"sqi/internal/pgtest"
)

// runSQI runs the command line against the source database at url.
func runSQI(t *testing.T, url string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "SOURCE_DATABASE_URL" || k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	code = run(t.Context(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

func TestGenerateCommand(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  string
	}{
		{
			name:    "writes",
			args:    []string{"generate", "--tenants", "2", "--days", "1", "--rooms-per-day", "50", "--start", "2025-03-07"},
			wantOut: []string{"tenants: acme, globex\n", "days: 2025-03-07 .. 2025-03-07\n", "rooms: 100\n", "events skipped (already there): 0\n"},
		},
		{
			name:    "again: skips",
			args:    []string{"generate", "--tenants", "2", "--days", "1", "--rooms-per-day", "50", "--start", "2025-03-07"},
			wantOut: []string{"events written: 0\n"},
		},
		{name: "bad start", args: []string{"generate", "--start", "07/03/2025"}, wantCode: 2, wantErr: "--start"},
		{name: "bad tenants", args: []string{"generate", "--tenants", "0"}, wantCode: 2, wantErr: "--tenants 0"},
		{name: "bad seed", args: []string{"generate", "--seed", "99999"}, wantCode: 2, wantErr: "--seed 99999"},
	}
	for _, tt := range tests { // in order: "again" follows "writes"
		code, out, errOut := runSQI(t, url, "", tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: exit %d, stderr %q; want %d, containing %q", tt.name, code, errOut, tt.wantCode, tt.wantErr)
		}
		for _, w := range tt.wantOut {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout %q lacks %q", tt.name, out, w)
			}
		}
	}
}
