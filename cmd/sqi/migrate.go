package main

import (
	"context"
	"fmt"
)

func init() {
	commands["migrate"] = command{
		usage: "apply the embedded database migrations (idempotent)",
		run:   runMigrate,
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
