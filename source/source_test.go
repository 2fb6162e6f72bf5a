package source_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/source"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 123e6, time.UTC)

func ev(id int64, typ string) metrics.Event {
	return metrics.Event{EventID: id, TenantID: "acme", RoomID: "r1", Type: typ, OccurredAt: t0.Add(time.Duration(id) * time.Second)}
}

func TestCopyEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.New(t).Pool

	in := []metrics.Event{
		{EventID: 1, TenantID: "acme", RoomID: "r1", Type: metrics.RoomOpened, OccurredAt: t0, Channel: "web", Category: "billing"},
		{EventID: 2, TenantID: "acme", RoomID: "r1", Type: metrics.Message, OccurredAt: t0.Add(time.Second), Actor: metrics.ActorAgent, AgentID: "agent-001"},
		{EventID: 3, TenantID: "acme", RoomID: "r1", Type: metrics.SurveySubmitted, OccurredAt: t0.Add(time.Hour), Score: 7},
	}
	before := dbNow(t, pool)
	n, err := source.CopyEvents(ctx, pool, source.Slice(in))
	if err != nil || n != 3 {
		t.Fatalf("CopyEvents = %d, %v; want 3, nil", n, err)
	}
	got := readEvents(t, pool)
	for i := range got {
		if got[i].CreatedAt.Before(before) {
			t.Errorf("event %d: created_at %v before the copy started (%v): it must be the DEFAULT now()", got[i].EventID, got[i].CreatedAt, before)
		}
		got[i].CreatedAt = time.Time{}
		if got[i] != in[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], in[i])
		}
	}
	var nulls int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM chat_events WHERE actor IS NULL AND score IS NULL AND event_id = 1").Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("empty text and zero score must be written as NULL: %d, %v", nulls, err)
	}

	_, err = source.CopyEvents(ctx, pool, source.Slice(in[:1]))
	if !errors.Is(err, source.ErrDuplicate) {
		t.Errorf("CopyEvents of an existing id = %v, want ErrDuplicate", err)
	}
}

func TestInsertEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.New(t).Pool
	if _, err := source.CopyEvents(ctx, pool, source.Slice([]metrics.Event{ev(1, metrics.RoomOpened), ev(2, metrics.Queued)})); err != nil {
		t.Fatal(err)
	}

	first := ev(3, metrics.Message)
	first.Actor = metrics.ActorCustomer
	again := ev(3, metrics.Message)
	again.Actor = metrics.ActorBot
	in := []metrics.Event{ev(2, metrics.Queued), first, ev(4, metrics.RoomClosed), again}
	ins, dups, err := source.InsertEvents(ctx, pool, source.Slice(in))
	if err != nil || ins != 2 || dups != 2 {
		t.Fatalf("InsertEvents = %d inserted, %d duplicates, %v; want 2, 2, nil", ins, dups, err)
	}
	got := readEvents(t, pool)
	if len(got) != 4 || got[2].Actor != metrics.ActorCustomer {
		t.Errorf("rows = %+v; want 4, event 3 from its first occurrence (customer)", got)
	}
}

func TestMissingTable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := pgtest.New(t).Pool
	if _, err := pool.Exec(ctx, "DROP TABLE chat_events"); err != nil {
		t.Fatal(err)
	}
	_, err := source.CopyEvents(ctx, pool, source.Slice([]metrics.Event{ev(1, metrics.RoomOpened)}))
	if !errors.Is(err, source.ErrNoTable) {
		t.Errorf("CopyEvents without chat_events = %v, want ErrNoTable", err)
	}
}

func dbNow(t *testing.T, pool *pgxpool.Pool) time.Time {
	t.Helper()
	var now time.Time
	if err := pool.QueryRow(t.Context(), "SELECT now()").Scan(&now); err != nil {
		t.Fatal(err)
	}
	return now
}

// readEvents returns all of chat_events in event_id order, NULL as "" / 0.
func readEvents(t *testing.T, pool *pgxpool.Pool) []metrics.Event {
	t.Helper()
	rows, err := pool.Query(t.Context(), `
SELECT event_id, tenant_id, room_id, type, occurred_at, coalesce(actor, ''), coalesce(agent_id, ''),
       coalesce(team_id, ''), coalesce(channel, ''), coalesce(category, ''), coalesce(score, 0), created_at
  FROM chat_events ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []metrics.Event
	for rows.Next() {
		var e metrics.Event
		if err := rows.Scan(&e.EventID, &e.TenantID, &e.RoomID, &e.Type, &e.OccurredAt, &e.Actor, &e.AgentID,
			&e.TeamID, &e.Channel, &e.Category, &e.Score, &e.CreatedAt); err != nil {
			t.Fatal(err)
		}
		e.OccurredAt = e.OccurredAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
