package etl_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
)

// recent moves the events of stream so that their rooms open within the
// last three days (the reconciliation's window is relative to now).
func recent(evs []metrics.Event) []metrics.Event {
	shift := time.Now().Add(-72 * time.Hour).Truncate(time.Hour).Sub(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	for i := range evs {
		evs[i].OccurredAt = evs[i].OccurredAt.Add(shift)
	}
	return evs
}

// insertBackdated writes events as a backfill or a restore does: with a
// created_at of its own, older than the ETL's low watermark, so that the
// incremental extraction never sees them (docs/etl.md).
func insertBackdated(t *testing.T, pool *pgxpool.Pool, evs []metrics.Event, createdAt time.Time) {
	t.Helper()
	err := pgx.BeginFunc(t.Context(), pool, func(tx pgx.Tx) error {
		if err := copyEvents(t.Context(), tx, evs); err != nil {
			return err
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.EventID
		}
		_, err := tx.Exec(t.Context(), `UPDATE chat_events SET created_at = $1 WHERE event_id = ANY($2)`, createdAt, ids)
		return err
	})
	if err != nil {
		t.Fatalf("insert back-dated events: %v", err)
	}
}

// TestReconcile: rows written behind the ETL's back — brand-new rooms
// back-dated into the window, a late event with a created_at older than
// the window, an updated row, a deleted room, a room whose id the API
// cannot address — are all found by the reconciliation, which leaves the
// facts exactly as one full run over the same events would, says what it
// repaired, and finds nothing the second time.
func TestReconcile(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := t.Context()
	evs := recent(stream(11, 300))
	byRoom := map[string][]metrics.Event{}
	for _, e := range evs {
		byRoom[e.TenantID+"/"+e.RoomID] = append(byRoom[e.TenantID+"/"+e.RoomID], e)
	}
	var early, late []metrics.Event
	lateRooms := 0
	for k, room := range byRoom {
		if len(late) < len(evs)/5 && k[len(k)-1]%5 == 0 {
			late = append(late, room...)
			lateRooms++
			continue
		}
		early = append(early, room...)
	}
	insertEvents(t, db.Pool, early)
	runETL(t, db, 1000)

	// (a) brand-new rooms, back-dated two days: in the created_at window.
	insertBackdated(t, db.Pool, late, time.Now().Add(-48*time.Hour))
	// (b) a survey for a known room written with a created_at of last
	// month: found through the room's facts, opened in the window.
	known := early[0]
	survey := metrics.Event{EventID: 1_000_001, TenantID: known.TenantID, RoomID: known.RoomID, Type: metrics.SurveySubmitted,
		OccurredAt: known.OccurredAt.Add(time.Hour), Score: 2}
	insertBackdated(t, db.Pool, []metrics.Event{survey}, time.Now().AddDate(0, -1, 0))
	// (c) a row updated in place keeps its old created_at.
	var updated string
	if err := db.Pool.QueryRow(ctx, `UPDATE chat_events SET agent_id = 'agent-99'
WHERE event_id = (SELECT min(e.event_id) FROM chat_events e JOIN room_facts f USING (tenant_id, room_id)
  WHERE e.type = 'agent_assigned' AND e.room_id <> $1) RETURNING room_id`, known.RoomID).Scan(&updated); err != nil {
		t.Fatal(err)
	}
	// (d) a room deleted from the feed.
	var deleted string
	if err := db.Pool.QueryRow(ctx, `WITH r AS (SELECT tenant_id, room_id FROM room_facts WHERE room_id NOT IN ($1, $2) ORDER BY room_id LIMIT 1)
DELETE FROM chat_events e USING r WHERE e.tenant_id = r.tenant_id AND e.room_id = r.room_id RETURNING e.room_id`, known.RoomID, updated).Scan(&deleted); err != nil {
		t.Fatal(err)
	}
	// (e) a back-dated room whose tenant id the API cannot address.
	bad := metrics.Event{EventID: 1_000_002, TenantID: "bad tenant", RoomID: "r1", Type: metrics.RoomOpened, OccurredAt: known.OccurredAt}
	insertBackdated(t, db.Pool, []metrics.Event{bad}, time.Now().Add(-time.Hour))

	if res := runETL(t, db, 1000); res.RoomsChanged != 0 {
		t.Fatalf("the incremental run saw back-dated rows (%d rooms changed): the test does not test the reconciliation", res.RoomsChanged)
	}

	r := &etl.Runner{Source: db.Pool, Store: db, BatchEvents: 1000}
	res, err := r.Reconcile(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if res.Missing != int64(lateRooms) || res.Changed != 2 || res.Removed != 1 || res.FeedRejects != 1 {
		t.Errorf("reconcile: %+v; want %d missing, 2 changed (%s, %s), 1 removed (%s), 1 feed reject", res, lateRooms, known.RoomID, updated, deleted)
	}
	if res.RoomsChecked < int64(len(byRoom)) {
		t.Errorf("checked %d rooms, fewer than the %d of the window", res.RoomsChecked, len(byRoom))
	}

	// The facts are those of one full run over the same events.
	want := pgtest.New(t)
	if _, err := (&etl.Runner{Source: db.Pool, Store: want}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, w := dump(t, db), dump(t, want); got != w {
		t.Errorf("after the reconciliation the facts differ from a full run:\n%s", firstDiff(got, w))
	}
	var dirty int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM blocks_dirty`).Scan(&dirty); err != nil || dirty != 0 {
		t.Errorf("%d dirty blocks left (%v): the blocks were not rebuilt", dirty, err)
	}
	again, err := r.Reconcile(ctx, 7)
	if err != nil || again.Repaired() != 0 || again.FeedRejects != 0 {
		t.Errorf("second reconcile: %+v, %v; want nothing repaired", again, err)
	}
	last, found, err := db.LastReconcile(ctx)
	if err != nil || !found || last.RoomsChanged != 0 || last.RoomsRecomputed != again.RoomsChecked {
		t.Errorf("recorded reconcile run %+v (%v, %v)", last, found, err)
	}
	if run, _, _ := db.LastETLRun(ctx); run.Kind != "incremental" {
		t.Errorf("the last incremental run is a %q run: the readiness lag would count reconciliations", run.Kind)
	}
}

// TestReconcileHoldsTheLock: a reconciliation and an ETL run never
// overlap (they write the same rooms).
func TestReconcileHoldsTheLock(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	l, ok, err := db.TryAdvisoryLock(context.Background(), "sqi.etl")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	_, err = (&etl.Runner{Source: db.Pool, Store: db}).Reconcile(t.Context(), 7)
	if err != etl.ErrBusy {
		t.Errorf("reconcile while the ETL lock is held: %v, want ErrBusy", err)
	}
	if err := l.Unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "got:  ..." + a[lo:min(len(a), i+200)] + "\nwant: ..." + b[lo:min(len(b), i+200)]
}

// TestSourceAway: a source that cannot give a snapshot (here: no
// connection at all) is an error of the run, not a crash.
func TestSourceAway(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	src, err := pgxpool.New(t.Context(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := &etl.Runner{Source: src, Store: db}
	if _, err := r.RunOnce(t.Context()); err == nil {
		t.Error("RunOnce with the source away: no error")
	}
	if _, err := r.Reconcile(t.Context(), 7); err == nil {
		t.Error("Reconcile with the source away: no error")
	}
}
