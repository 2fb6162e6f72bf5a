package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sqi/metrics"
	"sqi/store"
)

func init() {
	commands["tenant"] = command{
		usage: "put < config.json | get T | list: tenant configuration",
		run:   runTenant,
	}
}

func runTenant(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("give put, get T or list")
	}
	switch args[0] {
	case "put":
		if len(args) != 1 {
			return usagef("put reads the configuration from standard input and takes no argument")
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
		if err := db.PutTenant(ctx, c); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "tenant %s configured\n", c.TenantID)
		return nil
	case "get":
		if len(args) != 2 {
			return usagef("give the tenant id: sqi tenant get T")
		}
		db, err := e.store(ctx)
		if err != nil {
			return err
		}
		t, err := db.Tenant(ctx, args[1])
		if errors.Is(err, store.ErrNotFound) {
			return usagef("tenant %q is neither configured nor seen in the events (see 'sqi tenant list')", args[1])
		}
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(t.Config)
	case "list":
		if len(args) != 1 {
			return usagef("list takes no argument")
		}
		db, err := e.store(ctx)
		if err != nil {
			return err
		}
		ts, err := db.Tenants(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TENANT\tNAME\tTIMEZONE\tLOCALE\tCONFIGURED")
		invalid := 0
		for _, t := range ts {
			configured := fmt.Sprint(t.Configured)
			if t.Invalid != nil {
				// One tenant's broken configuration must not hide the others.
				invalid++
				configured = "INVALID: " + strings.ReplaceAll(t.Invalid.Err.Error(), "\n", "; ")
				fmt.Fprintf(tw, "%s\t-\t-\t-\t%s\n", t.Config.TenantID, configured)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Config.TenantID, t.Config.Name, t.Config.TimeZone, t.Config.Locale, configured)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if invalid > 0 {
			fmt.Fprintf(e.stderr, "%d stored configurations are not valid: put a valid one with 'sqi tenant put'\n", invalid)
		}
		return nil
	}
	return usagef("unknown tenant sub-command %q: give put, get T or list", args[0])
}
