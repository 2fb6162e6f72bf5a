-- +goose Up

-- Manager keys (docs/api.md): a client company's own administrator, who
-- sees its tenant, like a reader, and may change that tenant's
-- configuration. Reader and manager keys have a tenant; an admin key has
-- none.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_check;
ALTER TABLE api_keys
  ADD CONSTRAINT api_keys_role_check CHECK (role IN ('reader', 'manager', 'admin')),
  ADD CONSTRAINT api_keys_tenant_check CHECK ((role = 'admin') = (tenant_id IS NULL));

-- +goose Down
-- A manager key becomes a reader key of its tenant: it keeps working,
-- read only, as the older version knows no managers.
UPDATE api_keys SET role = 'reader' WHERE role = 'manager';
ALTER TABLE api_keys DROP CONSTRAINT api_keys_tenant_check;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys
  ADD CONSTRAINT api_keys_role_check CHECK (role IN ('reader', 'admin')),
  ADD CONSTRAINT api_keys_check CHECK ((role = 'reader') = (tenant_id IS NOT NULL));
