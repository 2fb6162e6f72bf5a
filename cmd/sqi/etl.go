package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"sqi/etl"
)

func init() {
	commands["etl"] = command{
		usage:   "--once [--batch N]",
		summary: "Process every pending chat event into room facts, then exit.",
		details: "The scheduled ETL runs inside 'sqi serve' every minute; this is the same run, once. It prints the events read, the rooms recomputed (and how many changed), the rejects and the seconds taken; on a terminal it shows its progress on standard error.",
		env:     "DATABASE_URL, SOURCE_DATABASE_URL",
		run:     runETL,
	}
}

func runETL(ctx context.Context, e *env, args []string) error {
	fs := e.flags("etl")
	once := fs.Bool("once", false, "process every pending event, then exit")
	batch := fs.Int("batch", 50_000, "events per Arrow batch, `N` ≥ 1000 (memory is bounded by it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*once {
		return usagef("--once is required: the scheduled ETL runs inside 'sqi serve' (run 'sqi etl --help')")
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
