package query_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"sqi/etl"
	fx "sqi/internal/fixture"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/query"
	"sqi/source"
	"sqi/store"
)

// TestEngineInvalidation: an engine that keeps block partials in its cache
// answers every query exactly as a fresh computation does, right after
// each thing that changes the answer — a late event, an ETL run with
// nothing new, a threshold, the time zone, the business hours, the hours
// of the request — and when sixteen clients ask at once on a cold cache.
func TestEngineInvalidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	fx.Load(t, db, fx.AcmeDay)
	eng := query.NewEngine(db, 64<<20)

	// check compares the engine with an engine of its own (no cache) for
	// the tenant's configuration as stored now, and returns the body.
	check := func(t *testing.T, step, groupBy, hours string) []byte {
		t.Helper()
		q, err := query.Parse(query.Params{Tenant: "acme", From: "2026-03-09", To: "2026-03-11", GroupBy: groupBy, Hours: hours})
		if err != nil {
			t.Fatal(err)
		}
		tenant, err := db.Tenant(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		body := func(e *query.Engine) []byte {
			res, err := e.Stats(ctx, &tenant.Config, q)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			var b bytes.Buffer
			if err := res.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		got, want := body(eng), body(query.NewEngine(db, 0))
		if !bytes.Equal(got, want) {
			t.Errorf("%s, group_by=%s: the cached engine answers\n%s\nwhere a fresh computation answers\n%s", step, groupBy, got, want)
		}
		return got
	}
	groupings := []string{"", "agent", "day,hour", "in_hours"}
	before := map[string][]byte{}
	for _, g := range groupings {
		before[g] = check(t, "first query", g, "")
	}
	if eng.CacheBytes() == 0 {
		t.Fatal("nothing cached after the first queries")
	}
	for _, g := range groupings {
		if again := check(t, "same query again", g, ""); !bytes.Equal(again, before[g]) {
			t.Errorf("group_by=%s: a second query differs from the first", g)
		}
	}

	// A late survey for r06, and an ETL run.
	late := metrics.Event{EventID: 9001, TenantID: "acme", RoomID: "r06", Type: metrics.SurveySubmitted,
		OccurredAt: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), Score: 1}
	if _, _, err := source.InsertEvents(ctx, db.Pool, source.Slice([]metrics.Event{late})); err != nil {
		t.Fatal(err)
	}
	runETL(t, db)
	if got := check(t, "after a late survey", "", ""); bytes.Equal(got, before[""]) {
		t.Error("the late survey is not in the next answer")
	}
	runETL(t, db) // nothing new
	check(t, "after an ETL run with nothing new", "agent", "")

	// Configuration changes, each seen by the very next query.
	tenant, err := db.Tenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	cfg := tenant.Config
	step := func(name string, change func(c *metrics.Config), hours string) {
		t.Helper()
		prev := check(t, "before: "+name, "agent", hours)
		change(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := db.PutTenant(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if got := check(t, name, "agent", hours); bytes.Equal(got, prev) {
			t.Errorf("%s: the answer did not change", name)
		}
	}
	step("SL threshold 10 s", func(c *metrics.Config) { c.SLThresholdS = 10 }, "")
	step("short abandon 90 s", func(c *metrics.Config) { c.ShortAbandonS = 90 }, "")
	step("time zone New York", func(c *metrics.Config) { c.TimeZone = "America/New_York" }, "")
	step("business hours", func(c *metrics.Config) {
		c.BusinessHours = &metrics.BusinessHours{Weekly: map[string][]string{"mon": {"20:00-21:00"}, "tue": {"00:00-00:30"}}}
		c.Hours = metrics.HoursBusiness
	}, "")
	step("other business hours", func(c *metrics.Config) {
		c.BusinessHours.Weekly["tue"] = []string{"00:00-00:01"}
	}, "")
	if all, bus := check(t, "hours=all", "agent", "all"), check(t, "hours=business", "agent", "business"); bytes.Equal(all, bus) {
		t.Error("hours=all and hours=business answer the same")
	}

	// Sixteen clients on a cold cache get the same answer.
	cold := query.NewEngine(db, 64<<20)
	q, _ := query.Parse(query.Params{Tenant: "acme", From: "2026-03-09", To: "2026-03-11", GroupBy: "agent"})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		bodies = map[string]int{}
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := cold.Stats(ctx, &cfg, q)
			if err != nil {
				t.Error(err)
				return
			}
			var b bytes.Buffer
			_ = res.WriteJSON(&b)
			mu.Lock()
			bodies[b.String()]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(bodies) != 1 {
		t.Errorf("16 concurrent clients got %d different answers", len(bodies))
	}
}

func runETL(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := (&etl.Runner{Source: db.Pool, Store: db}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestEngineRowBound: an answer with more rows than the bound is refused
// before it is built.
func TestEngineRowBound(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fx.Load(t, db, fx.AcmeDay)
	eng := query.NewEngine(db, 0)
	eng.MaxRows = 3
	tenant, err := db.Tenant(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := query.Parse(query.Params{Tenant: "acme", From: "2026-03-10", To: "2026-03-10", GroupBy: "hour"})
	if _, err := eng.Stats(context.Background(), &tenant.Config, q); err == nil {
		t.Fatal("10 hourly rows under a bound of 3: no error")
	}
	q, _ = query.Parse(query.Params{Tenant: "acme", From: "2026-03-10", To: "2026-03-10", GroupBy: "in_hours"})
	if _, err := eng.Stats(context.Background(), &tenant.Config, q); err != nil {
		t.Fatalf("1 row under a bound of 3: %v", err)
	}
}
