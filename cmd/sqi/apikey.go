package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"sqi/api"
	"sqi/store"
)

func init() {
	commands["apikey"] = command{
		usage: "create --tenant T --role reader | create --role admin | list | revoke ID: API keys",
		run:   runAPIKey,
	}
}

func runAPIKey(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("give create, list or revoke ID")
	}
	switch args[0] {
	case "create":
		return apikeyCreate(ctx, e, args[1:])
	case "list":
		if len(args) != 1 {
			return usagef("list takes no argument")
		}
		return apikeyList(ctx, e)
	case "revoke":
		if len(args) != 2 {
			return usagef("give the key id to revoke: sqi apikey revoke ID (see sqi apikey list)")
		}
		return apikeyRevoke(ctx, e, args[1])
	}
	return usagef("unknown apikey sub-command %q: give create, list or revoke ID", args[0])
}

// apikeyCreate prints a new key on standard output, alone on its line (so
// that KEY=$(sqi apikey create ...) works), and what it is on standard
// error. The key is never shown again: only its hash is stored.
func apikeyCreate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("apikey create")
	tenant := fs.String("tenant", "", "the tenant a reader key sees (not for admin keys, which see every tenant)")
	role := fs.String("role", api.RoleReader, "reader (one tenant, read only) or admin (every tenant, may change configuration)")
	name := fs.String("name", "", "a label for operators, e.g. the BI tool or the client using the key")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *role {
	case api.RoleReader:
		if *tenant == "" {
			return usagef("--tenant: a reader key sees one tenant; give it (see sqi tenant list)")
		}
	case api.RoleAdmin:
		if *tenant != "" {
			return usagef("--tenant: an admin key sees every tenant; leave --tenant out")
		}
	default:
		return usagef("--role %q: use reader or admin", *role)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	if *role == api.RoleReader {
		if _, err := db.Tenant(ctx, *tenant); errors.Is(err, store.ErrNotFound) {
			return usagef("--tenant: tenant %q is neither configured nor seen in the events (see sqi tenant list)", *tenant)
		} else if err != nil {
			return err
		}
	}
	key, k, err := api.NewKey(*role, *tenant, *name, time.Now())
	if err != nil {
		return usagef("%v", err)
	}
	if err := db.CreateAPIKey(ctx, k); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, key)
	what := "admin key (every tenant)"
	if k.Role == api.RoleReader {
		what = "reader key of tenant " + k.TenantID
	}
	fmt.Fprintf(e.stderr, "created %s, id %s; store it now: it is not shown again\n", what, k.ID)
	return nil
}

func apikeyList(ctx context.Context, e *env) error {
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	keys, err := db.APIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tTENANT\tNAME\tCREATED\tREVOKED")
	for _, k := range keys {
		tenant, revoked := k.TenantID, "-"
		if tenant == "" {
			tenant = "*"
		}
		if !k.RevokedAt.IsZero() {
			revoked = k.RevokedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, tenant, k.Name, k.CreatedAt.UTC().Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

// apikeyRevoke takes a key id, or a whole key (its id is read from it).
func apikeyRevoke(ctx context.Context, e *env, id string) error {
	if rest, ok := strings.CutPrefix(id, "sqi_"); ok {
		id, _, _ = strings.Cut(rest, "_")
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	if err := db.RevokeAPIKey(ctx, id, time.Now()); errors.Is(err, store.ErrNotFound) {
		return usagef("no API key %q (see sqi apikey list)", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "api key %s revoked\n", id)
	return nil
}
