package etl_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
)

// storedBlocks renders every stored block: its key, its room count and
// its bytes.
func storedBlocks(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(t.Context(), `SELECT tenant_id, day::text, rooms, rooms_ipc, turns_ipc FROM room_blocks ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			tenant, day  string
			n            int
			rooms, turns []byte
		)
		if err := rows.Scan(&tenant, &day, &n, &rooms, &turns); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %d rooms %x %x", tenant, day, n, rooms, turns))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// blockRooms renders every room of every stored block, decoded, every
// field of the blocks (metrics.BlockFields) and every turn.
func blockRooms(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(t.Context(), `SELECT DISTINCT tenant_id FROM room_blocks ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tenant := range tenants {
		err := db.Blocks(t.Context(), tenant, time.Unix(0, 0), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), func(b store.Block) error {
			out = append(out, "block of "+tenant)
			return b.AllRooms(func(r *metrics.Room) error {
				var line strings.Builder
				for _, f := range metrics.BlockFields {
					fmt.Fprintf(&line, "%s=%v ", f.Name, f.Fact(r))
				}
				fmt.Fprintf(&line, "replies=%v customer=%v", r.Replies, r.CustomerReplies)
				out = append(out, line.String())
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkBlocksRebuilt rebuilds every block from room_facts, those of
// every tenant and date with facts and those stored, and checks that the
// blocks the run left hold exactly the same rooms (and, with bytes, are
// the same bytes: a patched block is the same rooms in other buffers);
// and that the run left no block dirty.
func checkBlocksRebuilt(t *testing.T, db *store.DB, bytes bool) {
	t.Helper()
	if dirty, err := db.DirtyBlocks(t.Context()); err != nil || len(dirty) > 0 {
		t.Fatalf("dirty blocks after the run: %v, %v", dirty, err)
	}
	leftBytes, left := storedBlocks(t, db), blockRooms(t, db)
	if _, err := db.Pool.Exec(t.Context(), `INSERT INTO blocks_dirty (tenant_id, day)
SELECT DISTINCT tenant_id, (opened_at AT TIME ZONE 'UTC')::date FROM room_facts
UNION SELECT tenant_id, day FROM room_blocks ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RebuildBlocks(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	rebuiltBytes, rebuilt := storedBlocks(t, db), blockRooms(t, db)
	if len(rebuilt) == 0 {
		t.Fatal("no blocks")
	}
	if !slices.Equal(left, rebuilt) {
		t.Fatalf("the blocks the run wrote hold other rooms than the blocks rebuilt from room_facts:\nrun:\n%s\nrebuilt:\n%s",
			strings.Join(left, "\n"), strings.Join(rebuilt, "\n"))
	}
	if bytes && !slices.Equal(leftBytes, rebuiltBytes) {
		t.Fatal("the blocks the run wrote are not the bytes of the blocks rebuilt from room_facts")
	}
}

// blocksFromMemory runs the ETL and returns how many blocks its run log
// says it wrote from the rooms it computed, and how many in all.
func blocksFromMemory(t *testing.T, r *etl.Runner) (memory, all int) {
	t.Helper()
	var logs bytes.Buffer
	r.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	if _, err := r.RunOnce(t.Context()); err != nil {
		t.Fatalf("etl run: %v", err)
	}
	for line := range bytes.Lines(logs.Bytes()) {
		var rec struct {
			Msg    string `json:"msg"`
			Memory *int   `json:"blocks_from_memory"`
			All    int    `json:"blocks_rebuilt"`
		}
		if err := json.Unmarshal(line, &rec); err == nil && rec.Msg == "etl run" && rec.Memory != nil {
			return *rec.Memory, rec.All
		}
	}
	t.Fatalf("no etl run log with blocks_from_memory:\n%s", logs.String())
	return 0, 0
}

// TestNewBlocksEqualRebuilt: the blocks that a run writes from the rooms
// it computed (days without facts before the run) are, byte for byte, the
// blocks a rebuild from room_facts gives: a backlog from nothing in one
// batch or in batches that cut rooms and tenants, with more rooms of
// several days than memory keeps (a tenant's largest day from memory, the
// others rebuilt from room_facts), and an
// incremental run that opens new days beside days it patches, one of them
// by moving a room there from a patched day.
func TestNewBlocksEqualRebuilt(t *testing.T) {
	t.Parallel()
	evs := stream(5, 300) // two tenants, rooms opened over three UTC dates
	for _, tc := range []struct {
		name        string
		batch       int
		blockRooms  int
		rebuilt     bool // some blocks rebuilt at the end: patched, or new days memory did not keep
		incremental bool
	}{
		{name: "one batch", batch: 100_000},
		{name: "batches cut rooms and tenants", batch: 7},
		{name: "more days than memory keeps", batch: 50, blockRooms: 20, rebuilt: true},
		{name: "new days beside patched ones, a room moved to one", batch: 40, rebuilt: true, incremental: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			r := &etl.Runner{Source: db.Pool, Store: db, BatchEvents: tc.batch, BlockRooms: tc.blockRooms}
			if tc.incremental {
				// The first day's rooms, then everything else: late events of
				// the first day's rooms (patched) and the next days (new).
				split := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
				var first, rest []metrics.Event
				for _, e := range evs {
					if e.OccurredAt.Before(split.Add(-2 * time.Hour)) {
						first = append(first, e)
					} else {
						rest = append(rest, e)
					}
				}
				insertEvents(t, db.Pool, first)
				blocksFromMemory(t, r)
				// A late room_opened moves a room of the first day to the
				// day before, a new day: its old block loses it.
				moved := first[0]
				moved.EventID, moved.Type, moved.OccurredAt = int64(len(evs)+1), metrics.RoomOpened, split.Add(-36*time.Hour)
				insertEvents(t, db.Pool, append(rest, moved))
			} else {
				insertEvents(t, db.Pool, evs)
			}
			memory, all := blocksFromMemory(t, r)
			if memory == 0 || tc.rebuilt != (memory < all) {
				t.Errorf("%d of %d blocks written from memory, want some, and fewer than all: %v", memory, all, tc.rebuilt)
			}
			if tc.incremental {
				var n int
				if err := db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM room_blocks WHERE day = '2026-11-19'`).Scan(&n); err != nil || n != 1 {
					t.Fatalf("%d blocks on the day the room moved to (%v), want 1", n, err)
				}
			}
			checkBlocksRebuilt(t, db, !tc.incremental)
		})
	}
}
