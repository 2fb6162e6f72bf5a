package pgtest_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"sqi/internal/pgtest"
)

func TestNewGivesEachTestItsOwnMigratedDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	seen := make(chan string, 4)
	t.Run("group", func(t *testing.T) {
		for _, name := range []string{"a", "b", "c", "d"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				db, dbURL := pgtest.NewWithURL(t)

				var current string
				if err := db.Pool.QueryRow(ctx, "SELECT current_database()").Scan(&current); err != nil {
					t.Fatalf("query current_database: %v", err)
				}
				if !strings.HasPrefix(current, "sqi_test_") {
					t.Errorf("current_database() = %q, want prefix sqi_test_", current)
				}
				if got := databaseOf(t, dbURL); got != current {
					t.Errorf("URL names database %q, pool is on %q", got, current)
				}
				n, err := db.Migrate(ctx)
				if err != nil || n != 0 {
					t.Errorf("Migrate again = %d, %v; want 0, nil (already migrated)", n, err)
				}
				seen <- current
			})
		}
	})
	close(seen)

	distinct := map[string]bool{}
	for name := range seen {
		distinct[name] = true
	}
	if len(distinct) != 4 {
		t.Errorf("4 tests got %d distinct databases: %v", len(distinct), distinct)
	}
	for name := range distinct {
		if databaseExists(t, name) {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

func TestURLReachesTheSameDatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, dbURL := pgtest.NewWithURL(t)

	if _, err := db.Pool.Exec(ctx, "CREATE TABLE pgtest_probe (v int); INSERT INTO pgtest_probe VALUES (42)"); err != nil {
		t.Fatalf("write through pool: %v", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect with URL: %v", err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM pgtest_probe").Scan(&v); err != nil || v != 42 {
		t.Errorf("read through URL = %d, %v; want 42, nil", v, err)
	}
}

func databaseOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("parse %q: %v", dbURL, err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatalf("connect admin: %v", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatalf("query pg_database: %v", err)
	}
	return exists
}

// BenchmarkNewDatabase: a test's database cloned from the migrated
// template, against the baseline of migrating an empty one, as every test
// did before.
func BenchmarkNewDatabase(b *testing.B) {
	b.Run("template", func(b *testing.B) {
		for b.Loop() {
			pgtest.New(b)
		}
	})
	b.Run("migrate-baseline", func(b *testing.B) {
		for b.Loop() {
			db := pgtest.NewEmpty(b)
			if _, err := db.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
