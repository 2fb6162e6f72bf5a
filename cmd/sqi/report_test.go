package main

import (
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
	}{
		{name: "writes the workbook", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--out", out}, wantOut: "wrote " + out},
		{name: "no sub-command", args: []string{"report", "--tenant", "acme"}, wantCode: 2, wantErr: "give daily"},
		{name: "bad date", args: []string{"report", "daily", "--tenant", "acme", "--date", "8/3/2026"}, wantCode: 2, wantErr: "--date"},
		{name: "bad tenant", args: []string{"report", "daily", "--tenant", "no such", "--date", "2026-03-08"}, wantCode: 2, wantErr: "--tenant"},
		{name: "unknown tenant", args: []string{"report", "daily", "--tenant", "nobody", "--date", "2026-03-08", "--out", filepath.Join(dir, "x.xlsx")}, wantCode: 2, wantErr: "--tenant: unknown tenant"},
		{name: "email without SMTP_URL", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--email"}, wantCode: 2, wantErr: "SMTP_URL"},
	}
	for _, tt := range tests {
		code, stdout, errOut := runSQI(t, url, "", tt.args...)
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
