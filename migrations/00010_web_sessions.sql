-- +goose Up

-- Sessions of the web app (docs/web.md). The browser holds a random token
-- in an HttpOnly cookie; only its SHA-256 is stored, so a copy of this
-- table signs nobody in. A session acts as a role: signed in with an API
-- key, key_id names the key, which is checked again at every request (a
-- revoked key ends its sessions); signed in with a one-time link, key_id is
-- NULL. csrf_token is the session's token for its forms. A session ends
-- idle_timeout after last_seen_at or at expires_at, whichever comes first;
-- replicas share the table, so any replica serves any session. Sessions
-- are looked up by their token, not by tenant: an admin's session has no
-- tenant (on Citus it is a small local table, as api_keys is).
CREATE TABLE web_sessions (
  token_sha256 bytea       PRIMARY KEY CHECK (length(token_sha256) = 32),
  csrf_token   text        NOT NULL,
  role         text        NOT NULL CHECK (role IN ('reader', 'manager', 'admin')),
  tenant_id    text,
  key_id       text,
  last_tenant  text,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  CHECK ((role = 'admin') = (tenant_id IS NULL)),
  CHECK (role <> 'admin' OR key_id IS NOT NULL)
);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- One-time sign-in links (sqi login-link): a random token, of which only
-- the SHA-256 is stored; used once (used_at), before expires_at.
CREATE TABLE login_links (
  token_sha256 bytea       PRIMARY KEY CHECK (length(token_sha256) = 32),
  tenant_id    text        NOT NULL,
  role         text        NOT NULL CHECK (role IN ('reader', 'manager')),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz
);
CREATE INDEX login_links_expires_idx ON login_links (expires_at);

-- +goose Down
DROP TABLE login_links;
DROP TABLE web_sessions;
