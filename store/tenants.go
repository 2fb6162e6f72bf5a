package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sqi/metrics"
)

// ErrNotFound is returned for a tenant, room or key that does not exist.
var ErrNotFound = errors.New("not found")

// Tenant is a tenant's configuration; Configured is false when the tenant
// was only seen in the events and runs on the defaults.
type Tenant struct {
	Config     metrics.Config
	Configured bool
}

// Tenant returns the configuration of tenantID: its own, or the defaults
// when it has events but no configuration. ErrNotFound when neither.
func (db *DB) Tenant(ctx context.Context, tenantID string) (Tenant, error) {
	const q = `SELECT config FROM tenants WHERE tenant_id = $1`
	var raw []byte
	err := db.Pool.QueryRow(ctx, q, tenantID).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, fmt.Errorf("unknown tenant %q: %w", tenantID, ErrNotFound)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("read tenant %q: %w", tenantID, err)
	}
	return decodeTenant(tenantID, raw)
}

func decodeTenant(tenantID string, raw []byte) (Tenant, error) {
	if raw == nil {
		return Tenant{Config: metrics.DefaultConfig(tenantID)}, nil
	}
	c, err := metrics.ParseConfig(raw)
	if err != nil {
		return Tenant{}, fmt.Errorf("stored configuration of tenant %q: %w", tenantID, err)
	}
	return Tenant{Config: c, Configured: true}, nil
}

// PutTenant stores a validated configuration.
func (db *DB) PutTenant(ctx context.Context, c metrics.Config) error {
	const q = `INSERT INTO tenants (tenant_id, config, updated_at) VALUES ($1, $2, now())
ON CONFLICT (tenant_id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`
	if err := c.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	if _, err := db.Pool.Exec(ctx, q, c.TenantID, raw); err != nil {
		return fmt.Errorf("write tenant %q: %w", c.TenantID, err)
	}
	return nil
}

// Tenants lists every tenant, configured or only seen in the events,
// ordered by id.
func (db *DB) Tenants(ctx context.Context) ([]Tenant, error) {
	const q = `SELECT tenant_id, config FROM tenants ORDER BY tenant_id`
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	var (
		out []Tenant
		id  string
		raw []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
		t, err := decodeTenant(id, raw)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}
