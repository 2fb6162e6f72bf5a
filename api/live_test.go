package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"sqi/api"
	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/live"
	"sqi/query"
	"sqi/store"
)

// liveEvent is one chat event of the live tests, at an offset from the
// test's "now".
type liveEvent struct {
	typ, actor, agent, team string
	at                      time.Duration // before now
}

// liveRoom is a room of the live tests; invalid rooms are contradictory
// by construction (an event before room_opened).
type liveRoom struct {
	id      string
	events  []liveEvent
	invalid bool
}

// liveRooms are the rooms around now of TestLiveAgainstEvents: waiting,
// in progress, transferred back to a queue, transferred to another agent,
// closed, abandoned, bot-only, contradictory, opened 25 hours ago and
// never closed, and earlier rooms of the day.
func liveRooms() []liveRoom {
	m := time.Minute
	return []liveRoom{
		{id: "wait-1", events: []liveEvent{{typ: "room_opened", at: 10 * m}, {typ: "queued", team: "t1", at: 9 * m}}},
		{id: "wait-2", events: []liveEvent{{typ: "room_opened", at: 50 * m}, {typ: "queued", team: "t1", at: 48 * m},
			{typ: "message", actor: "customer", at: 47 * m}}},
		{id: "prog-1", events: []liveEvent{{typ: "room_opened", at: 20 * m}, {typ: "queued", team: "t1", at: 19 * m},
			{typ: "agent_assigned", agent: "a1", at: 18*m + 30*time.Second}, {typ: "message", actor: "customer", at: 17 * m},
			{typ: "message", actor: "agent", agent: "a1", at: 16 * m}}},
		{id: "prog-2", events: []liveEvent{{typ: "room_opened", at: 45 * m}, {typ: "queued", team: "t2", at: 44 * m},
			{typ: "agent_assigned", agent: "a1", at: 43 * m}}},
		{id: "back-to-queue", events: []liveEvent{{typ: "room_opened", at: 30 * m}, {typ: "queued", team: "t1", at: 29 * m},
			{typ: "agent_assigned", agent: "a2", at: 28 * m}, {typ: "transferred", team: "t2", at: 15 * m}}},
		{id: "to-agent", events: []liveEvent{{typ: "room_opened", at: 40 * m}, {typ: "queued", team: "t1", at: 39 * m},
			{typ: "agent_assigned", agent: "a3", at: 38 * m}, {typ: "transferred", agent: "a4", team: "t2", at: 10 * m}}},
		{id: "closed", events: []liveEvent{{typ: "room_opened", at: 35 * m}, {typ: "queued", team: "t1", at: 34 * m},
			{typ: "agent_assigned", agent: "a1", at: 33 * m}, {typ: "message", actor: "agent", agent: "a1", at: 32 * m},
			{typ: "room_closed", at: 5 * m}}},
		{id: "abandoned", events: []liveEvent{{typ: "room_opened", at: 12 * m}, {typ: "queued", team: "t1", at: 11 * m},
			{typ: "room_closed", at: 8 * m}}},
		{id: "bot", events: []liveEvent{{typ: "room_opened", at: 5 * m}, {typ: "message", actor: "bot", at: 4 * m}}},
		{id: "contradictory", invalid: true, events: []liveEvent{{typ: "message", actor: "customer", at: 31 * m},
			{typ: "room_opened", at: 30 * m}, {typ: "queued", team: "t1", at: 29 * m}}},
		{id: "old-open", events: []liveEvent{{typ: "room_opened", at: 25 * time.Hour}, {typ: "queued", team: "t1", at: 25*time.Hour - m}}},
		{id: "earlier", events: []liveEvent{{typ: "room_opened", at: 3 * time.Hour}, {typ: "queued", team: "t1", at: 3*time.Hour - 10*time.Second},
			{typ: "agent_assigned", agent: "a2", at: 3*time.Hour - 50*time.Second}, {typ: "message", actor: "agent", agent: "a2", at: 3*time.Hour - 60*time.Second},
			{typ: "room_closed", at: 2 * time.Hour}}},
		{id: "earlier-2", events: []liveEvent{{typ: "room_opened", at: 70 * m}, {typ: "queued", team: "t1", at: 69 * m},
			{typ: "agent_assigned", agent: "a1", at: 68*m + 50*time.Second}, {typ: "room_closed", at: 60 * m}}},
	}
}

// insertLiveRooms writes the rooms' events into chat_events at now.
func insertLiveRooms(t *testing.T, db *store.DB, tenant string, rooms []liveRoom, now time.Time, firstID int64) int64 {
	t.Helper()
	id := firstID
	for _, r := range rooms {
		for _, e := range r.events {
			id++
			null := func(s string) any {
				if s == "" {
					return nil
				}
				return s
			}
			if _, err := db.Pool.Exec(context.Background(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'web')`, id, tenant, r.id, e.typ, now.Add(-e.at), null(e.actor), null(e.agent), null(e.team)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return id
}

// expectedNow computes the now part of the live view from the events
// alone, as docs/api.md defines it: rooms not closed, opened in the 24
// hours before asOf, not contradictory; the last of their queued,
// transferred and agent_assigned events says where they are.
func expectedNow(rooms []liveRoom, now, asOf time.Time) (waiting, inProgress, agents int, longest float64) {
	busy := map[string]bool{}
	longest = math.NaN()
	for _, r := range rooms {
		var opened, state time.Time
		closed, waits, agent := false, false, ""
		routed := false
		for _, e := range r.events {
			at := now.Add(-e.at)
			switch e.typ {
			case "room_opened":
				opened = at
			case "room_closed":
				closed = true
			case "queued":
				routed, waits, state, agent = true, true, at, ""
			case "agent_assigned":
				routed, waits, state, agent = true, false, at, e.agent
			case "transferred":
				routed, state = true, at
				waits, agent = e.agent == "", e.agent
			}
		}
		if closed || r.invalid || !routed || asOf.Sub(opened) > 24*time.Hour {
			continue
		}
		if waits {
			waiting++
			if w := asOf.Sub(state).Seconds(); math.IsNaN(longest) || w > longest {
				longest = w
			}
		} else {
			inProgress++
			busy[agent] = true
		}
	}
	return waiting, inProgress, len(busy), longest
}

// expectedWindow computes a few metrics of the rooms opened at or after
// since, from the events alone (sl_threshold_s 30, short_abandon_s 5).
func expectedWindow(rooms []liveRoom, now, since time.Time) map[string]float64 {
	out := map[string]float64{"rooms": 0, "bot_only": 0, "queued": 0, "answered": 0, "abandoned": 0, "answered_in_sl": 0, "transfers": 0}
	var waits []float64
	for _, r := range rooms {
		var opened, queued, assigned, closed time.Time
		transfers := 0
		for _, e := range r.events {
			at := now.Add(-e.at)
			switch e.typ {
			case "room_opened":
				opened = at
			case "queued":
				if queued.IsZero() {
					queued = at
				}
			case "agent_assigned":
				if assigned.IsZero() {
					assigned = at
				}
			case "room_closed":
				closed = at
			case "transferred":
				transfers++
			}
		}
		if opened.Before(since) {
			continue
		}
		out["rooms"]++
		if r.invalid {
			continue
		}
		out["transfers"] += float64(transfers)
		switch {
		case queued.IsZero():
			out["bot_only"]++
		case !assigned.IsZero():
			out["queued"]++
			out["answered"]++
			w := assigned.Sub(queued).Seconds()
			waits = append(waits, w)
			if w <= 30 {
				out["answered_in_sl"]++
			}
		default:
			out["queued"]++
			if !closed.IsZero() && closed.Sub(queued).Seconds() >= 5 {
				out["abandoned"]++
			}
		}
	}
	out["offered"] = out["answered"] + out["abandoned"]
	if len(waits) > 0 {
		sum := 0.0
		for _, w := range waits {
			sum += w
		}
		sort.Float64s(waits)
		out["wait_avg_s"] = sum / float64(len(waits))
		out["wait_max_s"] = waits[len(waits)-1]
	}
	if out["offered"] > 0 {
		out["service_level_pct"] = 100 * out["answered_in_sl"] / out["offered"]
	}
	return out
}

// liveBody is the /live body as a client reads it.
type liveBody struct {
	TenantID string `json:"tenant_id"`
	Timezone string `json:"timezone"`
	AsOf     string `json:"as_of"`
	Now      struct {
		Waiting      int      `json:"waiting"`
		LongestWaitS *float64 `json:"longest_wait_s"`
		InProgress   int      `json:"in_progress"`
		AgentsBusy   int      `json:"agents_busy"`
	} `json:"now"`
	Today   map[string]any `json:"today"`
	Last60m map[string]any `json:"last_60m"`
}

// newLiveServer is a database with a reader key of acme, and a server.
func newLiveServer(t *testing.T, deps func(*store.DB) api.Deps) (*store.DB, http.Handler, string) {
	t.Helper()
	db := pgtest.New(t)
	key, stored, err := api.NewKey(api.RoleReader, "acme", "live", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIKey(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
	d := api.Deps{Store: db, Log: testLog(t)}
	if deps != nil {
		d = deps(db)
	}
	srv, err := api.New(d, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return db, srv.Handler(), key
}

func runLiveETL(t *testing.T, db *store.DB) store.RunRef {
	t.Helper()
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(context.Background()); err != nil {
		t.Fatalf("etl: %v", err)
	}
	run, _, err := db.LatestRun(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestLiveAgainstEvents checks /live on rooms around now against the
// same numbers computed from the events alone: now (waiting, the longest
// wait, in progress, busy agents; rooms transferred back to a queue wait,
// a room opened 25 hours ago and never closed does not, nor a
// contradictory one), a few metrics of today and last_60m, and every
// metric of today against /sqi of the day.
func TestLiveAgainstEvents(t *testing.T) {
	t.Parallel()
	db, h, key := newLiveServer(t, nil)
	w := serve(t, h, request{path: "/v1/tenants/acme/live", key: key})
	if w.Code != http.StatusNotFound {
		t.Fatalf("live of a tenant with no events: %d, want 404", w.Code)
	}
	now := time.Now().Truncate(time.Millisecond)
	rooms := liveRooms()
	insertLiveRooms(t, db, "acme", rooms, now, 0)
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO tenants (tenant_id) VALUES ('acme') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	w = serve(t, h, request{path: "/v1/tenants/acme/live", key: key})
	if w.Code != http.StatusServiceUnavailable || problemOf(t, w).Type != "urn:sqi:problem:no-data" || w.Header().Get("Retry-After") == "" {
		t.Fatalf("live before any ETL run: %d %s", w.Code, w.Body)
	}
	run := runLiveETL(t, db)
	asOf := run.SnapshotAt

	w = serve(t, h, request{path: "/v1/tenants/acme/live", key: key})
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("live: %d %s", w.Code, w.Body)
	}
	var got liveBody
	decodeInto(t, w.Body.Bytes(), &got)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	if got.TenantID != "acme" || got.Timezone != "Asia/Seoul" || got.AsOf != asOf.In(seoul).Format(time.RFC3339) {
		t.Errorf("head: %s %s %s, want acme Asia/Seoul %s", got.TenantID, got.Timezone, got.AsOf, asOf.In(seoul).Format(time.RFC3339))
	}
	waiting, inProgress, agents, longest := expectedNow(rooms, now, asOf)
	if waiting != 3 || inProgress != 3 || agents != 2 { // the fixture itself: wait-1, wait-2, back-to-queue; prog-1, prog-2, to-agent
		t.Fatalf("the independent computation is off: %d %d %d", waiting, inProgress, agents)
	}
	if got.Now.Waiting != waiting || got.Now.InProgress != inProgress || got.Now.AgentsBusy != agents {
		t.Errorf("now: waiting %d, in_progress %d, agents_busy %d; want %d %d %d", got.Now.Waiting, got.Now.InProgress, got.Now.AgentsBusy, waiting, inProgress, agents)
	}
	if got.Now.LongestWaitS == nil || math.Abs(*got.Now.LongestWaitS-longest) > 0.006 {
		t.Errorf("longest_wait_s %v, want %.2f", got.Now.LongestWaitS, longest)
	}

	day := asOf.In(seoul)
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, seoul)
	for name, part := range map[string]struct {
		row   map[string]any
		since time.Time
	}{"today": {got.Today, dayStart}, "last_60m": {got.Last60m, asOf.Add(-time.Hour)}} {
		for metric, want := range expectedWindow(rooms, now, part.since) {
			v, ok := part.row[metric].(float64)
			if !ok || math.Abs(v-math.Round(want*100)/100) > 0.006 {
				t.Errorf("%s.%s = %v, want %.2f", name, metric, part.row[metric], want)
			}
		}
		for _, k := range []string{"sqi", "grade", "components", "reply_avg_s", "csat_pct"} {
			if _, ok := part.row[k]; !ok {
				t.Errorf("%s lacks %s", name, k)
			}
		}
	}
	// today is the /sqi row of the local day: every metric, the same code.
	date := day.Format(time.DateOnly)
	w = serve(t, h, request{path: "/v1/tenants/acme/sqi?from=" + date + "&to=" + date, key: key})
	var sqi struct {
		Rows []map[string]any `json:"rows"`
	}
	decodeInto(t, w.Body.Bytes(), &sqi)
	if len(sqi.Rows) != 1 {
		t.Fatalf("sqi of %s: %s", date, w.Body)
	}
	a, _ := json.Marshal(sqi.Rows[0])
	b, _ := json.Marshal(got.Today)
	if string(a) != string(b) {
		t.Errorf("today differs from /sqi of %s:\n live %s\n  sqi %s", date, b, a)
	}

	// A room that starts waiting is seen after the next run: the view is
	// recomputed for it, not served stale.
	insertLiveRooms(t, db, "acme", []liveRoom{{id: "wait-3", events: []liveEvent{{typ: "room_opened", at: time.Minute}, {typ: "queued", at: 30 * time.Second}}}}, time.Now(), 1000)
	runLiveETL(t, db)
	w = serve(t, h, request{path: "/v1/tenants/acme/live", key: key})
	decodeInto(t, w.Body.Bytes(), &got)
	if got.Now.Waiting != waiting+1 {
		t.Errorf("after a new waiting room and a run: waiting %d, want %d", got.Now.Waiting, waiting+1)
	}
}

// TestLiveStream checks the Server-Sent Events of /live on a service that
// refreshes after every ETL run: the current view at once, the next one
// after a run, and a reconnecting client gets the current view at once.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	var lv *live.Service
	db, h, key := newLiveServer(t, func(db *store.DB) api.Deps {
		lv = live.NewService(db, query.NewEngine(db, 0), nil, testLog(t))
		lv.PollEvery = 50 * time.Millisecond
		return api.Deps{Store: db, Live: lv, Log: testLog(t)}
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go lv.Run(ctx) //nolint:errcheck // ends with ctx
	now := time.Now()
	insertLiveRooms(t, db, "acme", liveRooms()[:2], now, 0)
	runLiveETL(t, db)
	ts := httptest.NewServer(h)
	defer ts.Close()

	open := func() (*bufio.Reader, func()) {
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/tenants/acme/live", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
	}
	next := func(r *bufio.Reader) (id string, body liveBody) {
		t.Helper()
		done := make(chan struct{})
		timer := time.AfterFunc(10*time.Second, func() { t.Error("no event within 10s"); cancel() })
		defer timer.Stop()
		defer close(done)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimSpace(line[4:])
			case strings.HasPrefix(line, "data: "):
				decodeInto(t, []byte(line[6:]), &body)
				return id, body
			}
		}
	}
	r, closeStream := open()
	id1, b1 := next(r)
	if b1.Now.Waiting != 2 {
		t.Fatalf("first event: waiting %d, want 2", b1.Now.Waiting)
	}
	insertLiveRooms(t, db, "acme", []liveRoom{{id: "wait-9", events: []liveEvent{{typ: "room_opened", at: time.Minute}, {typ: "queued", at: 30 * time.Second}}}}, time.Now(), 100)
	run := runLiveETL(t, db)
	lv.Kick()
	id2, b2 := next(r)
	if id2 != fmt.Sprint(run.ID) || id2 == id1 || b2.Now.Waiting != 3 {
		t.Errorf("after a run: event id %s (first %s, run %d), waiting %d, want 3", id2, id1, run.ID, b2.Now.Waiting)
	}
	closeStream()
	r, closeStream = open()
	defer closeStream()
	id3, b3 := next(r)
	if id3 != id2 || b3.Now.Waiting != 3 {
		t.Errorf("reconnected: event id %s waiting %d, want %s and 3 at once", id3, b3.Now.Waiting, id2)
	}
}
