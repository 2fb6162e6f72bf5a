// Package pgtest gives each test a PostgreSQL database of its own, freshly
// created and migrated, and drops it when the test ends. Migrating every
// test's database took most of a small test's time: instead, the first test
// of a process migrates a template database named after the migrations'
// contents (sqi_tmpl_<hash>, kept for the next run) and every test's
// database is a copy of it (CREATE DATABASE … TEMPLATE). It owns only the
// life of those databases; the server comes from SQI_TEST_DATABASE_URL,
// which `make test` (scripts/test.sh) sets. Tests using it may run in
// parallel. Only test code may import it; it must not import api/, etl/ or
// reports/.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"sqi/migrations"
	"sqi/store"
)

// EnvURL names the variable holding the admin URL of the test server: a
// superuser connection to a database such as postgres.
const EnvURL = "SQI_TEST_DATABASE_URL"

// New returns an open store on a new, migrated database that is dropped
// when t ends.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, _ := NewWithURL(t)
	return db
}

// NewWithURL is New that also returns the database's URL, for code under
// test that connects by itself (a CLI run as a subprocess).
func NewWithURL(t testing.TB) (*store.DB, string) {
	t.Helper()
	return newDB(t, true)
}

// NewEmpty returns an open store on a new database with no migration
// applied, dropped when t ends: for tests of the migrations themselves.
func NewEmpty(t testing.TB) *store.DB {
	t.Helper()
	db, _ := newDB(t, false)
	return db
}

func newDB(t testing.TB, migrated bool) (*store.DB, string) {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, or set it to a PostgreSQL superuser URL such as postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", EnvURL)
	}
	name := "sqi_test_" + randomHex(8)
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}

	// Not t.Context(): it is cancelled before cleanups run, and the drop
	// must still happen.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tmpl := "template0"
	if migrated {
		if tmpl, err = template(ctx, admin); err != nil {
			t.Fatalf("template database: %v", err)
		}
	}
	quoted := pgx.Identifier{name}.Sanitize()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+quoted+" TEMPLATE "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	var db *store.DB
	t.Cleanup(func() {
		if db != nil {
			db.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+quoted+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})

	db, err = store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	return db, dbURL
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template returns the name of the migrated template database, creating it
// once per process; an advisory lock keeps test processes that start
// together from creating it twice.
func template(ctx context.Context, admin string) (string, error) {
	templateOnce.Do(func() { templateName, templateErr = makeTemplate(ctx, admin) })
	return templateName, templateErr
}

func makeTemplate(ctx context.Context, admin string) (string, error) {
	h := sha256.New()
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	for _, f := range files { // Glob sorts
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\n%d\n", f, len(b))
		h.Write(b)
	}
	name := "sqi_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", EnvURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('sqi.pgtest.template'))`); err != nil {
		return "", err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// A template left half-made by a killed run is not marked yet: start over.
	quoted := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoted+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+quoted+" TEMPLATE template0"); err != nil {
		return "", err
	}
	u, err := withDatabase(admin, name)
	if err != nil {
		return "", err
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+quoted+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", err
	}
	return name, nil
}

// withDatabase returns admin with its database replaced by name, keeping
// user, host and query parameters.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("want a postgres:// URL, got scheme %q", u.Scheme)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// adminExec runs one statement on its own connection: CREATE and DROP
// DATABASE cannot run inside a transaction or on the database they drop.
func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", EnvURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
