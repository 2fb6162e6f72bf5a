package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkRequestOverhead is the cost of one small request in process
// (no network): /healthz, which looks nothing up (the baseline); GET
// config, which looks up the key and the tenant and answers the stored
// document; and /live, the wall screens' request. Each once with every
// look-up read from the database (lookups=db) and once with keys and
// tenants kept in memory while WatchChanges listens, as in sqi serve
// (lookups=kept).
func BenchmarkRequestOverhead(b *testing.B) {
	f := newFixture(b)
	for _, mode := range []string{"db", "kept"} {
		var stop func()
		if mode == "kept" {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { f.srv.WatchChanges(ctx); close(done) }()
			stop = func() { cancel(); <-done }
			for !f.srv.Watching() {
				time.Sleep(time.Millisecond)
			}
		}
		for _, path := range []string{"/healthz", "/v1/tenants/" + own + "/config", "/v1/tenants/" + own + "/live"} {
			b.Run("lookups="+mode+path, func(b *testing.B) {
				key := f.keys[pReader]
				if path == "/healthz" {
					key = ""
				}
				for b.Loop() {
					if w := f.do(b, request{path: path, key: key}); w.Code != http.StatusOK {
						b.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
					}
				}
			})
		}
		if stop != nil {
			stop()
		}
	}
}
