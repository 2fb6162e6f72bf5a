package store_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
)

// TestRoomFactsSchema checks room_facts against the room's declaration:
// a column per stored field, of the type its kind stores, nullable where
// the field may be null, and two arrays per turn set.
func TestRoomFactsSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	rows, err := db.Pool.Query(context.Background(), `SELECT column_name, data_type, is_nullable = 'YES'
FROM information_schema.columns WHERE table_name = 'room_facts'`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct {
		typ      string
		nullable bool
	}
	cols := map[string]col{}
	for rows.Next() {
		var name string
		var c col
		if err := rows.Scan(&name, &c.typ, &c.nullable); err != nil {
			t.Fatal(err)
		}
		cols[name] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[metrics.FieldKind]string{ // the SQL types of the kinds
		metrics.FieldText: "text", metrics.FieldTime: "timestamp with time zone",
		metrics.FieldSeconds: "double precision", metrics.FieldCount: "integer", metrics.FieldBool: "boolean",
	}
	for _, f := range metrics.StoredFields {
		c, ok := cols[f.Name]
		if !ok {
			t.Errorf("room_facts has no column %s", f.Name)
			continue
		}
		typ := want[f.Kind]
		if f.SmallInt() {
			typ = "smallint"
		}
		if c.typ != typ {
			t.Errorf("room_facts.%s is %s, the declaration stores %s", f.Name, c.typ, typ)
		}
		if c.nullable != f.Nullable() {
			t.Errorf("room_facts.%s nullable %v, the declaration says %v", f.Name, c.nullable, f.Nullable())
		}
	}
	for _, s := range metrics.TurnSets {
		for _, name := range []string{s.Name + "_opened_at", s.Name + "_answered_at", s.Name + "_agent"} {
			if c, ok := cols[name]; !ok || c.typ != "ARRAY" {
				t.Errorf("room_facts.%s: %+v, want an array", name, c)
			}
		}
	}
}

// events of one room, built by a small script of (offset, type, actor,
// agent, team).
type script struct {
	tenant, room string
	opened       time.Time
	id           int64
}

func (s *script) ev(offset time.Duration, typ string, opts ...string) metrics.Event {
	s.id++
	e := metrics.Event{EventID: s.id, TenantID: s.tenant, RoomID: s.room, Type: typ, OccurredAt: s.opened.Add(offset)}
	for i := 0; i+1 < len(opts); i += 2 {
		switch opts[i] {
		case "actor":
			e.Actor = opts[i+1]
		case "agent":
			e.AgentID = opts[i+1]
		case "team":
			e.TeamID = opts[i+1]
		case "channel":
			e.Channel = opts[i+1]
		}
	}
	return e
}

// answeredRoom is a room with every kind of fact: wait, responses, two
// reply turns (one by another agent), a customer reply turn, handle,
// transfers and a score.
func answeredRoom(t *testing.T, tenant, room string, opened time.Time, score int16) metrics.Room {
	t.Helper()
	s := &script{tenant: tenant, room: room, opened: opened, id: int64(len(room)) * 1000}
	evs := []metrics.Event{
		s.ev(0, metrics.RoomOpened, "channel", "web"),
		s.ev(2*time.Second, metrics.Queued, "team", "t1"),
		s.ev(12*time.Second, metrics.AgentAssigned, "agent", "a1"),
		s.ev(15*time.Second, metrics.Message, "actor", "agent", "agent", "a1"),
		s.ev(20*time.Second, metrics.Message, "actor", "customer"),
		s.ev(50*time.Second, metrics.Transferred, "agent", "a2"),
		s.ev(80*time.Second, metrics.Message, "actor", "agent", "agent", "a2"),
		s.ev(90*time.Second, metrics.Message, "actor", "customer"),
		s.ev(100*time.Second, metrics.RoomClosed),
	}
	if score > 0 {
		e := s.ev(200*time.Second, metrics.SurveySubmitted)
		e.Score = score
		evs = append(evs, e)
	}
	r, _, ok := metrics.ComputeRoom(evs, nil)
	if !ok {
		t.Fatal("no facts")
	}
	return r
}

func botRoom(t *testing.T, tenant, room string, opened time.Time) metrics.Room {
	t.Helper()
	s := &script{tenant: tenant, room: room, opened: opened, id: int64(len(room))*1000 + 500}
	r, _, ok := metrics.ComputeRoom([]metrics.Event{s.ev(0, metrics.RoomOpened), s.ev(time.Minute, metrics.RoomClosed)}, nil)
	if !ok {
		t.Fatal("no facts")
	}
	return r
}

func write(t *testing.T, db *store.DB, known map[store.RoomKey]bool, rooms ...metrics.Room) int64 {
	t.Helper()
	b := &store.FactsBatch{Rooms: rooms, Known: known}
	for _, r := range rooms {
		b.Keys = append(b.Keys, store.RoomKey{TenantID: r.TenantID, RoomID: r.RoomID})
	}
	w, err := db.WriteFacts(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return w.RoomsChanged
}

func readRooms(t *testing.T, db *store.DB, tenant string, start, end time.Time) []metrics.Room {
	t.Helper()
	var out []metrics.Room
	err := db.Rooms(context.Background(), tenant, start, end, func(r *metrics.Room) error {
		c := *r
		c.Replies = slices.Clone(r.Replies)
		c.CustomerReplies = slices.Clone(r.CustomerReplies)
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFacts compares every stored fact of two rooms, turns included.
func sameFacts(a, b *metrics.Room) error {
	for _, f := range metrics.StoredFields {
		x, y := f.Fact(a), f.Fact(b)
		if x.Null != y.Null || x.S != y.S || !x.T.Equal(y.T) || x.I != y.I || x.B != y.B ||
			!(x.F == y.F || math.IsNaN(x.F) && math.IsNaN(y.F)) {
			return fmt.Errorf("%s: %+v, want %+v", f.Name, y, x)
		}
	}
	for i := range metrics.TurnSets {
		ta, tb := *metrics.TurnSets[i].Turns(a), *metrics.TurnSets[i].Turns(b)
		if len(ta) != len(tb) {
			return fmt.Errorf("%s turns: %d, want %d", metrics.TurnSets[i].Name, len(tb), len(ta))
		}
		for j := range ta {
			if ta[j].Agent != tb[j].Agent || !ta[j].OpenedAt.Equal(tb[j].OpenedAt) || !ta[j].AnsweredAt.Equal(tb[j].AnsweredAt) {
				return fmt.Errorf("%s turn %d: %+v, want %+v", metrics.TurnSets[i].Name, j, tb[j], ta[j])
			}
		}
	}
	return nil
}

func dirty(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT tenant_id || ' ' || day::text FROM blocks_dirty ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestWriteFacts: facts round-trip through room_facts and the blocks
// field by field; a write of unchanged facts changes nothing; a change
// changes that room only; the blocks of a room's old and new day are
// marked dirty when a late room_opened moves it.
func TestWriteFacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	day := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	rooms := []metrics.Room{
		answeredRoom(t, "acme", "r1", day, 5),
		answeredRoom(t, "acme", "r2", day.Add(time.Hour), 0),
		botRoom(t, "acme", "r3", day.Add(2*time.Hour)),
	}
	if n := write(t, db, nil, rooms...); n != 3 {
		t.Fatalf("first write changed %d rooms, want 3", n)
	}
	if got := dirty(t, db); !slices.Equal(got, []string{"acme 2026-03-10"}) {
		t.Errorf("dirty blocks %v, want [acme 2026-03-10]", got)
	}
	got := readRooms(t, db, "acme", day, day.Add(24*time.Hour))
	if len(got) != 3 {
		t.Fatalf("read %d rooms", len(got))
	}
	for i := range rooms {
		if err := sameFacts(&rooms[i], &got[i]); err != nil {
			t.Errorf("room_facts round trip of %s: %v", rooms[i].RoomID, err)
		}
	}

	// The blocks hold the same facts.
	if n, err := db.RebuildBlocks(ctx, nil); err != nil || n != 1 {
		t.Fatalf("RebuildBlocks = %d, %v", n, err)
	}
	if got := dirty(t, db); len(got) != 0 {
		t.Errorf("dirty blocks after the rebuild: %v", got)
	}
	var fromBlocks []metrics.Room
	err := db.Blocks(ctx, "acme", day, day.Add(24*time.Hour), func(b store.Block) error {
		return b.Rooms(day, day.Add(24*time.Hour), func(r *metrics.Room) error {
			c := *r
			c.Replies, c.CustomerReplies = slices.Clone(r.Replies), slices.Clone(r.CustomerReplies)
			c.TenantID, c.RoomID = "acme", rooms[len(fromBlocks)].RoomID // blocks carry no ids
			c.Events, c.RejectedEvents = rooms[len(fromBlocks)].Events, rooms[len(fromBlocks)].RejectedEvents
			fromBlocks = append(fromBlocks, c)
			return nil
		})
	})
	if err != nil || len(fromBlocks) != 3 {
		t.Fatalf("blocks: %d rooms, %v", len(fromBlocks), err)
	}
	for i := range rooms {
		if err := sameFacts(&rooms[i], &fromBlocks[i]); err != nil {
			t.Errorf("block round trip of %s: %v", rooms[i].RoomID, err)
		}
	}

	known := map[store.RoomKey]bool{}
	for _, r := range rooms {
		known[store.RoomKey{TenantID: r.TenantID, RoomID: r.RoomID}] = true
	}
	if n := write(t, db, known, rooms...); n != 0 {
		t.Errorf("rewriting the same facts changed %d rooms, want 0", n)
	}
	rooms[1] = answeredRoom(t, "acme", "r2", day.Add(time.Hour), 3) // a late survey
	if n := write(t, db, known, rooms...); n != 1 {
		t.Errorf("one late survey changed %d rooms, want 1", n)
	}
	if got := readRooms(t, db, "acme", day, day.Add(24*time.Hour)); got[1].Score != 3 {
		t.Errorf("r2 score %d after the late survey, want 3", got[1].Score)
	}
	if _, err := db.RebuildBlocks(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// A late room_opened moves r3 to the day before: both days dirty.
	moved := botRoom(t, "acme", "r3", day.Add(-2*time.Hour))
	if n := write(t, db, map[store.RoomKey]bool{{TenantID: "acme", RoomID: "r3"}: true}, moved); n != 1 {
		t.Errorf("moving r3 changed %d rooms, want 1", n)
	}
	if got := dirty(t, db); !slices.Equal(got, []string{"acme 2026-03-09", "acme 2026-03-10"}) {
		t.Errorf("dirty blocks %v, want the old and the new day", got)
	}
}

// TestRoomsPage pages through rooms that share opened_at instants: every
// room once, in (opened_at, room_id) order, whatever the page size.
func TestRoomsPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	var rooms []metrics.Room
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("r%02d", 7-i) // ids out of order within an instant
		r := botRoom(t, "acme", id, at.Add(time.Duration(i/3)*time.Second))
		rooms = append(rooms, r)
	}
	slices.SortFunc(rooms, func(a, b metrics.Room) int {
		if c := a.OpenedAt.Compare(b.OpenedAt); c != 0 {
			return c
		}
		return cmpString(a.RoomID, b.RoomID)
	})
	for _, r := range rooms {
		want = append(want, r.RoomID)
	}
	write(t, db, nil, rooms...)
	for _, limit := range []int{1, 2, 3, 7, 10} {
		var got []string
		var after store.RoomCursor
		for pages := 0; pages < 20; pages++ {
			n := 0
			err := db.RoomsPage(ctx, "acme", at, at.Add(time.Hour), after, limit, func(r *metrics.Room) error {
				got = append(got, r.RoomID)
				after = store.RoomCursor{OpenedAt: r.OpenedAt, RoomID: r.RoomID}
				n++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n < limit {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: pages gave %v, want %v", limit, got, want)
		}
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestPatchedBlockEqualsFull: a block patched from its stored version and
// the rooms a run wrote (a changed room, a new one, one moved away to
// another day, one whose facts were deleted) holds exactly the rooms, in
// the same order, that a rebuild from room_facts gives.
func TestPatchedBlockEqualsFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	day := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	var rooms []metrics.Room
	for i := range 40 {
		id := fmt.Sprintf("r%02d", 40-i) // ids against the order of opening
		at := day.Add(time.Duration(i/2) * time.Minute)
		if i%3 == 0 {
			rooms = append(rooms, botRoom(t, "acme", id, at))
		} else {
			rooms = append(rooms, answeredRoom(t, "acme", id, at, int16(i%5+1)))
		}
	}
	write(t, db, nil, rooms...)
	if _, err := db.RebuildBlocks(ctx, nil); err != nil {
		t.Fatal(err)
	}
	known := map[store.RoomKey]bool{}
	for _, r := range rooms {
		known[store.RoomKey{TenantID: "acme", RoomID: r.RoomID}] = true
	}
	changed := []metrics.Room{
		answeredRoom(t, "acme", "r05", day.Add(3*time.Minute), 1),  // a late survey
		answeredRoom(t, "acme", "new", day.Add(90*time.Second), 4), // a new room between others
		botRoom(t, "acme", "r10", day.Add(-3*time.Hour)),           // moved to the day before
	}
	b := &store.FactsBatch{Rooms: changed, Known: known}
	hint := &store.BlockHint{Changed: map[store.RoomKey]bool{}}
	for _, k := range []string{"r05", "new", "r10", "r20"} { // r20: no usable event left
		key := store.RoomKey{TenantID: "acme", RoomID: k}
		b.Keys = append(b.Keys, key)
		hint.Changed[key] = true
	}
	if _, err := db.WriteFacts(ctx, b); err != nil {
		t.Fatal(err)
	}
	read := func() []string {
		var out []string
		err := db.RoomsFromBlocks(ctx, "acme", day.Add(-24*time.Hour), day.Add(24*time.Hour), func(r *metrics.Room) error {
			out = append(out, fmt.Sprintf("%s %s %d %d %d", r.RoomID, r.OpenedAt.Format(time.RFC3339), r.Score, len(r.Replies), len(r.CustomerReplies)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if n, err := db.RebuildBlocks(ctx, hint); err != nil || n != 2 {
		t.Fatalf("patched %d blocks, %v; want 2 (the day and the day before)", n, err)
	}
	patched := read()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO blocks_dirty SELECT tenant_id, day FROM room_blocks`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RebuildBlocks(ctx, nil); err != nil {
		t.Fatal(err)
	}
	full := read()
	if !slices.Equal(patched, full) {
		t.Errorf("patched blocks:\n%v\nrebuilt from room_facts:\n%v", patched, full)
	}
	if len(full) != 40 || !slices.ContainsFunc(full, func(s string) bool { return strings.HasPrefix(s, "new ") }) {
		t.Errorf("%d rooms, want 40 with the new one: %v", len(full), full)
	}
}
