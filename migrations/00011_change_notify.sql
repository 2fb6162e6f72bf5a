-- +goose Up

-- sqi serve keeps API keys and tenant configurations it has read in
-- memory (api/lookup.go) and forgets one as soon as it changes: every
-- committed change of a key or a tenant, by sqi or by hand, notifies the
-- channel sqi_changes with 'key:<key_id>' or 'tenant:<tenant_id>'.
-- +goose StatementBegin
CREATE FUNCTION sqi_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_ record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    row_ := OLD;
  ELSE
    row_ := NEW;
  END IF;
  IF TG_TABLE_NAME = 'api_keys' THEN
    PERFORM pg_notify('sqi_changes', 'key:' || row_.key_id);
  ELSE
    PERFORM pg_notify('sqi_changes', 'tenant:' || row_.tenant_id);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER api_keys_notify AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION sqi_notify_change();
CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION sqi_notify_change();

-- +goose Down
DROP TRIGGER tenants_notify ON tenants;
DROP TRIGGER api_keys_notify ON api_keys;
DROP FUNCTION sqi_notify_change();
