package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sqi/api"
	"sqi/internal/pgtest"
)

// TestManagerKey: `sqi apikey create --tenant T --role manager` prints a
// key that reads its tenant and may PUT its configuration, where a reader
// key of the same tenant gets 403 and the manager's key on another tenant
// 404; a manager key needs a tenant.
func TestManagerKey(t *testing.T) {
	t.Parallel()
	_, url := pgtest.NewWithURL(t)
	getenv := servedEnv(url, nil)
	for _, doc := range []string{`{"tenant_id": "acme"}`, `{"tenant_id": "globex"}`} {
		var out, errOut strings.Builder
		if code := run(t.Context(), []string{"tenant", "put"}, strings.NewReader(doc), &out, &errOut, getenv); code != 0 {
			t.Fatalf("tenant put: %s", errOut.String())
		}
	}
	code, manager, errOut := runWith(t, t.Context(), getenv, "apikey", "create", "--tenant", "acme", "--role", "manager", "--name", "acme admin")
	manager = strings.TrimSpace(manager)
	if code != 0 || !strings.HasPrefix(manager, "sqi_") || !strings.Contains(errOut, "manager key of tenant acme") {
		t.Fatalf("apikey create --role manager: exit %d, key %q, stderr %q", code, manager, errOut)
	}
	_, reader, _ := runWith(t, t.Context(), getenv, "apikey", "create", "--tenant", "acme")
	reader = strings.TrimSpace(reader)
	if code, _, errOut := runWith(t, t.Context(), getenv, "apikey", "create", "--role", "manager"); code != 2 || !strings.Contains(errOut, "--tenant is required for a manager key") {
		t.Errorf("manager without --tenant: exit %d, %q", code, errOut)
	}
	if _, list, _ := runWith(t, t.Context(), getenv, "apikey", "list"); !strings.Contains(list, "manager") {
		t.Errorf("list does not show the manager key: %q", list)
	}

	e := &env{getenv: getenv}
	defer e.close()
	db, err := e.store(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Deps{Store: db}, api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, tenant string) int {
		req := httptest.NewRequest(http.MethodPut, "/v1/tenants/"+tenant+"/config", strings.NewReader(`{"name": "Acme", "sl_threshold_s": 20}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		return w.Code
	}
	if got := put(manager, "acme"); got != http.StatusOK {
		t.Errorf("the manager's PUT: %d", got)
	}
	if got := put(reader, "acme"); got != http.StatusForbidden {
		t.Errorf("the reader's PUT: %d", got)
	}
	if got := put(manager, "globex"); got != http.StatusNotFound {
		t.Errorf("the manager's PUT on another tenant: %d", got)
	}
	var out, errOut2 strings.Builder
	if code := run(t.Context(), []string{"tenant", "get", "acme"}, strings.NewReader(""), &out, &errOut2, getenv); code != 0 || !strings.Contains(out.String(), `"sl_threshold_s": 20`) {
		t.Errorf("tenant get after the manager's PUT: %s %s", out.String(), errOut2.String())
	}
}
