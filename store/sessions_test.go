package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/store"
)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// A link is spent once: of eight browsers using it at the same moment,
// exactly one gets it; a used or expired one is not found.
func TestLoginLinkOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Now()
	link := store.LoginLink{TokenSHA256: hashOf("a"), TenantID: "acme", Role: "manager", CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
	if err := db.CreateLoginLink(ctx, link); err != nil {
		t.Fatal(err)
	}
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		won, missed int
	)
	for range 8 {
		wg.Go(func() {
			l, err := db.UseLoginLink(ctx, hashOf("a"), now.Add(time.Minute))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && l.TenantID == "acme" && l.Role == "manager":
				won++
			case errors.Is(err, store.ErrNotFound):
				missed++
			default:
				t.Errorf("use: %+v, %v", l, err)
			}
		})
	}
	wg.Wait()
	if won != 1 || missed != 7 {
		t.Errorf("%d browsers signed in with one link, %d did not; want 1 and 7", won, missed)
	}
	stale := store.LoginLink{TokenSHA256: hashOf("b"), TenantID: "acme", Role: "reader", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}
	if err := db.CreateLoginLink(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseLoginLink(ctx, hashOf("b"), now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired link: %v, want ErrNotFound", err)
	}
	if _, err := db.UseLoginLink(ctx, hashOf("c"), now); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown link: %v, want ErrNotFound", err)
	}
}

// Sessions: stored by the hash of their token, touched, deleted; expired
// ones (idle or past their end) and expired links are deleted in bulk; an
// admin's session has no tenant, and a tenant's session no admin role.
func TestWebSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	now := time.Now().Truncate(time.Microsecond)
	mk := func(token, role, tenant, key string, seen, expires time.Time) store.WebSession {
		return store.WebSession{TokenSHA256: hashOf(token), CSRFToken: "c-" + token, Role: role, TenantID: tenant, KeyID: key,
			LastTenant: tenant, CreatedAt: seen, LastSeenAt: seen, ExpiresAt: expires}
	}
	for _, s := range []store.WebSession{
		mk("live", "reader", "acme", "", now, now.Add(time.Hour)),
		mk("idle", "manager", "acme", "000000000001", now.Add(-2*time.Hour), now.Add(time.Hour)),
		mk("over", "admin", "", "000000000002", now, now.Add(-time.Second)),
	} {
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateSession(ctx, mk("bad", "admin", "acme", "000000000003", now, now.Add(time.Hour))); err == nil {
		t.Error("an admin session with a tenant was stored")
	}
	if err := db.CreateSession(ctx, mk("bad2", "admin", "", "", now, now.Add(time.Hour))); err == nil {
		t.Error("an admin session without a key was stored")
	}
	got, err := db.Session(ctx, hashOf("live"))
	if err != nil || !bytes.Equal(got.TokenSHA256, hashOf("live")) || got.CSRFToken != "c-live" || got.KeyID != "" || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("session: %+v, %v", got, err)
	}
	if err := db.TouchSession(ctx, hashOf("live"), now.Add(time.Minute), "globex"); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchSession(ctx, hashOf("live"), now, ""); err != nil { // an older touch keeps the later one
		t.Fatal(err)
	}
	if got, _ := db.Session(ctx, hashOf("live")); !got.LastSeenAt.Equal(now.Add(time.Minute)) || got.LastTenant != "globex" {
		t.Errorf("touched: seen %s, last tenant %q", got.LastSeenAt, got.LastTenant)
	}
	if err := db.TouchSession(ctx, hashOf("none"), now, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("touch of no session: %v", err)
	}
	if err := db.CreateLoginLink(ctx, store.LoginLink{TokenSHA256: hashOf("old"), TenantID: "acme", Role: "reader", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	n, err := db.DeleteExpiredSessions(ctx, now, time.Hour)
	if err != nil || n != 3 {
		t.Errorf("deleted %d (%v), want the idle session, the ended one and the expired link", n, err)
	}
	if _, err := db.Session(ctx, hashOf("idle")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the idle session: %v", err)
	}
	if err := db.DeleteSession(ctx, hashOf("live")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Session(ctx, hashOf("live")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted session: %v", err)
	}
	if err := db.DeleteSession(ctx, hashOf("live")); err != nil {
		t.Errorf("deleting it again: %v", err)
	}
}
