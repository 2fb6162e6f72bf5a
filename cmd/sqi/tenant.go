package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"sqi/export"
	"sqi/metrics"
	"sqi/store"
)

func init() {
	commands["tenant"] = command{
		summary: "Tenant configuration (docs/metrics.md): put, get, list.",
		subs:    []string{"put", "get", "list"},
	}
	commands["tenant put"] = command{
		usage:   "< config.json",
		summary: "Store a tenant's configuration, read as JSON from standard input.",
		details: "Fields left out take the defaults. The whole document is checked first and every problem is reported at once; nothing is stored unless all of it is valid. The change applies to every later query and report. Examples: scripts/demo/*.json; every field: docs/metrics.md.",
		env:     "DATABASE_URL",
		run:     runTenantPut,
	}
	commands["tenant get"] = command{
		usage:   "T",
		summary: "Print a tenant's configuration as JSON.",
		details: "A tenant only seen in the events has the default configuration.",
		env:     "DATABASE_URL",
		run:     runTenantGet,
	}
	commands["tenant list"] = command{
		summary: "List the tenants, configured or only seen in the events.",
		env:     "DATABASE_URL",
		run:     runTenantList,
	}
}

func runTenantPut(ctx context.Context, e *env, args []string) error {
	fs := e.flags("tenant put")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("put reads the configuration from standard input and takes no argument: sqi tenant put < config.json")
	}
	raw, err := io.ReadAll(io.LimitReader(e.stdin, 1<<20))
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	c, err := metrics.ParseConfig(raw)
	if err != nil {
		return usagef("%v", err)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	if c.HasMasks() {
		// A document printed by tenant get: its masked webhook secrets and
		// URLs stand for the stored ones.
		var stored *metrics.Config
		t, err := db.Tenant(ctx, c.TenantID)
		var bad *store.ConfigError
		switch {
		case err == nil:
			stored = &t.Config
		case errors.Is(err, store.ErrNotFound) || errors.As(err, &bad):
		default:
			return err
		}
		if err := c.RestoreSecrets(stored); err != nil {
			return usagef("%v", err)
		}
	}
	if err := db.PutTenant(ctx, c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "tenant %s configured\n", c.TenantID)
	return nil
}

func runTenantGet(ctx context.Context, e *env, args []string) error {
	fs := e.flags("tenant get")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give the tenant id: sqi tenant get T (see 'sqi tenant list')")
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	t, err := db.Tenant(ctx, fs.Arg(0))
	if errors.Is(err, store.ErrNotFound) {
		return usagef("tenant %q is neither configured nor seen in the events (see 'sqi tenant list')", fs.Arg(0))
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(t.Config.Masked()) // webhook secrets are never printed
}

func runTenantList(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("tenant list"), args); err != nil {
		return err
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	ts, err := db.Tenants(ctx)
	if err != nil {
		return err
	}
	tw := export.NewTextTable(e.stdout, false)
	fmt.Fprintln(tw, "TENANT\tNAME\tTIMEZONE\tLOCALE\tCONFIGURED")
	invalid := 0
	for _, t := range ts {
		if t.Invalid != nil {
			// One tenant's broken configuration must not hide the others.
			invalid++
			fmt.Fprintf(tw, "%s\t-\t-\t-\tINVALID: %s\n", t.Config.TenantID, strings.ReplaceAll(t.Invalid.Err.Error(), "\n", "; "))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", t.Config.TenantID, t.Config.Name, t.Config.TimeZone, t.Config.Locale, t.Configured)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if invalid > 0 {
		fmt.Fprintf(e.stderr, "%d stored configurations are not valid: put a valid one with 'sqi tenant put'\n", invalid)
	}
	return nil
}
