package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"sqi/metrics"
)

// TestLookupsFollowChanges: while WatchChanges listens, keys and tenants
// are served from memory — a change made behind the triggers' back is not
// seen, which shows the memory is used — and every change that PostgreSQL
// announces (a revocation, a configuration put by another process) is seen
// by the requests that follow it, within a bound measured here. When the
// listening connection dies, nothing is kept until it listens again.
func TestLookupsFollowChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.srv.WatchChanges(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the watcher to listen", f.srv.Watching)

	key := f.keys[pReader]
	keyID := key[4:16]
	configPath := "/v1/tenants/" + own + "/config"
	nameOf := func() string {
		w := f.do(t, request{path: configPath, key: key})
		if w.Code != http.StatusOK {
			t.Fatalf("GET config: %d %s", w.Code, w.Body)
		}
		var c struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		return c.Name
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.db.Pool.Exec(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	first := nameOf() // key and tenant now in memory

	// Behind the triggers' back: the memory answers.
	exec(`ALTER TABLE tenants DISABLE TRIGGER tenants_notify`)
	exec(`UPDATE tenants SET config = jsonb_set(config, '{name}', '"hidden"') WHERE tenant_id = $1`, own)
	exec(`ALTER TABLE tenants ENABLE TRIGGER tenants_notify`)
	if got := nameOf(); got != first {
		t.Fatalf("name %q after a change without notification: the tenant is not kept in memory (want %q)", got, first)
	}

	// Another process puts a configuration: seen.
	tenant, err := f.db.Tenant(context.Background(), own)
	if err != nil {
		t.Fatal(err)
	}
	cfg := tenant.Config
	cfg.Name = "renamed"
	if err := f.db.PutTenant(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	put := time.Now()
	waitFor(t, "the new configuration", func() bool { return nameOf() == "renamed" })
	t.Logf("a configuration put elsewhere seen after %v", time.Since(put).Round(time.Microsecond))

	// A revocation elsewhere (sqi apikey revoke): 401.
	if err := f.db.RevokeAPIKey(context.Background(), keyID, time.Now()); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	waitFor(t, "the revocation", func() bool {
		return f.do(t, request{path: configPath, key: key}).Code == http.StatusUnauthorized
	})
	t.Logf("a revocation elsewhere seen after %v", time.Since(revoked).Round(time.Microsecond))

	// The listening connection dies: nothing is kept, so a change without
	// notification is seen at once; then it listens again.
	other := f.keys[pManager]
	if w := f.do(t, request{path: configPath, key: other}); w.Code != http.StatusOK {
		t.Fatalf("manager: %d", w.Code)
	}
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN sqi_changes'`)
	waitFor(t, "the watcher to notice", func() bool { return !f.srv.Watching() })
	exec(`ALTER TABLE tenants DISABLE TRIGGER tenants_notify`)
	exec(`UPDATE tenants SET config = jsonb_set(config, '{name}', '"unheard"') WHERE tenant_id = $1`, own)
	exec(`ALTER TABLE tenants ENABLE TRIGGER tenants_notify`)
	// (Listening again starts with an empty memory too.)
	w := f.do(t, request{path: configPath, key: other})
	if w.Code != http.StatusOK {
		t.Fatalf("GET config while not listening: %d", w.Code)
	}
	if got := decodeName(t, w.Body.Bytes()); got != "unheard" {
		t.Fatalf("name %q while not listening, want the database's %q", got, "unheard")
	}
	waitFor(t, "the watcher to listen again", f.srv.Watching)
}

func decodeName(t *testing.T, b []byte) string {
	t.Helper()
	var c metrics.Config
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c.Name
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for stop := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(stop) {
			t.Fatalf("waited 5 s for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
