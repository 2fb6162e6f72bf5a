package reports_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/source"
	"sqi/store"
	"sqi/synth"
)

// out, when set, is a directory the tests write what they produce into
// (workbooks, e-mails), to look at them: go test ./reports -out /tmp/r
var out = flag.String("out", "", "directory to write workbooks and e-mails into")

func writeOut(t *testing.T, name string, data []byte) {
	t.Helper()
	if *out == "" {
		return
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// day is the local date the seeded data ends with.
var day = time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC) // a Sunday; New York springs forward

func date(s string) time.Time {
	d, err := metrics.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// seed fills a fresh database with days of synthetic events of the first
// tenants (acme in Seoul, ko; globex in New York, en), runs the ETL and
// configures the tenants with their zone, locale and recipients.
func seed(t testing.TB, tenants, days, roomsPerDay int) *store.DB {
	t.Helper()
	db := pgtest.New(t)
	seedInto(t, db, tenants, days, roomsPerDay)
	return db
}

func pgtestWithURL(t testing.TB) (*store.DB, string) {
	t.Helper()
	return pgtest.NewWithURL(t)
}

// seedInto is seed into a database of the test's.
func seedInto(t testing.TB, db *store.DB, tenants, days, roomsPerDay int) {
	t.Helper()
	ctx := context.Background()
	_, err := synth.Generate(ctx, db.Pool, synth.Options{
		Tenants: tenants, Days: days, RoomsPerDay: roomsPerDay, Seed: 7,
		Start: day.AddDate(0, 0, -(days - 1)),
	})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	for _, st := range synth.Tenants(tenants) {
		cfg := metrics.DefaultConfig(st.ID)
		cfg.Name, cfg.TimeZone, cfg.Locale = st.Name, st.TimeZone, st.Locale
		cfg.Report.Recipients = []string{"lead@" + st.ID + ".example", "ops@" + st.ID + ".example"}
		cfg.Report.Weekly = &metrics.Recipients{Recipients: []string{"lead@" + st.ID + ".example", "head@" + st.ID + ".example"}}
		cfg.Report.Monthly = &metrics.Recipients{Recipients: []string{"director@" + st.ID + ".example"}}
		if err := db.PutTenant(ctx, cfg); err != nil {
			t.Fatalf("put tenant: %v", err)
		}
	}
	runETL(t, db)
}

func runETL(t testing.TB, db *store.DB) {
	t.Helper()
	r := &etl.Runner{Source: db.Pool, Store: db}
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatalf("etl: %v", err)
	}
}

// addEvents writes events into chat_events.
func addEvents(t testing.TB, db *store.DB, evs []metrics.Event) {
	t.Helper()
	if _, err := source.CopyEvents(context.Background(), db.Pool, source.Slice(evs)); err != nil {
		t.Fatalf("copy events: %v", err)
	}
}

// formulaRoom is one answered room of tenant on day whose agent, team,
// channel and category look like spreadsheet formulas.
func formulaRoom(tenant string, opened time.Time, id int64) []metrics.Event {
	const (
		agent    = "=HYPERLINK(\"http://evil.example\",\"x\")"
		team     = "+team"
		channel  = "@chan"
		category = "-1+2"
	)
	room := "formula-room"
	at := func(s int) time.Time { return opened.Add(time.Duration(s) * time.Second) }
	return []metrics.Event{
		{EventID: id, TenantID: tenant, RoomID: room, Type: metrics.RoomOpened, OccurredAt: at(0), Channel: channel, Category: category},
		{EventID: id + 1, TenantID: tenant, RoomID: room, Type: metrics.Queued, OccurredAt: at(1), TeamID: team},
		{EventID: id + 2, TenantID: tenant, RoomID: room, Type: metrics.AgentAssigned, OccurredAt: at(11), AgentID: agent},
		{EventID: id + 3, TenantID: tenant, RoomID: room, Type: metrics.Message, OccurredAt: at(12), Actor: metrics.ActorCustomer},
		{EventID: id + 4, TenantID: tenant, RoomID: room, Type: metrics.Message, OccurredAt: at(20), Actor: metrics.ActorAgent, AgentID: agent},
		{EventID: id + 5, TenantID: tenant, RoomID: room, Type: metrics.RoomClosed, OccurredAt: at(300)},
		{EventID: id + 6, TenantID: tenant, RoomID: room, Type: metrics.SurveySubmitted, OccurredAt: at(400), Score: 5},
	}
}

type etlResult = etl.Result

var errBusy = etl.ErrBusy

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
