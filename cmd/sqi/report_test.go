package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"sqi/internal/pgtest"
	"sqi/reports"
)

func TestReportCommand(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	for _, args := range [][]string{
		{"generate", "--tenants", "2", "--days", "2", "--rooms-per-day", "60", "--start", "2026-03-07"},
		{"etl", "--once"},
	} {
		if code, _, errOut := runSQI(t, url, "", args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "acme.xlsx")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
		env      map[string]string
	}{
		{name: "writes the workbook", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--out", out}, wantOut: "wrote " + out},
		{name: "no sub-command", args: []string{"report", "--tenant", "acme"}, wantCode: 2, wantErr: "give daily"},
		{name: "bad date", args: []string{"report", "daily", "--tenant", "acme", "--date", "8/3/2026"}, wantCode: 2, wantErr: "--date"},
		{name: "bad tenant", args: []string{"report", "daily", "--tenant", "no such", "--date", "2026-03-08"}, wantCode: 2, wantErr: "--tenant"},
		{name: "unknown tenant", args: []string{"report", "daily", "--tenant", "nobody", "--date", "2026-03-08", "--out", filepath.Join(dir, "x.xlsx")}, wantCode: 2, wantErr: "--tenant: unknown tenant"},
		{name: "unknown tenant by e-mail", args: []string{"report", "daily", "--tenant", "nobody", "--date", "2026-03-08", "--email"}, env: map[string]string{"SMTP_URL": "smtp://127.0.0.1:1?tls=none"}, wantCode: 2, wantErr: "--tenant: unknown tenant"},
		{name: "bad SMTP_URL", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--email"}, env: map[string]string{"SMTP_URL": "http://mail"}, wantCode: 2, wantErr: "SMTP_URL"},
		{name: "email without SMTP_URL", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--email"}, wantCode: 2, wantErr: "SMTP_URL"},
	}
	for _, tt := range tests {
		code, stdout, errOut := runSQIEnv(t, url, tt.env, tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) || !strings.Contains(stdout, tt.wantOut) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", tt.name, code, stdout, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
		}
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, reports.Sheets) {
		t.Errorf("sheets %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.xlsx")); !os.IsNotExist(err) {
		t.Errorf("a failed run left a file: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".sqi-report-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// runSQIEnv is runSQI with more environment variables.
func runSQIEnv(t *testing.T, url string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "SOURCE_DATABASE_URL" || k == "DATABASE_URL" {
			return url
		}
		return env[k]
	}
	code = run(t.Context(), args, strings.NewReader(""), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}
