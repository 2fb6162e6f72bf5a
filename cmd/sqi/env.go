package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/store"
)

// env is what a command may use: its standard streams, the process
// environment and the databases, opened on first use.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	db *store.DB
}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/sqi?sslmode=disable"

// databaseURL is DATABASE_URL, or the local default of README.md.
func (e *env) databaseURL() string {
	if u := e.getenv("DATABASE_URL"); u != "" {
		return u
	}
	return defaultDatabaseURL
}

// sourceURL is SOURCE_DATABASE_URL, or DATABASE_URL (docs/metrics.md, the
// event feed).
func (e *env) sourceURL() string {
	if u := e.getenv("SOURCE_DATABASE_URL"); u != "" {
		return u
	}
	return e.databaseURL()
}

// sourceVar names the variable that sourceURL came from, for messages.
func (e *env) sourceVar() string {
	if e.getenv("SOURCE_DATABASE_URL") != "" {
		return "SOURCE_DATABASE_URL"
	}
	return "DATABASE_URL"
}

// store opens the service's database once.
func (e *env) store(ctx context.Context) (*store.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	if err := e.checkURL("DATABASE_URL", e.databaseURL()); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, e.databaseURL())
	if err != nil {
		return nil, e.dbError("DATABASE_URL", e.databaseURL(), err)
	}
	e.db = db
	return db, nil
}

func (e *env) close() {
	if e.db != nil {
		e.db.Close()
	}
}

// checkURL fails with a usage error naming variable when raw is not a
// PostgreSQL URL. The parser's own message is not shown: for a malformed
// URL it may repeat the password.
func (e *env) checkURL(variable, raw string) error {
	if _, err := pgxpool.ParseConfig(raw); err != nil {
		return badURL(variable)
	}
	return nil
}

// badURL is the error of a variable that holds no PostgreSQL URL.
func badURL(variable string) error {
	return usagef("%s cannot be read as a PostgreSQL URL: give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable]", variable)
}

// dbError says which database could not be used: the variable that names
// it, its user, host, port and database, and the cause in a few words;
// never the password (also removed from the cause, should a driver ever
// print it).
func (e *env) dbError(variable, raw string, err error) error {
	cause := err.Error()
	var (
		pgErr  *pgconn.PgError
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.As(err, &pgErr):
		cause = pgErr.Message // database "x" does not exist, password authentication failed ...
	case errors.As(err, &dnsErr):
		cause = dnsErr.Error() // lookup x on y: no such host
	case errors.As(err, &opErr):
		cause = opErr.Err.Error() // connect: connection refused ...
	}
	// Drivers do not print passwords; should one ever do, it is masked
	// (a password of a few letters would mask parts of words instead).
	if cfg, perr := pgconn.ParseConfig(raw); perr == nil && len(cfg.Password) >= 4 {
		for _, p := range []string{cfg.Password, url.QueryEscape(cfg.Password), url.PathEscape(cfg.Password)} {
			cause = strings.ReplaceAll(cause, p, "xxxxx")
		}
	}
	return fmt.Errorf("cannot use the database of %s (%s%s): %s", variable, describeDB(raw), e.unsetNote(variable), cause)
}

// unsetNote explains where a URL came from when variable is not set.
func (e *env) unsetNote(variable string) string {
	if e.getenv(variable) != "" {
		return ""
	}
	return "; " + variable + " is not set, so this is the default"
}

// describeDB is user@host:port/database of a connection URL, without the
// password.
func describeDB(raw string) string {
	cfg, err := pgconn.ParseConfig(raw)
	if err != nil {
		return "an unreadable URL"
	}
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "socket " + host
	} else {
		host = net.JoinHostPort(host, strconv.Itoa(int(cfg.Port)))
	}
	return fmt.Sprintf("%s@%s/%s", cfg.User, host, cfg.Database)
}
