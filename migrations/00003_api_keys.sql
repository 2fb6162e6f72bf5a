-- +goose Up

-- API keys (docs/api.md). A key is "sqi_<key_id>_<secret>": key_id finds the
-- row, the secret is checked against secret_sha256 in constant time. The
-- secret itself is never stored: it is printed once by `sqi apikey create`.
-- A reader key sees one tenant; an admin key sees every tenant, so it has
-- none (tenant_id NULL).
CREATE TABLE api_keys (
  key_id        text        PRIMARY KEY,
  secret_sha256 bytea       NOT NULL CHECK (length(secret_sha256) = 32),
  role          text        NOT NULL CHECK (role IN ('reader', 'admin')),
  tenant_id     text,
  name          text        NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  CHECK ((role = 'reader') = (tenant_id IS NOT NULL))
);

-- +goose Down
DROP TABLE api_keys;
