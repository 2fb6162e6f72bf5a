package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sqi/internal/pgtest"
)

// A database that cannot be used is named by its variable, user, host,
// port and database, with the cause; never with its password. Exit 1.
func TestDatabaseErrors(t *testing.T) {
	t.Parallel()
	_, good := pgtest.NewWithURL(t)
	file := filepath.Join(t.TempDir(), "events.ndjson")
	if err := os.WriteFile(file, []byte(`{"event_id": 1, "tenant_id": "acme", "room_id": "r1", "type": "room_opened", "occurred_at": "2026-03-07T09:00:00+09:00"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A database that does not exist, on the test server, with a password.
	u, err := url.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "Pa55-w0rd/secret")
	u.Path = "/sqi_no_such_database"
	missing := u.String()

	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	down := "postgres://sqi_app:s3cret-Pa55@127.0.0.1:1/sqi?sslmode=disable"
	sourceDown := "postgres://chat_reader:0ther-Secret@127.0.0.1:2/chat?sslmode=disable"
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantCode int
		want     []string
	}{
		{name: "migrate, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down}, args: []string{"migrate"}, wantCode: 1,
			want: []string{"sqi migrate: cannot use the database of DATABASE_URL (sqi_app@127.0.0.1:1/sqi): connect: connection refused"}},
		{name: "stats, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down},
			args: []string{"stats", "--tenant", "acme", "--from", "2026-03-01", "--to", "2026-03-01"}, wantCode: 1,
			want: []string{"DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "tenant list, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down}, args: []string{"tenant", "list"}, wantCode: 1,
			want: []string{"DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "report, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down},
			args: []string{"report", "daily", "--tenant", "acme", "--date", "2026-03-01", "--out", filepath.Join(t.TempDir(), "r.xlsx")}, wantCode: 1,
			want: []string{"DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "serve, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down, "HTTP_ADDR": "127.0.0.1:0"}, args: []string{"serve"}, wantCode: 1,
			want: []string{"DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "generate, source unset, DATABASE_URL down", vars: map[string]string{"DATABASE_URL": down}, args: []string{"generate", "--days", "1"}, wantCode: 1,
			want: []string{"sqi generate: cannot use the database of DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "generate, SOURCE_DATABASE_URL down", vars: map[string]string{"DATABASE_URL": good, "SOURCE_DATABASE_URL": sourceDown},
			args: []string{"generate", "--days", "1"}, wantCode: 1,
			want: []string{"sqi generate: cannot use the database of SOURCE_DATABASE_URL (chat_reader@127.0.0.1:2/chat): connect: connection refused"}},
		{name: "import, SOURCE_DATABASE_URL down", vars: map[string]string{"DATABASE_URL": good, "SOURCE_DATABASE_URL": sourceDown},
			args: []string{"import", file}, wantCode: 1, want: []string{"SOURCE_DATABASE_URL (chat_reader@127.0.0.1:2/chat)"}},
		{name: "etl, SOURCE_DATABASE_URL down", vars: map[string]string{"DATABASE_URL": good, "SOURCE_DATABASE_URL": sourceDown},
			args: []string{"etl", "--once"}, wantCode: 1, want: []string{"sqi etl: cannot use the database of SOURCE_DATABASE_URL (chat_reader@127.0.0.1:2/chat)"}},
		{name: "etl, DATABASE_URL down first", vars: map[string]string{"DATABASE_URL": down, "SOURCE_DATABASE_URL": good},
			args: []string{"etl", "--once"}, wantCode: 1, want: []string{"sqi etl: cannot use the database of DATABASE_URL (sqi_app@127.0.0.1:1/sqi)"}},
		{name: "a database that does not exist", vars: map[string]string{"DATABASE_URL": missing}, args: []string{"apikey", "list"}, wantCode: 1,
			want: []string{"DATABASE_URL (" + u.User.Username() + "@" + u.Host, `database "sqi_no_such_database" does not exist`}},
		{name: "a URL that cannot be read", vars: map[string]string{"DATABASE_URL": "postgres://sqi_app:s3cret-Pa55@db.example:port/sqi"}, args: []string{"migrate"},
			wantCode: 2, want: []string{"sqi migrate: DATABASE_URL cannot be read as a PostgreSQL URL: give postgres://"}},
		{name: "a source URL that cannot be read", vars: map[string]string{"DATABASE_URL": good, "SOURCE_DATABASE_URL": "postgres://chat_reader:0ther-Secret@[::1"},
			args: []string{"generate"}, wantCode: 2, want: []string{"sqi generate: SOURCE_DATABASE_URL cannot be read as a PostgreSQL URL"}},
		{name: "serve, a source URL that cannot be read", vars: map[string]string{"DATABASE_URL": good, "HTTP_ADDR": "127.0.0.1:0",
			"SOURCE_DATABASE_URL": "postgres://chat_reader:0ther-Secret@db.example:port/chat"},
			args: []string{"serve"}, wantCode: 2, want: []string{"sqi serve: SOURCE_DATABASE_URL cannot be read as a PostgreSQL URL"}},
	}
	for _, tt := range tests {
		code, out, errOut := runEnv(t, env(tt.vars), "", tt.args...)
		if code != tt.wantCode || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d", tt.name, code, out, errOut, tt.wantCode)
		}
		for _, w := range tt.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", tt.name, errOut, w)
			}
		}
		for _, secret := range []string{"s3cret", "0ther-Secret", "Pa55-w0rd", url.QueryEscape("Pa55-w0rd/secret")} {
			if strings.Contains(errOut, secret) {
				t.Errorf("%s: stderr shows a password: %q", tt.name, errOut)
			}
		}
	}
}
