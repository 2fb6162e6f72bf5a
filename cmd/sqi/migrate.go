package main

import (
	"context"
	"fmt"
	"log/slog"

	"sqi/etl"
	"sqi/store"
)

func init() {
	commands["migrate"] = command{
		summary: "Apply the embedded database migrations (safe to run again).",
		details: "It creates the service's tables in DATABASE_URL, and chat_events too when that database has none, so that one database serves demos and tests. When a migration changes what room facts hold, it then computes the facts of every existing room again from its events in SOURCE_DATABASE_URL (docs/etl.md, upgrades), before it returns.",
		env:     "DATABASE_URL, SOURCE_DATABASE_URL",
		run:     runMigrate,
	}
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("migrate"), args); err != nil {
		return err
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrations applied: %d\n", n)
	return recomputeStale(ctx, e, db)
}

// recomputeStale computes again the facts a migration left in an older
// shape, from their events, until none is left.
func recomputeStale(ctx context.Context, e *env, db *store.DB) error {
	stale, err := db.StaleRooms(ctx, 1)
	if err != nil || len(stale) == 0 {
		return err
	}
	src, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	r := &etl.Runner{Source: src, Store: db, Log: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	p := e.progress()
	total := 0
	for {
		n, err := r.RecomputeStale(ctx, 20_000)
		if err != nil {
			return fmt.Errorf("recompute facts of an older shape: %w", err)
		}
		if n == 0 {
			break
		}
		total += n
		p.show("migrate: %s rooms' facts computed again", count(int64(total)))
	}
	p.done()
	fmt.Fprintf(e.stdout, "facts computed again in the new shape: %d rooms\n", total)
	return nil
}
