package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"sqi/internal/pgtest"
	"sqi/migrations"
)

// TestMigrationFactsInstants: migration 00006 turns a room_facts row of
// the old shape (durations) into the new one (instants): the room-level
// instants follow from the durations to the microsecond, the row is marked
// for recomputation (its turns' instants cannot be recovered), and every
// block is marked to be rebuilt.
func TestMigrationFactsInstants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewEmpty(t)
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	defer sqldb.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	const old = `INSERT INTO room_facts (tenant_id, room_id, opened_at, queued_at, assigned_at, closed_at, agent_id,
  wait_s, first_response_s, assigned_response_s, handle_s, wrapup_s, dropped, transfers, reply_s, reply_agent, events)
VALUES ('acme', 'r1', '2026-03-10 01:00:00+00', '2026-03-10 01:00:05+00', '2026-03-10 01:00:25.123456+00', '2026-03-10 01:05:00+00', 'a1',
  20.123456, 30.5, 5.25, 274.876544, 60.000001, false, 0, '{20}', '{a1}', 9);
INSERT INTO room_blocks (tenant_id, day, rooms, rooms_ipc, turns_ipc) VALUES ('acme', '2026-03-10', 1, '\x00', '\x00')`
	if _, err := db.Pool.Exec(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		first, assigned, wrapup time.Time
		version                 int
		dirty                   int
		turns                   int
	)
	err = db.Pool.QueryRow(ctx, `SELECT first_response_at, assigned_response_at, wrapup_at, facts_version, cardinality(reply_opened_at),
  (SELECT count(*) FROM blocks_dirty) FROM room_facts`).Scan(&first, &assigned, &wrapup, &version, &turns, &dirty)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { v, _ := time.Parse("2006-01-02 15:04:05.999999", s); return v }
	for _, c := range []struct {
		name      string
		got, want time.Time
	}{
		{"first_response_at", first, utc("2026-03-10 01:00:30.5")},
		{"assigned_response_at", assigned, utc("2026-03-10 01:00:30.373456")},
		{"wrapup_at", wrapup, utc("2026-03-10 01:06:00.000001")},
	} {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %s, want %s", c.name, c.got.UTC().Format(time.RFC3339Nano), c.want.Format(time.RFC3339Nano))
		}
	}
	if version != 1 || turns != 0 || dirty != 1 {
		t.Errorf("facts_version %d, turns %d, dirty blocks %d: want 1 (to recompute), 0, 1", version, turns, dirty)
	}
}
