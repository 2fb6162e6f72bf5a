package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"sqi/etl"
)

func init() {
	commands["etl"] = command{
		usage:   "--once [--batch N] | --reconcile [--days N]",
		summary: "Process every pending chat event into room facts, then exit; or reconcile the last days.",
		details: "The scheduled ETL runs inside 'sqi serve' every ETL_INTERVAL; --once is the same run, once. It prints the events read, the rooms recomputed (and how many changed), the rejects and the seconds taken; on a terminal it shows its progress on standard error. --reconcile compares the rooms of the last --days days with their events in the source and recomputes those that differ (rows written with an old created_at: a backfill, a restore; docs/etl.md), and prints what it repaired.",
		env:     "DATABASE_URL, SOURCE_DATABASE_URL",
		run:     runETL,
	}
}

func runETL(ctx context.Context, e *env, args []string) error {
	fs := e.flags("etl")
	once := fs.Bool("once", false, "process every pending event, then exit")
	reconcile := fs.Bool("reconcile", false, "compare the rooms of the last --days days with their events and recompute those that differ (docs/etl.md)")
	days := fs.Int("days", 7, "the window of --reconcile, in days `N`")
	batch := fs.Int("batch", 50_000, "events per Arrow batch, `N` ≥ 1000 (memory is bounded by it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *once == *reconcile {
		return usagef("give --once or --reconcile: the scheduled ETL runs inside 'sqi serve' (run 'sqi etl --help')")
	}
	if *days < 1 || *days > 3660 {
		return usagef("--days %d: use 1 to 3660", *days)
	}
	if *batch < 1000 {
		return usagef("--batch %d: use 1000 or more", *batch)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	src, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	p := e.progress()
	// The source sorts a large backlog before its first row arrives: say
	// so when that takes a while.
	waiting := time.AfterFunc(2*progressEvery, func() { p.show("etl: reading the new events from the source…") })
	r := &etl.Runner{Source: src, Store: db, BatchEvents: *batch,
		Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Progress: func(events, rooms int64) {
			waiting.Stop()
			p.show("etl: %s events read, %s rooms computed, %s events/s", count(events), count(rooms), perSecond(events, p.elapsed()))
		}}
	if *reconcile {
		waiting.Stop()
		defer p.done()
		return runReconcile(ctx, e, r, *days)
	}
	res, err := r.RunOnce(ctx)
	waiting.Stop()
	p.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events read: %d\nrooms recomputed: %d (changed: %d)\nrejects: %d\nseconds: %.2f\n",
		res.EventsRead, res.RoomsRecomputed, res.RoomsChanged, res.Rejects, res.Seconds)
	return nil
}

func runReconcile(ctx context.Context, e *env, r *etl.Runner, days int) error {
	res, err := r.Reconcile(ctx, days)
	if errors.Is(err, etl.ErrBusy) {
		return fmt.Errorf("%w: try again when it has finished", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "window: the rooms opened or written since %s (%d days)\n", res.Since.UTC().Format(time.RFC3339), days)
	fmt.Fprintf(e.stdout, "rooms checked: %d\nevents read: %d\n", res.RoomsChecked, res.EventsRead)
	fmt.Fprintf(e.stdout, "rooms repaired: %d (missing: %d, changed: %d, removed: %d)\n", res.Repaired(), res.Missing, res.Changed, res.Removed)
	tenants := make([]string, 0, len(res.ByTenant))
	for t := range res.ByTenant {
		tenants = append(tenants, t)
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		fmt.Fprintf(e.stdout, "  %s: %d rooms\n", t, res.ByTenant[t])
	}
	if res.FeedRejects > 0 {
		fmt.Fprintf(e.stdout, "feed rejects (ids the API cannot address): %d new\n", res.FeedRejects)
	}
	fmt.Fprintf(e.stdout, "seconds: %.2f\n", res.Seconds)
	return nil
}
