package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"sqi/api"
	"sqi/store"
	"sqi/web"
)

func init() {
	commands["login-link"] = command{
		usage:   "--tenant T [--role reader|manager] [--ttl D]",
		summary: "Print a one-time sign-in link of the web app for a reader or manager of a tenant.",
		details: "The link signs one browser in once, within --ttl (15 minutes), as a session of the role for the tenant; only a hash of its token is stored. Its address is PUBLIC_URL (the web app's address as users reach it, e.g. https://sqi.example.com), or http://localhost:PORT of HTTP_ADDR. The link is the only line on standard output; what it is goes to standard error (docs/web.md).",
		env:     "DATABASE_URL, PUBLIC_URL, HTTP_ADDR",
		run:     loginLink,
	}
}

// maxLinkTTL bounds --ttl: a link is for signing in now, not a key.
const maxLinkTTL = 24 * time.Hour

func loginLink(ctx context.Context, e *env, args []string) error {
	fs := e.flags("login-link")
	tenant := fs.String("tenant", "", "the tenant `T` the link signs in to (see sqi tenant list)")
	role := fs.String("role", api.RoleReader, "the session's `ROLE`: reader (reads the tenant) or manager (may also change its settings)")
	ttl := fs.Duration("ttl", web.LinkTTL, "how long the link stays valid, `D` up to 24h")
	fs.require("tenant")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *role != api.RoleReader && *role != api.RoleManager {
		return usagef("--role %q: use reader or manager (an admin signs in with an admin API key)", *role)
	}
	if *ttl <= 0 || *ttl > maxLinkTTL {
		return usagef("--ttl %s: give a duration from 1s to 24h, e.g. 15m", *ttl)
	}
	base, err := publicURL(e.getenv)
	if err != nil {
		return err
	}
	token, link, err := web.NewLoginLink(*role, *tenant, time.Now(), *ttl)
	if err != nil {
		return usagef("--tenant: %v", err)
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	if _, err := db.Tenant(ctx, *tenant); errors.Is(err, store.ErrNotFound) {
		return usagef("--tenant: tenant %q is neither configured nor seen in the events (see sqi tenant list)", *tenant)
	} else if err != nil {
		var bad *store.ConfigError
		if !errors.As(err, &bad) {
			return err
		}
	}
	if err := db.CreateLoginLink(ctx, link); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, web.LinkURL(base, token))
	fmt.Fprintf(e.stderr, "one-time sign-in link for a %s of tenant %s, valid once until %s\n", *role, *tenant,
		link.ExpiresAt.Local().Format("2006-01-02 15:04:05 MST"))
	return nil
}

// publicURL is the web app's address as its users reach it: PUBLIC_URL,
// or http://localhost:PORT of HTTP_ADDR (:8080 by default).
func publicURL(getenv func(string) string) (string, error) {
	if v := getenv("PUBLIC_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", usagef("PUBLIC_URL %q: give the web app's address as users reach it, e.g. https://sqi.example.com", v)
		}
		return strings.TrimRight(v, "/"), nil
	}
	addr := getenv("HTTP_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usagef("HTTP_ADDR %q: give host:port or :port, or set PUBLIC_URL", addr)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
