package api_test

import (
	"net/http"
	"testing"
)

// BenchmarkRequestOverhead is the cost of one small request in process
// (no network): GET config, which looks up the key and the tenant and
// answers the stored document; /healthz, which does neither (the
// baseline); and /live, the wall screens' request.
func BenchmarkRequestOverhead(b *testing.B) {
	f := newFixture(b)
	for _, path := range []string{"/healthz", "/v1/tenants/" + own + "/config", "/v1/tenants/" + own + "/live"} {
		b.Run(path, func(b *testing.B) {
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
}
