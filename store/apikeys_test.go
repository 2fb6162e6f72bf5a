package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"sqi/internal/pgtest"
	"sqi/migrations"
)

// TestMigrationManagerKeys: migration 00008 admits manager keys, which
// have a tenant as reader keys do, keeps the keys of before, and still
// refuses an admin key with a tenant and a tenant key without one; rolled
// back, a manager key becomes a reader key of its tenant.
func TestMigrationManagerKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewEmpty(t)
	sqldb := stdlib.OpenDBFromPool(db.Pool)
	defer sqldb.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	const ins = `INSERT INTO api_keys (key_id, secret_sha256, role, tenant_id) VALUES ($1, decode(repeat('00', 32), 'hex'), $2, $3)`
	if _, err := db.Pool.Exec(ctx, ins, "000000000001", "reader", "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, ins, "000000000002", "manager", "acme"); err == nil {
		t.Fatal("a manager key before migration 00008")
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		id, role string
		tenant   any
		ok       bool
	}{
		{"000000000002", "manager", "acme", true},
		{"000000000003", "admin", nil, true},
		{"000000000004", "manager", nil, false},
		{"000000000005", "admin", "acme", false},
		{"000000000006", "reader", nil, false},
		{"000000000007", "owner", "acme", false},
	} {
		_, err := db.Pool.Exec(ctx, ins, k.id, k.role, k.tenant)
		if (err == nil) != k.ok {
			t.Errorf("%s key with tenant %v: error %v, want accepted %v", k.role, k.tenant, err, k.ok)
		}
	}
	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	var roles string
	if err := db.Pool.QueryRow(ctx, `SELECT string_agg(key_id || ':' || role || ':' || coalesce(tenant_id, '-'), ',' ORDER BY key_id) FROM api_keys`).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if roles != "000000000001:reader:acme,000000000002:reader:acme,000000000003:admin:-" {
		t.Errorf("after rolling back: %s", roles)
	}
}
