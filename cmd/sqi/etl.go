package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/etl"
)

func init() {
	commands["etl"] = command{
		usage: "--once: process every pending event, then exit",
		run:   runETL,
	}
}

func runETL(ctx context.Context, e *env, args []string) error {
	fs := e.flags("etl")
	once := fs.Bool("once", false, "process every pending event, then exit")
	batch := fs.Int("batch", 50_000, "events per Arrow batch (memory is bounded by it)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !*once {
		return usagef("give --once (the scheduled ETL runs inside 'sqi serve')")
	}
	if *batch < 1000 {
		return usagef("--batch %d: use 1000 or more", *batch)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	src, err := pgxpool.New(ctx, e.sourceURL())
	if err != nil {
		return fmt.Errorf("SOURCE_DATABASE_URL: %w", err)
	}
	defer src.Close()
	r := &etl.Runner{Source: src, Store: db, BatchEvents: *batch,
		Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	res, err := r.RunOnce(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "events read: %d\nrooms recomputed: %d (changed: %d)\nrejects: %d\nseconds: %.2f\n",
		res.EventsRead, res.RoomsRecomputed, res.RoomsChanged, res.Rejects, res.Seconds)
	return nil
}
