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
// was only seen in the events and runs on the defaults. In a list
// (Tenants), Invalid is set for a tenant whose stored configuration no
// longer validates; its Config is then the defaults, for its id and name
// only, and must not be used to compute anything.
type Tenant struct {
	Config     metrics.Config
	Configured bool
	Invalid    *ConfigError
}

// ConfigError is a stored configuration that no longer validates (written
// by an older version or by hand): it affects its tenant only, whose
// requests and reports fail with it until a valid configuration is put.
type ConfigError struct {
	TenantID string
	Err      error // every problem, each naming its field (metrics.Config.Validate)
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("the stored configuration of tenant %q is not valid: %v", e.TenantID, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

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
	t := decodeTenant(tenantID, raw)
	if t.Invalid != nil {
		return Tenant{}, t.Invalid
	}
	return t, nil
}

// decodeTenant reads a stored configuration under the rules of today. The
// tenant is the row's: a document naming another tenant is not valid.
func decodeTenant(tenantID string, raw []byte) Tenant {
	if raw == nil {
		return Tenant{Config: metrics.DefaultConfig(tenantID)}
	}
	c, err := metrics.ParseConfig(raw)
	if err == nil && c.TenantID != tenantID {
		err = fmt.Errorf("tenant_id %q: the configuration is stored for tenant %q; put it again", c.TenantID, tenantID)
	}
	if err != nil {
		return Tenant{Config: metrics.DefaultConfig(tenantID), Configured: true, Invalid: &ConfigError{TenantID: tenantID, Err: err}}
	}
	return Tenant{Config: c, Configured: true}
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
// ordered by id. A tenant whose stored configuration no longer validates
// is listed with Invalid set: it must not stop the others.
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
		out = append(out, decodeTenant(id, raw))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}
