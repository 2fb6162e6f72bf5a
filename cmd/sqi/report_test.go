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
		{"generate", "--tenants", "2", "--days", "9", "--rooms-per-day", "60", "--start", "2026-02-28"},
		{"etl", "--once"},
	} {
		if code, _, errOut := runSQI(t, url, "", args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "acme.xlsx")
	weekly := filepath.Join(dir, "acme_weekly_2026-03-02.xlsx")
	monthly := filepath.Join(dir, "globex_monthly_2026-02.xlsx")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
		env      map[string]string
	}{
		{name: "writes the workbook", args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-08", "--out", out}, wantOut: "wrote " + out},
		{name: "weekly", args: []string{"report", "weekly", "--tenant", "acme", "--week", "2026-03-02", "--out", weekly}, wantOut: "wrote " + weekly},
		{name: "monthly", args: []string{"report", "monthly", "--tenant", "globex", "--month", "2026-02", "--out", monthly}, wantOut: "wrote " + monthly},
		{name: "week not a monday", args: []string{"report", "weekly", "--tenant", "acme", "--week", "2026-03-04"}, wantCode: 2,
			wantErr: "--week: not the first day of a report period: 2026-03-04 is a Wednesday; a weekly report starts on the Monday of its ISO week, 2026-03-02"},
		{name: "month as a date", args: []string{"report", "monthly", "--tenant", "acme", "--month", "2026-03-01"}, wantCode: 2, wantErr: "--month \"2026-03-01\": give the month as YYYY-MM"},
		{name: "month 13", args: []string{"report", "monthly", "--tenant", "acme", "--month", "2026-13"}, wantCode: 2, wantErr: "--month \"2026-13\": give the month as YYYY-MM"},
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
	if got := f.GetSheetList(); !slices.Equal(got, reports.SheetNames(reports.KindDaily, "ko")) {
		t.Errorf("sheets %v", got)
	}
	for _, x := range []struct {
		path   string
		kind   reports.Kind
		locale string
	}{{weekly, reports.KindWeekly, "ko"}, {monthly, reports.KindMonthly, "ko"}} { // generated tenants have the default locale
		f, err := excelize.OpenFile(x.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !slices.Equal(got, reports.SheetNames(x.kind, x.locale)) {
			t.Errorf("%s: sheets %v", x.path, got)
		}
		f.Close()
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
