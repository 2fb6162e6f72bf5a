package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sqi/synth"
)

func init() {
	commands["generate"] = command{
		usage:   "[--tenants N] [--days N] [--rooms-per-day N] [--seed S] [--start YYYY-MM-DD]",
		summary: "Write realistic synthetic chat events into chat_events.",
		details: "A room depends only on the seed, tenant, day and its number: running it again with the same flags writes nothing new. Tenants are acme (Asia/Seoul), globex (America/New_York), initech (Asia/Seoul), then more; a few deliberately bad events show up in the rejects. On a terminal it shows its progress on standard error.",
		env:     "SOURCE_DATABASE_URL (default: DATABASE_URL)",
		run:     runGenerate,
	}
}

func runGenerate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("generate")
	tenants := fs.Int("tenants", 3, "how many tenants: the first `N` of acme, globex, initech, ...")
	days := fs.Int("days", 7, "local days per tenant, `N` ≥ 1")
	rooms := fs.Int("rooms-per-day", 2000, "rooms opened per tenant and day, `N`")
	seed := fs.Int64("seed", 1, "the same seed `S` writes the same events; another seed, another data set")
	start := fs.String("start", "", "first local day, `YYYY-MM-DD` (default: the --days days ending yesterday)")
	if err := parse(fs, args); err != nil {
		return err
	}
	opts := synth.Options{Tenants: *tenants, Days: *days, RoomsPerDay: *rooms, Seed: *seed}
	switch {
	case *tenants < 1 || *tenants > synth.MaxTenants:
		return usagef("--tenants %d: want 1..%d", *tenants, synth.MaxTenants)
	case *days < 1:
		return usagef("--days %d: want 1 or more", *days)
	case *rooms < 1 || *rooms >= synth.MaxRoomsPerDay:
		return usagef("--rooms-per-day %d: want 1..%d", *rooms, synth.MaxRoomsPerDay-1)
	case *seed < 0 || *seed > synth.MaxSeed:
		return usagef("--seed %d: want 0..%d", *seed, synth.MaxSeed)
	}
	if *start != "" {
		d, err := time.Parse(time.DateOnly, *start)
		if err != nil {
			return usagef("--start %q: want a date as YYYY-MM-DD", *start)
		}
		opts.Start = d
	}

	pool, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	p := e.progress()
	opts.Progress = func(done, total int, r synth.Result) {
		n := r.Events + r.Skipped
		p.show("generate: tenant-day %d of %d, %s events, %s events/s", done, total, count(n), perSecond(n, p.elapsed()))
	}
	res, err := synth.Generate(ctx, pool, opts)
	p.done()
	if err != nil {
		return err
	}
	ids := make([]string, len(res.Tenants))
	for i, t := range res.Tenants {
		ids[i] = t.ID
	}
	secs := res.Elapsed.Seconds()
	fmt.Fprintf(e.stdout, "tenants: %s\ndays: %s .. %s\nrooms: %d\nevents written: %d\nevents skipped (already there): %d\nbad events (for the rejects): %d\nseconds: %.2f (%.0f events/s)\n",
		strings.Join(ids, ", "), res.From.Format(time.DateOnly), res.To.Format(time.DateOnly), res.Rooms,
		res.Events, res.Skipped, res.Bad, secs, float64(res.Events+res.Skipped)/max(secs, 1e-9))
	return nil
}
