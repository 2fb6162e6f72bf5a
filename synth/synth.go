// Package synth generates realistic synthetic chat events for demos, tests
// and benchmarks: tenants in several time zones, rooms opening along a
// daily profile, bots, queues, waits with a long tail, short and long
// abandons, transfers, multi-message turns, dropped rooms, wrap-ups,
// late surveys, rooms across midnight, and a few bad rows that the ETL
// must reject (docs/metrics.md). The same options and seed give the same rows.
//
// It owns only the generation; it writes through source/ and must not
// import store/, etl/, api/ or reports/.
package synth

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // tenants' zones, on machines without a zoneinfo database

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/metrics"
	"sqi/source"
)

// Event ids pack, from high to low bits: seed, tenant, local day (since
// 2000-01-01), room of the day, event of the room. So ids are unique and
// the same for the same seed, and the ids of a tenant's day form one range,
// which makes "was this day written before?" one index probe.
const (
	seqBits    = 8
	roomBits   = 18
	dayBits    = 16
	tenantBits = 8
	seedBits   = 13 // 8+18+16+8+13 = 63: ids stay positive

	// MaxTenants, MaxRoomsPerDay and MaxSeed bound the options.
	MaxTenants     = 1 << tenantBits
	MaxRoomsPerDay = 1 << roomBits
	MaxSeed        = 1<<seedBits - 1
)

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func eventID(seed int64, tenant, day, room, seq int) int64 {
	return seed<<(tenantBits+dayBits+roomBits+seqBits) |
		int64(tenant)<<(dayBits+roomBits+seqBits) |
		int64(day)<<(roomBits+seqBits) |
		int64(room)<<seqBits |
		int64(seq)
}

// dayNumber is date's day since 2000-01-01 (date's Y-M-D, any zone).
func dayNumber(date time.Time) int {
	return int(civil(date).Sub(epoch).Hours() / 24)
}

// civil is the calendar date of t at midnight UTC.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// splitmix64's finaliser: neighbouring room keys give unrelated seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Options says what to generate.
type Options struct {
	Tenants     int   // the first Tenants of Tenants(), 1..MaxTenants
	Days        int   // local days per tenant, ≥ 1
	RoomsPerDay int   // rooms opened per tenant and day, 1..MaxRoomsPerDay-1
	Seed        int64 // 0..MaxSeed; part of event and room ids
	// Start is the first local day (its year, month and day; its zone is
	// ignored). Zero: Days days before each tenant's local today, so the
	// range ends at the tenant's last midnight.
	Start time.Time
	// Now is the clock for a zero Start; nil is time.Now.
	Now func() time.Time
	// Progress, when set, is called after each tenant-day is written with
	// the tenant-days done, of Tenants × Days, and the rows written and
	// skipped so far (`sqi generate` shows them on a terminal).
	Progress func(done, total int, res Result)
}

// Result is what Generate wrote.
type Result struct {
	Tenants  []Tenant
	From, To time.Time     // first and last local day generated (dates at UTC midnight)
	Rooms    int64         // rooms opened in the range
	Events   int64         // rows written to chat_events
	Skipped  int64         // rows not written: their event_id was there already
	Bad      int64         // deliberately bad events among those generated
	Elapsed  time.Duration // time spent generating and writing
}

// Generate writes the synthetic events of opts into chat_events, one COPY
// (one transaction) per tenant and day, streaming: memory does not grow
// with the data set.
//
// The data set is the feed as it stood at the end of the range: events
// after it (closes of the last evening's rooms, next-morning surveys) are
// not written, so some rooms of the last day are still open. When the day
// before the range was generated earlier with the same seed, its events
// that fall into the range are written too: consecutive runs add up to
// one longer run.
//
// A tenant-day whose id range is empty (the usual case) is written with a
// plain COPY. One that was written before, by the same or an overlapping
// run, goes through source.InsertEvents, which skips the ids that exist
// and counts them in Skipped: generating twice is harmless. A room depends
// on the seed, tenant, day and its index only, so what exists is what
// would be written: a run with more rooms a day than an earlier one adds
// the rooms that the earlier one did not have.
func Generate(ctx context.Context, pool *pgxpool.Pool, opts Options) (Result, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return Result{}, fmt.Errorf("generate: %w", err)
	}
	begin := time.Now()
	res := Result{Tenants: Tenants(opts.Tenants)}
	for ti, t := range g.tenants {
		if ti == 0 || g.start[ti].Before(res.From) {
			res.From = g.start[ti]
		}
		if last := g.start[ti].AddDate(0, 0, opts.Days-1); last.After(res.To) {
			res.To = last
		}
		if err := g.writeTail(ctx, pool, t, g.start[ti], &res); err != nil {
			return res, fmt.Errorf("generate %s: %w", t.ID, err)
		}
	}
	for day := range opts.Days {
		for ti, t := range g.tenants {
			date := g.start[ti].AddDate(0, 0, day)
			if err := g.writeDay(ctx, pool, t, date, &res); err != nil {
				return res, fmt.Errorf("generate %s %s: %w", t.ID, date.Format(time.DateOnly), err)
			}
			if opts.Progress != nil {
				opts.Progress(day*len(g.tenants)+ti+1, opts.Days*len(g.tenants), res)
			}
		}
	}
	res.Elapsed = time.Since(begin)
	return res, nil
}

// generator holds the resolved options.
type generator struct {
	opts    Options
	tenants []*tenantModel
	start   []time.Time // first day of each tenant
	end     []time.Time // instant the range ends, per tenant
}

func newGenerator(opts Options) (*generator, error) {
	switch {
	case opts.Tenants < 1 || opts.Tenants > MaxTenants:
		return nil, fmt.Errorf("tenants %d: want 1..%d", opts.Tenants, MaxTenants)
	case opts.Days < 1:
		return nil, fmt.Errorf("days %d: want at least 1", opts.Days)
	case opts.RoomsPerDay < 1 || opts.RoomsPerDay >= MaxRoomsPerDay:
		return nil, fmt.Errorf("rooms per day %d: want 1..%d", opts.RoomsPerDay, MaxRoomsPerDay-1)
	case opts.Seed < 0 || opts.Seed > MaxSeed:
		return nil, fmt.Errorf("seed %d: want 0..%d", opts.Seed, MaxSeed)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	g := &generator{opts: opts}
	for i, t := range Tenants(opts.Tenants) {
		m, err := newTenantModel(i, t)
		if err != nil {
			return nil, err
		}
		start := civil(opts.Start)
		if opts.Start.IsZero() {
			start = civil(now().In(m.loc)).AddDate(0, 0, -opts.Days)
		}
		last := start.AddDate(0, 0, opts.Days-1)
		if start.Before(epoch.AddDate(0, 0, 1)) || dayNumber(last) >= 1<<dayBits {
			return nil, fmt.Errorf("days %s..%s: want dates from 2000-01-02 to 2179", start.Format(time.DateOnly), last.Format(time.DateOnly))
		}
		g.tenants = append(g.tenants, m)
		g.start = append(g.start, start)
		g.end = append(g.end, time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, m.loc))
	}
	return g, nil
}

// dayRange is the first and last event_id of a tenant's day.
func (g *generator) dayRange(t *tenantModel, date time.Time) (lo, hi int64) {
	n := dayNumber(date)
	return eventID(g.opts.Seed, t.index, n, 0, 0), eventID(g.opts.Seed, t.index, n+1, 0, 0) - 1
}

const lastID = `SELECT max(event_id) FROM chat_events WHERE event_id BETWEEN $1 AND $2`

// written returns how many rooms of a tenant's day chat_events holds
// (0: the day was never written), from the largest event_id of the day's
// range: one probe of the primary key.
func (g *generator) written(ctx context.Context, pool *pgxpool.Pool, t *tenantModel, date time.Time) (rooms int, err error) {
	lo, hi := g.dayRange(t, date)
	var last *int64
	if err := pool.QueryRow(ctx, lastID, lo, hi).Scan(&last); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			err = source.ErrNoTable
		}
		return 0, fmt.Errorf("check ids: %w", err)
	}
	if last == nil {
		return 0, nil
	}
	return int(*last>>seqBits&(1<<roomBits-1)) + 1, nil
}

// writeDay writes the rooms of one tenant's day.
func (g *generator) writeDay(ctx context.Context, pool *pgxpool.Pool, t *tenantModel, date time.Time, res *Result) error {
	rooms, err := g.written(ctx, pool, t, date)
	if err != nil {
		return err
	}
	s := g.stream(t, date, time.Time{}, g.opts.RoomsPerDay)
	if rooms > 0 {
		ins, dups, err := source.InsertEvents(ctx, pool, s)
		if err != nil {
			return err
		}
		res.Events += ins
		res.Skipped += dups
	} else {
		n, err := source.CopyEvents(ctx, pool, s)
		if err != nil {
			return err
		}
		res.Events += n
	}
	res.Rooms += int64(s.day.rooms)
	res.Bad += s.bad
	return nil
}

// writeTail writes the events of the rooms of the day before start that
// fall on or after start, when that day was written: they were left out
// then, being after the end of its range. The rooms are those written,
// however many rooms a day that run had.
func (g *generator) writeTail(ctx context.Context, pool *pgxpool.Pool, t *tenantModel, start time.Time, res *Result) error {
	prev := start.AddDate(0, 0, -1)
	if prev.Before(epoch.AddDate(0, 0, 1)) {
		return nil
	}
	rooms, err := g.written(ctx, pool, t, prev)
	if err != nil || rooms == 0 {
		return err
	}
	s := g.stream(t, prev, time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, t.loc), rooms)
	ins, dups, err := source.InsertEvents(ctx, pool, s)
	if err != nil {
		return err
	}
	res.Events += ins
	res.Skipped += dups
	res.Bad += s.bad
	return nil
}

// stream returns the events of the first rooms of a tenant's day, from
// from on (zero: all) up to the end of the range.
func (g *generator) stream(t *tenantModel, date, from time.Time, rooms int) *dayStream {
	day := newDay(t, date, rooms)
	day.from = from
	day.to = g.end[t.index]
	return &dayStream{day: day, gen: newRoomGen(g.opts.Seed, t)}
}

// dayStream is the source.Events of one tenant's day, generated room by
// room as COPY reads it.
type dayStream struct {
	day  dayInfo
	gen  *roomGen
	room int // next room to generate
	pos  int // events of gen.buf already read
	bad  int64
}

func (s *dayStream) Next() bool {
	for s.pos >= len(s.gen.buf) {
		if s.room >= s.day.rooms {
			return false
		}
		if s.gen.generate(&s.day, s.room) {
			s.bad++
		}
		s.room++
		s.pos = 0
	}
	s.pos++
	return true
}

func (s *dayStream) Event() metrics.Event { return s.gen.buf[s.pos-1] }
func (s *dayStream) Err() error           { return nil }
