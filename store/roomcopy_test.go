package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
)

// factColumns are room_facts' columns of a room, as the store names them.
func factColumns() []string {
	var names []string
	for _, f := range metrics.StoredFields {
		names = append(names, f.Name)
	}
	for _, s := range metrics.TurnSets {
		names = append(names, s.Name+"_opened_at", s.Name+"_answered_at", s.Name+"_agent")
	}
	return names
}

// pgxValues is how the store wrote a room before it encoded COPY by
// hand: one Go value per column, encoded by pgx's type map. It is the
// reference the hand encoding must equal.
func pgxValues(r *metrics.Room) []any {
	var vals []any
	for _, f := range metrics.StoredFields {
		c := f.Fact(r)
		var v any
		switch {
		case c.Null:
		case f.Kind == metrics.FieldText:
			v = c.S
		case f.Kind == metrics.FieldTime:
			v = c.T
		case f.Kind == metrics.FieldSeconds:
			v = c.F
		case f.Kind == metrics.FieldCount:
			v = c.I
		case f.Kind == metrics.FieldBool:
			v = c.B
		}
		vals = append(vals, v)
	}
	for i := range metrics.TurnSets {
		ts := *metrics.TurnSets[i].Turns(r)
		opened, answered := make([]pgtype.Timestamptz, len(ts)), make([]pgtype.Timestamptz, len(ts))
		agents := make([]pgtype.Text, len(ts))
		for j, t := range ts {
			opened[j] = pgtype.Timestamptz{Time: t.OpenedAt, Valid: true}
			answered[j] = pgtype.Timestamptz{Time: t.AnsweredAt, Valid: t.Answered()}
			agents[j] = pgtype.Text{String: t.Agent, Valid: t.Agent != ""}
		}
		vals = append(vals, opened, answered, agents)
	}
	return vals
}

// PostgreSQL's first and last timestamptz: 4714-11-24 BC and 294276 AD.
var (
	pgFirst = time.Date(-4713, 11, 24, 0, 0, 0, 0, time.UTC)
	pgLast  = time.Date(294276, 12, 31, 23, 59, 59, 999_999_000, time.UTC)
)

// copyRooms are rooms at the edges of what room_facts holds: every NULL a
// column may hold and none, empty turn arrays and arrays with NULL
// elements, Korean and other multi-byte text, and PostgreSQL's first and
// last representable instants.
func copyRooms(t *testing.T) []metrics.Room {
	t.Helper()
	day := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	full := answeredRoom(t, "acme", "full", day, 5)
	full.Replies = append(full.Replies, metrics.Turn{OpenedAt: day.Add(99 * time.Second)}) // unanswered, no agent
	full.Dropped, full.Transfers, full.Events, full.RejectedEvents = true, 2, 11, 3
	full.InvalidReason = "closed_before_queued"

	korean := answeredRoom(t, "acme", "상담방-001 ☕", day.Add(time.Hour), 1)
	korean.Agent, korean.Team, korean.Channel, korean.Category = "김상담", "결제팀", "카카오톡", "환불 문의 \"긴급\"\t\\"
	korean.Replies[0].Agent = "이상담"

	bot := botRoom(t, "acme", "bot", day.Add(2*time.Hour)) // NULLs and empty arrays
	bot.Replies, bot.CustomerReplies = nil, []metrics.Turn{}

	first, last := pgFirst, pgLast
	edges := metrics.Room{TenantID: "acme", RoomID: "edges", OpenedAt: first, QueuedAt: first.Add(time.Microsecond),
		AssignedAt: time.Unix(0, 0).UTC(), ClosedAt: last, FirstAgentAt: time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.UTC),
		State: metrics.StateWaiting, StateAt: last.Add(-time.Microsecond), Score: math.MaxInt16, Transfers: math.MaxInt32,
		Events: math.MaxInt32, RejectedEvents: 0,
		Replies:         []metrics.Turn{{OpenedAt: first, AnsweredAt: last, Agent: "a"}, {OpenedAt: last}},
		CustomerReplies: []metrics.Turn{{OpenedAt: first, AnsweredAt: first.Add(time.Microsecond)}},
	}
	return []metrics.Room{full, korean, bot, edges}
}

// TestRoomCopyEqualsPgx: rooms written by the hand-encoded binary COPY
// of WriteFacts are stored exactly as pgx's CopyFrom stores the same
// values (every column, byte for byte as PostgreSQL sends them back), read
// back equal to the computed rooms, and the upsert of the same rooms over
// the pgx-written rows finds nothing changed.
func TestRoomCopyEqualsPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	rooms := copyRooms(t)
	cols := factColumns()
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE pgx_facts (LIKE room_facts INCLUDING DEFAULTS)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"pgx_facts"}, cols, pgx.CopyFromSlice(len(rooms), func(i int) ([]any, error) {
		return pgxValues(&rooms[i]), nil
	})); err != nil {
		t.Fatalf("pgx copy: %v", err)
	}
	if n := write(t, db, nil, rooms...); n != int64(len(rooms)) {
		t.Fatalf("wrote %d rooms, want %d", n, len(rooms))
	}

	// Byte for byte, column by column.
	raw := func(table string) map[string][][]byte {
		rows, err := db.Pool.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table, pgx.QueryResultFormats{pgx.BinaryFormatCode})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][][]byte{}
		for rows.Next() {
			var vals [][]byte
			for _, v := range rows.RawValues() {
				vals = append(vals, bytes.Clone(v))
			}
			out[string(vals[1])] = vals // by room_id
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	hand, ref := raw("room_facts"), raw("pgx_facts")
	if len(hand) != len(rooms) || len(ref) != len(rooms) {
		t.Fatalf("%d rows written by hand, %d by pgx, want %d", len(hand), len(ref), len(rooms))
	}
	for id, want := range ref {
		got := hand[id]
		for i, c := range cols {
			if !bytes.Equal(got[i], want[i]) || (got[i] == nil) != (want[i] == nil) {
				t.Errorf("room %s, %s: %x, pgx wrote %x", id, c, got[i], want[i])
			}
		}
	}

	// Read back, every field equals the computed room's.
	got := map[string]metrics.Room{}
	for _, r := range readRooms(t, db, "acme", pgFirst, pgLast) {
		got[r.RoomID] = r
	}
	for i := range rooms {
		r, ok := got[rooms[i].RoomID]
		if !ok {
			t.Errorf("room %q not read back", rooms[i].RoomID)
			continue
		}
		if err := sameFacts(&rooms[i], &r); err != nil {
			t.Errorf("room %q read back: %v", rooms[i].RoomID, err)
		}
	}

	// The upsert (staging table, hand-encoded) over pgx's rows changes nothing.
	if _, err := db.Pool.Exec(ctx, `TRUNCATE room_facts; INSERT INTO room_facts SELECT * FROM pgx_facts`); err != nil {
		t.Fatal(err)
	}
	known := map[store.RoomKey]bool{}
	for _, r := range rooms {
		known[store.RoomKey{TenantID: r.TenantID, RoomID: r.RoomID}] = true
	}
	if n := write(t, db, known, rooms...); n != 0 {
		t.Errorf("rewriting pgx's rows by hand changed %d rooms, want 0", n)
	}
}

// TestRoomCopyRefusesOverflow: a count beyond an integer column fails the
// write with the room and the column named, and writes nothing.
func TestRoomCopyRefusesOverflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	day := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	ok, bad := botRoom(t, "acme", "ok", day), botRoom(t, "acme", "bad", day)
	bad.Events = math.MaxInt32 + 1
	b := &store.FactsBatch{Rooms: []metrics.Room{ok, bad},
		Keys: []store.RoomKey{{TenantID: "acme", RoomID: "ok"}, {TenantID: "acme", RoomID: "bad"}}}
	_, err := db.WriteFacts(ctx, b)
	if err == nil || !strings.Contains(err.Error(), "acme/bad") || !strings.Contains(err.Error(), "events") {
		t.Fatalf("WriteFacts = %v, want an error naming acme/bad and events", err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM room_facts`).Scan(&n); err != nil || n != 0 {
		t.Errorf("room_facts holds %d rows (%v) after the failed write, want 0", n, err)
	}
	if got := fmt.Sprint(dirty(t, db)); got != "[]" {
		t.Errorf("dirty blocks %s after the failed write, want none", got)
	}
}
