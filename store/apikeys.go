package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// APIKey is a stored API key: its public id, the SHA-256 of its secret,
// and what it may see. The secret itself is never stored (api/apikey.go).
type APIKey struct {
	ID           string
	SecretSHA256 []byte
	Role         string // "reader", "manager" or "admin"
	TenantID     string // a reader's or manager's tenant; "" for an admin key
	Name         string // a label for operators
	CreatedAt    time.Time
	RevokedAt    time.Time // zero while the key is valid
}

// ErrDuplicate is returned when a key id is taken.
var ErrDuplicate = errors.New("already exists")

// CreateAPIKey stores k; its CreatedAt is set by the database when zero.
func (db *DB) CreateAPIKey(ctx context.Context, k APIKey) error {
	const q = `INSERT INTO api_keys (key_id, secret_sha256, role, tenant_id, name, created_at)
VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()))`
	var created any
	if !k.CreatedAt.IsZero() {
		created = k.CreatedAt
	}
	_, err := db.Pool.Exec(ctx, q, k.ID, k.SecretSHA256, k.Role, nullText(k.TenantID), k.Name, created)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("api key %q: %w", k.ID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

const apiKeyColumns = `key_id, secret_sha256, role, COALESCE(tenant_id, ''), name, created_at, revoked_at`

func scanAPIKey(row pgx.Row) (APIKey, error) {
	var k APIKey
	var revoked *time.Time
	if err := row.Scan(&k.ID, &k.SecretSHA256, &k.Role, &k.TenantID, &k.Name, &k.CreatedAt, &revoked); err != nil {
		return APIKey{}, err
	}
	if revoked != nil {
		k.RevokedAt = *revoked
	}
	return k, nil
}

// APIKey returns the key called id, revoked or not; ErrNotFound when there
// is none.
func (db *DB) APIKey(ctx context.Context, id string) (APIKey, error) {
	const q = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE key_id = $1`
	k, err := scanAPIKey(db.Pool.QueryRow(ctx, q, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return APIKey{}, fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("read api key: %w", err)
	}
	return k, nil
}

// APIKeys lists every key, revoked ones included, oldest first.
func (db *DB) APIKeys(ctx context.Context) ([]APIKey, error) {
	const q = `SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY created_at, key_id`
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list api keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return out, nil
}

// RevokeAPIKey marks the key revoked at at. ErrNotFound when there is no
// such key; revoking a revoked key keeps its first revocation time.
func (db *DB) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	const q = `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE key_id = $1`
	tag, err := db.Pool.Exec(ctx, q, id, at)
	if err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	return nil
}
