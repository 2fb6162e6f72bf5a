package faults_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sqi/internal/pgtest"
	"sqi/store"
)

// dump renders every fact, reject and block of a service database, so
// that two of them can be compared whole.
func dump(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT row(f.*)::text FROM (SELECT tenant_id, room_id, opened_at, queued_at, assigned_at, closed_at, agent_id, team_id, channel, category,
		  first_response_at, assigned_response_at, wrapup_at, state, state_at, dropped, transfers, score,
		  reply_opened_at, reply_answered_at, reply_agent, customer_reply_opened_at, customer_reply_answered_at, customer_reply_agent,
		  invalid_reason, events, rejected_events
		  FROM room_facts ORDER BY tenant_id, room_id) f`,
		`SELECT row(r.*)::text FROM (SELECT tenant_id, room_id, event_id, reason, opened_at FROM rejects ORDER BY tenant_id, room_id, event_id NULLS FIRST, reason) r`,
		`SELECT tenant_id || ' ' || day || ' ' || rooms FROM room_blocks ORDER BY tenant_id, day`,
		`SELECT 'dirty ' || count(*) FROM blocks_dirty`,
	} {
		rows, err := db.Pool.Query(t.Context(), q)
		if err != nil {
			t.Fatalf("dump: %v", err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("dump: %v", err)
		}
		b.WriteString(strings.Join(lines, "\n"))
		b.WriteString("\n--\n")
	}
	return b.String()
}

// TestETLKilledAtRandomPoints kills `sqi etl --once` with SIGKILL at
// random moments of its runs (reading, computing, writing, rebuilding
// blocks, recording the state), while more events arrive between runs;
// then lets one run finish. Its facts, rejects, blocks and every SQI row
// must be those of one uninterrupted run over the same events, into
// another database.
func TestETLKilledAtRandomPoints(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	killed, ref := pgtest.New(t), pgtest.New(t)
	kURL := urlOf(t, killed)
	env := map[string]string{"DATABASE_URL": kURL}
	mustSQI(t, env, "generate", "--tenants", "2", "--days", "2", "--rooms-per-day", "1200", "--start", "2026-03-07", "--seed", "3")

	// How long one uninterrupted run takes, to kill within it.
	t0 := time.Now()
	mustSQI(t, map[string]string{"DATABASE_URL": urlOf(t, ref), "SOURCE_DATABASE_URL": kURL}, "etl", "--once", "--batch", "1000")
	full := time.Since(t0)
	if _, err := ref.Pool.Exec(t.Context(), `TRUNCATE room_facts, rejects, etl_state, etl_runs, room_blocks, blocks_dirty, tenants, feed_rejects`); err != nil {
		t.Fatal(err)
	}
	t.Logf("an uninterrupted run takes %s", full.Round(time.Millisecond))

	// A killed run leaves the state where it was, so the next one has the
	// same backlog; a run that ends before its kill leaves none, and the
	// next day's events are written then, so that every run has work.
	kills, next := 0, time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	killRuns := func(n int) {
		for range n {
			ctx, cancel := context.WithCancel(t.Context())
			cmd := command(ctx, env, "etl", "--once", "--batch", "1000")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(rng.Int64N(int64(full) * 4 / 5)))
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			cancel()
			if !cmd.ProcessState.Success() {
				kills++
				continue
			}
			mustSQI(t, env, "generate", "--tenants", "2", "--days", "2", "--rooms-per-day", "1200", "--start", next.Format(time.DateOnly), "--seed", "3")
			next = next.AddDate(0, 0, 2)
		}
	}
	killRuns(6)
	mustSQI(t, env, "generate", "--tenants", "2", "--days", "1", "--rooms-per-day", "1200", "--start", "2026-03-09", "--seed", "3")
	killRuns(6)
	// A late survey of a room of the first day, after the kills.
	if _, err := killed.Pool.Exec(t.Context(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, score)
SELECT 9000000001, tenant_id, room_id, 'survey_submitted', max(occurred_at) + interval '1 hour', 1
FROM chat_events WHERE tenant_id = 'acme' GROUP BY tenant_id, room_id ORDER BY room_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	killRuns(3)
	if kills < 8 {
		t.Fatalf("only %d of 15 runs were killed before they ended: the test did not test much", kills)
	}
	// The lock of a killed run ends with its session; the next run may
	// find it still held for a moment.
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, errOut := sqi(t, env, "etl", "--once", "--batch", "1000")
		if code == 0 {
			break
		}
		if !strings.Contains(errOut, "another ETL run") || time.Now().After(deadline) {
			t.Fatalf("the run after the kills: exit %d: %s", code, errOut)
		}
		time.Sleep(200 * time.Millisecond)
	}
	mustSQI(t, map[string]string{"DATABASE_URL": urlOf(t, ref), "SOURCE_DATABASE_URL": kURL}, "etl", "--once")
	if got, want := dump(t, killed), dump(t, ref); got != want {
		t.Fatalf("after %d kills the facts differ from an uninterrupted run (seed %d)", kills, seed)
	}
	for _, tenant := range []string{"acme", "globex"} {
		args := []string{"stats", "--tenant", tenant, "--from", "2026-03-06", "--to", next.Format(time.DateOnly), "--group-by", "day,agent"}
		got := mustSQI(t, env, args...)
		want := mustSQI(t, map[string]string{"DATABASE_URL": urlOf(t, ref)}, args...)
		if got != want {
			t.Errorf("%s: the SQI rows differ after the kills (seed %d)", tenant, seed)
		}
	}
	t.Logf("%d runs killed; facts, rejects, blocks and SQI rows equal an uninterrupted run", kills)
}

// urlOf is the URL of a test database's pool.
func urlOf(t *testing.T, db *store.DB) string {
	t.Helper()
	return db.Pool.Config().ConnString()
}
