package main

import (
	"context"
	"fmt"
)

func init() {
	commands["migrate"] = command{
		summary: "Apply the embedded database migrations (safe to run again).",
		details: "It creates the service's tables in DATABASE_URL, and chat_events too when that database has none, so that one database serves demos and tests.",
		env:     "DATABASE_URL",
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
	return nil
}
