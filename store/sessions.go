package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WebSession is a signed-in browser of the web app (docs/web.md). The
// browser holds a random token; TokenSHA256 is its hash, the only form in
// which it is stored.
type WebSession struct {
	TokenSHA256 []byte
	CSRFToken   string
	Role        string // reader, manager or admin
	TenantID    string // a reader's or manager's tenant; "" for an admin
	KeyID       string // the API key signed in with; "" for a one-time link
	LastTenant  string // the tenant last shown (where / goes)
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // the absolute end of the session
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s WebSession) error {
	const q = `INSERT INTO web_sessions (token_sha256, csrf_token, role, tenant_id, key_id, last_tenant, created_at, last_seen_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	if _, err := db.Pool.Exec(ctx, q, s.TokenSHA256, s.CSRFToken, s.Role, nullText(s.TenantID), nullText(s.KeyID),
		nullText(s.LastTenant), s.CreatedAt, s.LastSeenAt, s.ExpiresAt); err != nil {
		return fmt.Errorf("create web session: %w", err)
	}
	return nil
}

// Session returns the session whose token has the hash tokenSHA256,
// expired or not (the caller decides); ErrNotFound when there is none.
func (db *DB) Session(ctx context.Context, tokenSHA256 []byte) (WebSession, error) {
	const q = `SELECT token_sha256, csrf_token, role, COALESCE(tenant_id, ''), COALESCE(key_id, ''), COALESCE(last_tenant, ''),
  created_at, last_seen_at, expires_at
FROM web_sessions WHERE token_sha256 = $1`
	var s WebSession
	err := db.Pool.QueryRow(ctx, q, tokenSHA256).Scan(&s.TokenSHA256, &s.CSRFToken, &s.Role, &s.TenantID, &s.KeyID,
		&s.LastTenant, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return WebSession{}, fmt.Errorf("web session: %w", ErrNotFound)
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("read web session: %w", err)
	}
	return s, nil
}

// TouchSession records that the session was used at seen, showing
// lastTenant ("" keeps the one stored). ErrNotFound when it is gone.
func (db *DB) TouchSession(ctx context.Context, tokenSHA256 []byte, seen time.Time, lastTenant string) error {
	const q = `UPDATE web_sessions SET last_seen_at = GREATEST(last_seen_at, $2), last_tenant = COALESCE($3, last_tenant)
WHERE token_sha256 = $1`
	tag, err := db.Pool.Exec(ctx, q, tokenSHA256, seen, nullText(lastTenant))
	if err != nil {
		return fmt.Errorf("touch web session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("web session: %w", ErrNotFound)
	}
	return nil
}

// DeleteSession ends a session; deleting one that is gone is no error.
func (db *DB) DeleteSession(ctx context.Context, tokenSHA256 []byte) error {
	if _, err := db.Pool.Exec(ctx, `DELETE FROM web_sessions WHERE token_sha256 = $1`, tokenSHA256); err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions deletes the sessions that ended before now (at
// expires_at, or idle for longer than idle) and the sign-in links that
// expired, and returns how many rows it deleted.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-idle))
	if err != nil {
		return 0, fmt.Errorf("delete expired web sessions: %w", err)
	}
	links, err := db.Pool.Exec(ctx, `DELETE FROM login_links WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("delete expired login links: %w", err)
	}
	return tag.RowsAffected() + links.RowsAffected(), nil
}

// LoginLink is a one-time sign-in link of the web app (sqi login-link):
// only the SHA-256 of its random token is stored.
type LoginLink struct {
	TokenSHA256 []byte
	TenantID    string
	Role        string // reader or manager
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero until used
}

// CreateLoginLink stores l.
func (db *DB) CreateLoginLink(ctx context.Context, l LoginLink) error {
	const q = `INSERT INTO login_links (token_sha256, tenant_id, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`
	if _, err := db.Pool.Exec(ctx, q, l.TokenSHA256, l.TenantID, l.Role, l.CreatedAt, l.ExpiresAt); err != nil {
		return fmt.Errorf("create login link: %w", err)
	}
	return nil
}

// UseLoginLink marks the link whose token has the hash tokenSHA256 used at
// now and returns it, in one statement, so that of two browsers using one
// link at once only one signs in. ErrNotFound when there is no such link,
// or it was used, or it expired: the three are answered alike.
func (db *DB) UseLoginLink(ctx context.Context, tokenSHA256 []byte, now time.Time) (LoginLink, error) {
	const q = `UPDATE login_links SET used_at = $2
WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > $2
RETURNING token_sha256, tenant_id, role, created_at, expires_at, used_at`
	var l LoginLink
	err := db.Pool.QueryRow(ctx, q, tokenSHA256, now).Scan(&l.TokenSHA256, &l.TenantID, &l.Role, &l.CreatedAt, &l.ExpiresAt, &l.UsedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return LoginLink{}, fmt.Errorf("login link: %w", ErrNotFound)
	}
	if err != nil {
		return LoginLink{}, fmt.Errorf("use login link: %w", err)
	}
	return l, nil
}
