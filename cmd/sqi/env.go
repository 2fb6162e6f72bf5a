package main

import (
	"context"
	"flag"
	"io"

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

// sourceURL is SOURCE_DATABASE_URL, or DATABASE_URL (SPEC §2).
func (e *env) sourceURL() string {
	if u := e.getenv("SOURCE_DATABASE_URL"); u != "" {
		return u
	}
	return e.databaseURL()
}

// store opens the service's database once.
func (e *env) store(ctx context.Context) (*store.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	db, err := store.Open(ctx, e.databaseURL())
	if err != nil {
		return nil, err
	}
	e.db = db
	return db, nil
}

func (e *env) close() {
	if e.db != nil {
		e.db.Close()
	}
}

// flags returns a flag set that reports errors as usage errors.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("sqi "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args and turns a flag error into a one-line usage error.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
