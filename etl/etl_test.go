package etl_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

func runETL(t *testing.T, db *store.DB, batch int) etl.Result {
	t.Helper()
	r := &etl.Runner{Source: db.Pool, Store: db, BatchEvents: batch}
	res, err := r.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("etl run: %v", err)
	}
	return res
}

func insertEvents(t *testing.T, pool *pgxpool.Pool, evs []metrics.Event) {
	t.Helper()
	if err := copyEvents(t.Context(), pool, evs); err != nil {
		t.Fatalf("insert events: %v", err)
	}
}

type execer interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
}

func copyEvents(ctx context.Context, q execer, evs []metrics.Event) error {
	cols := []string{"event_id", "tenant_id", "room_id", "type", "occurred_at", "actor", "agent_id", "team_id", "channel", "category", "score"}
	nz := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	_, err := q.CopyFrom(ctx, pgx.Identifier{"chat_events"}, cols, pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) {
		e := evs[i]
		var score any
		if e.Score != 0 {
			score = e.Score
		}
		return []any{e.EventID, e.TenantID, e.RoomID, e.Type, e.OccurredAt, nz(e.Actor), nz(e.AgentID), nz(e.TeamID), nz(e.Channel), nz(e.Category), score}, nil
	}))
	return err
}

// dump renders every fact and reject, so that two databases can be
// compared whole.
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

// stream makes the events of n rooms of two tenants: bot-only, abandoned,
// answered rooms with turns, transfers, surveys hours later, and a few bad
// rows. Event ids are shuffled, as the platform's are not commit-ordered.
func stream(seed uint64, n int) []metrics.Event {
	rng := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var evs []metrics.Event
	for i := range n {
		tenant := []string{"acme", "globex"}[i%2]
		room := fmt.Sprintf("r%04d", i)
		at := base.Add(time.Duration(rng.IntN(48*3600)) * time.Second)
		add := func(d time.Duration, typ string, f func(*metrics.Event)) {
			at = at.Add(d)
			e := metrics.Event{TenantID: tenant, RoomID: room, Type: typ, OccurredAt: at}
			if f != nil {
				f(&e)
			}
			evs = append(evs, e)
		}
		sec := func(max int) time.Duration { return time.Duration(1+rng.IntN(max)) * time.Second }
		agent := fmt.Sprintf("agent-%02d", rng.IntN(6))
		add(0, metrics.RoomOpened, func(e *metrics.Event) { e.Channel = []string{"web", "app", "kakao"}[rng.IntN(3)] })
		switch k := rng.IntN(10); {
		case k < 2: // bot-only
			add(sec(5), metrics.Message, func(e *metrics.Event) { e.Actor = "bot" })
			add(sec(60), metrics.RoomClosed, nil)
		case k < 3: // abandoned
			add(sec(5), metrics.Queued, func(e *metrics.Event) { e.TeamID = "billing" })
			add(sec(30), metrics.RoomClosed, nil)
		default:
			add(sec(5), metrics.Queued, func(e *metrics.Event) { e.TeamID = []string{"billing", "tech"}[rng.IntN(2)] })
			add(sec(90), metrics.AgentAssigned, func(e *metrics.Event) { e.AgentID = agent })
			for range rng.IntN(5) {
				add(sec(40), metrics.Message, func(e *metrics.Event) { e.Actor = "customer" })
				if rng.IntN(3) == 0 {
					add(sec(10), metrics.Message, func(e *metrics.Event) { e.Actor = "customer" })
				}
				add(sec(120), metrics.Message, func(e *metrics.Event) { e.Actor = "agent"; e.AgentID = agent })
			}
			if rng.IntN(8) == 0 {
				other := fmt.Sprintf("agent-%02d", 6+rng.IntN(3))
				add(sec(30), metrics.Transferred, func(e *metrics.Event) { e.AgentID = other; e.TeamID = "tech" })
				add(sec(30), metrics.Message, func(e *metrics.Event) { e.Actor = "customer" })
				add(sec(30), metrics.Message, func(e *metrics.Event) { e.Actor = "agent"; e.AgentID = other })
			}
			add(sec(300), metrics.RoomClosed, func(e *metrics.Event) { e.Category = "refund" })
			add(sec(120), metrics.WrapupDone, nil)
			if rng.IntN(3) == 0 {
				add(sec(20*3600), metrics.SurveySubmitted, func(e *metrics.Event) { e.Score = int16(1 + rng.IntN(5)) })
			}
		}
		if rng.IntN(25) == 0 {
			add(sec(5), "typing", nil) // unknown type
		}
		if rng.IntN(40) == 0 {
			add(sec(5), metrics.SurveySubmitted, func(e *metrics.Event) { e.Score = 7 })
		}
	}
	ids := rng.Perm(len(evs))
	for i := range evs {
		evs[i].EventID = int64(ids[i] + 1)
	}
	rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	return evs
}

func TestIncrementalRunsEqualOneFullRun(t *testing.T) {
	t.Parallel()
	evs := stream(1, 400)
	inc, full := pgtest.New(t), pgtest.New(t)

	// Incremental: the events arrive in 7 slices (a room's events spread
	// over several), with a run after each; batches of 50 events cut rooms
	// in two.
	chunks := 7
	for i := range chunks {
		lo, hi := i*len(evs)/chunks, (i+1)*len(evs)/chunks
		insertEvents(t, inc.Pool, evs[lo:hi])
		res := runETL(t, inc, 50)
		if res.EventsRead < int64(hi-lo) {
			t.Fatalf("run %d read %d events, want at least the %d new ones", i, res.EventsRead, hi-lo)
		}
	}
	insertEvents(t, full.Pool, evs)
	res := runETL(t, full, 100_000)
	if res.EventsRead != int64(len(evs)) {
		t.Fatalf("full run read %d events, want %d", res.EventsRead, len(evs))
	}
	if a, b := dump(t, inc), dump(t, full); a != b {
		t.Fatalf("incremental facts differ from one full run:\nincremental:\n%s\nfull:\n%s", a, b)
	}
	var rooms int
	if err := full.Pool.QueryRow(t.Context(), `SELECT count(*) FROM room_facts`).Scan(&rooms); err != nil || rooms != 400 {
		t.Fatalf("room_facts has %d rooms (%v), want 400", rooms, err)
	}

	// A run with no new events changes nothing.
	before := dump(t, full)
	again := runETL(t, full, 100_000)
	if again.RoomsChanged != 0 || again.EventsRead != 0 {
		t.Fatalf("second run read %d events and changed %d rooms, want 0 and 0", again.EventsRead, again.RoomsChanged)
	}
	if after := dump(t, full); after != before {
		t.Fatal("a second run changed the facts")
	}
}

func ev(id int64, room, typ string, at time.Time, f func(*metrics.Event)) metrics.Event {
	e := metrics.Event{EventID: id, TenantID: "acme", RoomID: room, Type: typ, OccurredAt: at}
	if f != nil {
		f(&e)
	}
	return e
}

// A writer whose transaction started before a run and commits after it is
// not lost, whether it wrote its row before or after the run's snapshot,
// and whether it wrote inside a savepoint.
func TestLateCommitIsNotMissed(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name           string
		writeBeforeRun bool
		savepoint      bool
	}{
		{"written before the run, committed after", true, false},
		{"written after the run's snapshot", false, false},
		{"written in a savepoint before the run", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			ctx := t.Context()
			insertEvents(t, db.Pool, []metrics.Event{ev(1, "early", metrics.RoomOpened, at, nil)})
			runETL(t, db, 1000)

			w, err := db.Pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Rollback(ctx)
			if _, err := w.Exec(ctx, `SELECT now()`); err != nil { // the transaction has started
				t.Fatal(err)
			}
			late := []metrics.Event{ev(5, "late", metrics.RoomOpened, at, nil)}
			write := func() {
				if tc.savepoint {
					if _, err := w.Exec(ctx, `SAVEPOINT s1`); err != nil {
						t.Fatal(err)
					}
				}
				if err := copyEvents(ctx, w, late); err != nil {
					t.Fatal(err)
				}
				if tc.savepoint {
					if _, err := w.Exec(ctx, `RELEASE SAVEPOINT s1`); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tc.writeBeforeRun {
				write()
			}
			// Other writers commit rows with larger ids meanwhile.
			insertEvents(t, db.Pool, []metrics.Event{ev(9, "other", metrics.RoomOpened, at, nil)})
			runETL(t, db, 1000)
			if !tc.writeBeforeRun {
				write()
			}
			if err := w.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			insertEvents(t, db.Pool, []metrics.Event{ev(12, "later", metrics.RoomOpened, at, nil)})
			runETL(t, db, 1000)
			runETL(t, db, 1000)

			var rooms []string
			rows, _ := db.Pool.Query(ctx, `SELECT room_id FROM room_facts ORDER BY room_id`)
			rooms, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rooms, ","); got != "early,late,later,other" {
				t.Fatalf("rooms with facts: %s, want early,late,later,other", got)
			}
		})
	}
}

// Writers committing out of order while the ETL runs lose nothing: the
// facts after the last run equal one run over all the events.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	t.Parallel()
	evs := stream(2, 600)
	live, full := pgtest.New(t), pgtest.New(t)
	ctx := t.Context()

	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			mine := []metrics.Event{}
			for i := w; i < len(evs); i += writers {
				mine = append(mine, evs[i])
			}
			for len(mine) > 0 {
				n := min(len(mine), 1+rng.IntN(40))
				tx, err := live.Pool.Begin(ctx)
				if err != nil {
					errs <- err
					return
				}
				if _, err := tx.Exec(ctx, `SELECT now()`); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
				if err := copyEvents(ctx, tx, mine[:n]); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
				if err := tx.Commit(ctx); err != nil {
					errs <- err
					return
				}
				mine = mine[n:]
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	runs := 0
loop:
	for {
		select {
		case <-done:
			break loop
		default:
			runETL(t, live, 200)
			runs++
		}
	}
	close(errs)
	for err := range errs {
		t.Fatalf("writer: %v", err)
	}
	runETL(t, live, 200)
	insertEvents(t, full.Pool, evs)
	runETL(t, full, 100_000)
	if a, b := dump(t, live), dump(t, full); a != b {
		t.Fatalf("after %d concurrent runs the facts differ from one full run:\nlive:\n%s\nfull:\n%s", runs, a, b)
	}
	t.Logf("%d ETL runs while %d writers committed", runs, writers)
}

// A survey the next morning changes the earlier day's numbers.
func TestLateSurveyChangesEarlierDay(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	at := time.Date(2026, 11, 20, 23, 50, 0, 0, seoul) // closes after midnight
	insertEvents(t, db.Pool, []metrics.Event{
		ev(1, "r1", metrics.RoomOpened, at, nil),
		ev(2, "r1", metrics.Queued, at.Add(2*time.Second), func(e *metrics.Event) { e.TeamID = "billing" }),
		ev(3, "r1", metrics.AgentAssigned, at.Add(10*time.Second), func(e *metrics.Event) { e.AgentID = "a1" }),
		ev(4, "r1", metrics.Message, at.Add(20*time.Second), func(e *metrics.Event) { e.Actor = "agent"; e.AgentID = "a1" }),
		ev(5, "r1", metrics.RoomClosed, at.Add(20*time.Minute), nil),
	})
	runETL(t, db, 1000)
	day := func() metrics.Row {
		q, err := query.Parse(query.Params{Tenant: "acme", From: "2026-11-20", To: "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := query.Stats(t.Context(), db, q)
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows[0]
	}
	if r := day(); r.Values[metrics.MSurveys].V != 0 || !r.Values[metrics.MScoreAvg].Null || r.Values[metrics.MRooms].V != 1 {
		t.Fatalf("before the survey: rooms %v surveys %v score_avg %v, want 1, 0, null", r.Values[metrics.MRooms], r.Values[metrics.MSurveys], r.Values[metrics.MScoreAvg])
	}
	insertEvents(t, db.Pool, []metrics.Event{
		ev(6, "r1", metrics.SurveySubmitted, at.Add(9*time.Hour), func(e *metrics.Event) { e.Score = 4 }),
	})
	res := runETL(t, db, 1000)
	if res.RoomsChanged != 1 {
		t.Fatalf("the survey changed %d rooms, want 1", res.RoomsChanged)
	}
	if r := day(); r.Values[metrics.MSurveys].V != 1 || r.Values[metrics.MScoreAvg].V != 4 || r.Values[metrics.MCsatPct].V != 100 {
		t.Fatalf("after the survey: surveys %v score_avg %v csat %v, want 1, 4, 100", r.Values[metrics.MSurveys], r.Values[metrics.MScoreAvg], r.Values[metrics.MCsatPct])
	}
}

// Bad rows are left out of the facts and land in rejects with their
// reason; the rest of the run goes on.
func TestBadRowsLandInRejects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	at := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	insertEvents(t, db.Pool, []metrics.Event{
		ev(1, "ok", metrics.RoomOpened, at, nil),
		ev(2, "ok", "typing", at.Add(time.Second), nil),
		ev(3, "ok", metrics.SurveySubmitted, at.Add(2*time.Second), func(e *metrics.Event) { e.Score = 7 }),
		ev(4, "ok", metrics.Message, at.Add(3*time.Second), func(e *metrics.Event) { e.Actor = "robot" }),
		ev(5, "ok", metrics.AgentAssigned, at.Add(4*time.Second), nil),
		ev(10, "contra", metrics.RoomOpened, at, nil),
		ev(11, "contra", metrics.Queued, at.Add(10*time.Second), nil),
		ev(12, "contra", metrics.RoomClosed, at.Add(5*time.Second), nil),
		ev(20, "early", metrics.Queued, at.Add(-time.Minute), nil),
		ev(21, "early", metrics.RoomOpened, at, nil),
	})
	// A timestamp Go cannot hold: the row is rejected, the run goes on.
	if _, err := db.Pool.Exec(t.Context(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at)
VALUES (6, 'acme', 'ok', 'message', 'infinity'), (7, 'acme', 'ok', 'message', '-infinity')`); err != nil {
		t.Fatal(err)
	}
	res := runETL(t, db, 1000)
	if res.Rejects != 8 || res.RoomsRecomputed != 3 {
		t.Fatalf("run: %d rejects, %d rooms; want 8 and 3", res.Rejects, res.RoomsRecomputed)
	}
	start, end := at.Add(-24*time.Hour), at.Add(24*time.Hour)
	counts, err := db.RejectCounts(t.Context(), "acme", start, end)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(counts)
	want := "[{assigned_without_agent event 1} {closed_before_queued room 1} {event_before_open room 1} {occurred_at_out_of_range event 2} {score_out_of_range event 1} {unknown_actor event 1} {unknown_type event 1}]"
	if got != want {
		t.Fatalf("reject counts:\n got %s\nwant %s", got, want)
	}
	var events, rejected int
	if err := db.Pool.QueryRow(t.Context(), `SELECT events, rejected_events FROM room_facts WHERE room_id = 'ok'`).Scan(&events, &rejected); err != nil {
		t.Fatal(err)
	}
	if events != 7 || rejected != 6 {
		t.Fatalf("room ok: %d events, %d rejected; want 7 and 6", events, rejected)
	}
	// The re-read path (a known room, second run) rejects them too.
	insertEvents(t, db.Pool, []metrics.Event{ev(8, "ok", metrics.RoomClosed, at.Add(time.Hour), nil)})
	if res := runETL(t, db, 1000); res.Rejects != 6 {
		t.Fatalf("second run: %d rejects for room ok, want 6", res.Rejects)
	}
}
