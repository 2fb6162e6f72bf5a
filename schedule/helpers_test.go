package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/reports/mail"
	"sqi/store"
	"sqi/synth"
)

// day is the local date the seeded data ends with.
var day = time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC) // a Sunday; New York springs forward

func date(s string) time.Time {
	d, err := metrics.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
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

// fakeETL stands for the ETL in schedule tests: it counts runs and
// overlaps.
type fakeETL struct {
	mu            sync.Mutex
	runs, running int
	maxRunning    int
	sleep         time.Duration
}

func (f *fakeETL) RunOnce(ctx context.Context) (etl.Result, error) {
	f.mu.Lock()
	f.runs++
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.mu.Unlock()
	select {
	case <-time.After(f.sleep):
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.running--
	f.mu.Unlock()
	return etl.Result{}, nil
}

func (f *fakeETL) stats() (runs, maxRunning int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs, f.maxRunning
}

// fakeMailer records messages instead of sending them; the tests that
// check what a real SMTP server receives use Mailpit.
type fakeMailer struct {
	mu   sync.Mutex
	sent []*mail.Message
}

func (f *fakeMailer) Send(ctx context.Context, m *mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeMailer) messages() []*mail.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*mail.Message(nil), f.sent...)
}
