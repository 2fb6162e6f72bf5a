package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"sqi/api"
	"sqi/export"
	"sqi/store"
)

func init() {
	commands["apikey"] = command{
		summary: "API keys of the HTTP API: create, list, revoke (docs/api.md).",
		subs:    []string{"create", "list", "revoke"},
	}
	commands["apikey create"] = command{
		usage:   "--tenant T [--role reader|manager] [--name N] | --role admin [--name N]",
		summary: "Create an API key; print it alone on standard output.",
		details: "What the key is goes to standard error, so KEY=$(sqi apikey create --tenant acme) captures the key and nothing else. The key is never shown again: only a hash of its secret is stored. A reader key sees one tenant, read only; a manager key (a client company's own administrator) sees one tenant and may change its configuration; an admin key sees every tenant and may do everything.",
		env:     "DATABASE_URL",
		run:     apikeyCreate,
	}
	commands["apikey list"] = command{
		summary: "List the API keys: ids, roles, tenants, names, dates (never the keys).",
		env:     "DATABASE_URL",
		run:     apikeyList,
	}
	commands["apikey revoke"] = command{
		usage:   "ID",
		summary: "Revoke an API key, given its id or the whole key; it stops at once.",
		env:     "DATABASE_URL",
		run:     apikeyRevoke,
	}
}

// apikeyCreate prints a new key on standard output, alone on its line (so
// that KEY=$(sqi apikey create ...) works), and what it is on standard
// error. The key is never shown again: only its hash is stored.
func apikeyCreate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("apikey create")
	tenant := fs.String("tenant", "", "the tenant `T` a reader or manager key sees; required for them, refused for an admin key")
	role := fs.String("role", api.RoleReader, "the key's `ROLE`: reader (one tenant, read only), manager (one tenant, may change its configuration) or admin (every tenant, everything)")
	name := fs.String("name", "", "a label `N` for operators, e.g. the BI tool or the client using the key")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *role {
	case api.RoleReader, api.RoleManager:
		if *tenant == "" {
			return usagef("--tenant is required for a %s key, which sees one tenant (see 'sqi tenant list'); an admin key takes --role admin", *role)
		}
	case api.RoleAdmin:
		if *tenant != "" {
			return usagef("--tenant: an admin key sees every tenant; leave --tenant out")
		}
	default:
		return usagef("--role %q: use reader, manager or admin", *role)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	if *role != api.RoleAdmin {
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
	if k.Role != api.RoleAdmin {
		what = k.Role + " key of tenant " + k.TenantID
	}
	fmt.Fprintf(e.stderr, "created %s, id %s; store it now: it is not shown again\n", what, k.ID)
	return nil
}

func apikeyList(ctx context.Context, e *env, args []string) error {
	if err := parse(e.flags("apikey list"), args); err != nil {
		return err
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	keys, err := db.APIKeys(ctx)
	if err != nil {
		return err
	}
	tw := export.NewTextTable(e.stdout, false)
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
func apikeyRevoke(ctx context.Context, e *env, args []string) error {
	fs := e.flags("apikey revoke")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give the key id to revoke: sqi apikey revoke ID (see 'sqi apikey list')")
	}
	id := fs.Arg(0)
	if rest, ok := strings.CutPrefix(id, "sqi_"); ok {
		id, _, _ = strings.Cut(rest, "_")
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	k, err := db.APIKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("no API key %q (see sqi apikey list)", id)
	} else if err != nil {
		return err
	}
	if !k.RevokedAt.IsZero() { // revoking twice changes nothing
		fmt.Fprintf(e.stdout, "api key %s was already revoked at %s\n", id, k.RevokedAt.UTC().Format(time.RFC3339))
		return nil
	}
	if err := db.RevokeAPIKey(ctx, id, time.Now()); errors.Is(err, store.ErrNotFound) {
		return usagef("no API key %q (see sqi apikey list)", id)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "api key %s revoked\n", id)
	return nil
}
