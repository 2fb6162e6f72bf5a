package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sqi/store"
)

// replicaPair is the primary and the hot standby that scripts/test.sh
// starts (scripts/replica.sh); a test that needs them fails without them.
func replicaPair(t *testing.T) (primary, standby string) {
	t.Helper()
	primary, standby = os.Getenv("SQI_TEST_PRIMARY_URL"), os.Getenv("SQI_TEST_REPLICA_URL")
	if primary == "" || standby == "" {
		t.Fatal("SQI_TEST_PRIMARY_URL and SQI_TEST_REPLICA_URL are not set: run the tests with `make test` (scripts/test.sh starts a primary and a streaming standby with scripts/replica.sh)")
	}
	return primary, standby
}

func withDB(t *testing.T, admin, name string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func adminExec(t *testing.T, admin, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// waitReplayed waits until the standby has replayed everything the
// primary has written so far.
func waitReplayed(t *testing.T, primary, standby string) {
	t.Helper()
	ctx := t.Context()
	p, err := pgx.Connect(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	var lsn string
	if err := p.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	s, err := pgx.Connect(ctx, standby)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		if err := s.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, lsn).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby has not replayed %s in 30 s", lsn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadsFromStandby: with READ_DATABASE_URL on a streaming hot standby
// (pg_basebackup -R), /sqi answers from it what `sqi stats` computes on
// the primary, and the reads really go there: while the standby's replay
// is paused, a configuration written through the API (to the primary) is
// not seen by the reads; once it resumes, it is.
func TestReadsFromStandby(t *testing.T) {
	t.Parallel()
	primary, standby := replicaPair(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "sqi_test_rep_" + hex.EncodeToString(b)
	adminExec(t, primary, "CREATE DATABASE "+name)
	t.Cleanup(func() { adminExec(t, primary, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	dbURL, readURL := withDB(t, primary, name), withDB(t, standby, name)
	db, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	getenv := servedEnv(dbURL, nil)
	for _, args := range [][]string{
		{"generate", "--tenants", "1", "--days", "2", "--rooms-per-day", "200", "--start", "2026-03-07"},
		{"etl", "--once"},
	} {
		if code, _, errOut := runWith(t, t.Context(), getenv, args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	_, key, _ := runWith(t, t.Context(), getenv, "apikey", "create", "--role", "admin")
	key = strings.TrimSpace(key)
	_, stats, _ := runWith(t, t.Context(), getenv, "stats", "--tenant", "acme", "--from", "2026-03-07", "--to", "2026-03-08", "--group-by", "day,agent")
	waitReplayed(t, primary, standby) // the standby's own database: ours may not be there yet

	base, logs := startServe(t, servedEnv(dbURL, map[string]string{"READ_DATABASE_URL": readURL, "READY_MAX_ETL_LAG": "0"}))
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("GET", "/v1/tenants/acme/sqi?from=2026-03-07&to=2026-03-08&group_by=day,agent", ""); code != 200 || body != stats {
		t.Fatalf("/sqi from the standby: status %d, body differs from sqi stats on the primary:\n got %.300s\nwant %.300s", code, body, stats)
	}

	adminExec(t, readURL, `SELECT pg_wal_replay_pause()`)
	t.Cleanup(func() { adminExec(t, readURL, `SELECT pg_wal_replay_resume()`) })
	if code, body := do("PUT", "/v1/tenants/acme/config", `{"name": "Acme Renamed"}`); code != 200 {
		t.Fatalf("PUT config (to the primary): %d %s", code, body)
	}
	if _, body := do("GET", "/v1/tenants", ""); strings.Contains(body, "Acme Renamed") {
		t.Fatalf("the read saw a write the paused standby has not replayed: reads do not go to READ_DATABASE_URL: %s", body)
	}
	adminExec(t, readURL, `SELECT pg_wal_replay_resume()`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := do("GET", "/v1/tenants", "")
		if strings.Contains(body, "Acme Renamed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby never showed the new name: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf(`"read_database":"postgres://postgres@127.0.0.1:%s/%s`, strings.Split(strings.Split(readURL, ":")[2], "/")[0], name)) {
		t.Errorf("the start log does not name the read database:\n%.2000s", logs.String())
	}
}
