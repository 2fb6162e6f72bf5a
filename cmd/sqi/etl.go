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
		usage: "--once: process every pending event, then exit; --reconcile [--days N]: recompute the rooms of the last N days whose events differ from their facts",
		run:   runETL,
	}
}

func runETL(ctx context.Context, e *env, args []string) error {
	fs := e.flags("etl")
	once := fs.Bool("once", false, "process every pending event, then exit")
	reconcile := fs.Bool("reconcile", false, "compare the rooms of the last --days days with their events and recompute those that differ (docs/etl.md)")
	days := fs.Int("days", 7, "the window of --reconcile, in days")
	batch := fs.Int("batch", 50_000, "events per Arrow batch (memory is bounded by it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *once == *reconcile {
		return usagef("give --once or --reconcile (the scheduled ETL runs inside 'sqi serve')")
	}
	if *batch < 1000 {
		return usagef("--batch %d: use 1000 or more", *batch)
	}
	if *days < 1 || *days > 3660 {
		return usagef("--days %d: use 1 to 3660", *days)
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
	r := &etl.Runner{Source: src, Store: db, BatchEvents: *batch,
		Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if *reconcile {
		return runReconcile(ctx, e, r, *days)
	}
	res, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events read: %d\nrooms recomputed: %d (changed: %d)\nrejects: %d\n",
		res.EventsRead, res.RoomsRecomputed, res.RoomsChanged, res.Rejects)
	if res.FeedRejects > 0 {
		fmt.Fprintf(e.stdout, "feed rejects (ids the API cannot address): %d new\n", res.FeedRejects)
	}
	fmt.Fprintf(e.stdout, "seconds: %.2f\n", res.Seconds)
	return nil
}

// runReconcile runs one reconciliation and prints what it repaired.
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
