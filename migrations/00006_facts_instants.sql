-- +goose Up

-- Facts keep instants, not durations (docs/metrics.md, "Business hours"):
-- a duration is measured between two instants in calendar or in business
-- time, so a tenant that changes its business hours sees every duration
-- measured again without recomputing facts. Reply turns keep the instants
-- that open and answer them. state and state_at are where the last routing
-- event put the room, for the live view.
ALTER TABLE room_facts
  ADD COLUMN first_response_at          timestamptz,
  ADD COLUMN assigned_response_at       timestamptz,
  ADD COLUMN wrapup_at                  timestamptz,
  ADD COLUMN state                      text,
  ADD COLUMN state_at                   timestamptz,
  ADD COLUMN reply_opened_at            timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN reply_answered_at          timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN customer_reply_opened_at   timestamptz[] NOT NULL DEFAULT '{}',
  ADD COLUMN customer_reply_answered_at timestamptz[] NOT NULL DEFAULT '{}',
  -- The shape of facts a row was computed in: rows older than the code's
  -- (store.FactsVersion) are recomputed from their events by `sqi migrate`
  -- and, a batch per run, by the ETL (docs/etl.md).
  ADD COLUMN facts_version              smallint NOT NULL DEFAULT 2;

-- The room-level instants follow exactly from the durations (both are
-- microseconds); the turns' instants do not, so every existing room is
-- marked for recomputation from its events.
UPDATE room_facts SET
  first_response_at    = opened_at + make_interval(secs => first_response_s),
  assigned_response_at = assigned_at + make_interval(secs => assigned_response_s),
  wrapup_at            = closed_at + make_interval(secs => wrapup_s),
  facts_version        = 1;

ALTER TABLE room_facts
  DROP COLUMN wait_s,
  DROP COLUMN first_response_s,
  DROP COLUMN assigned_response_s,
  DROP COLUMN handle_s,
  DROP COLUMN wrapup_s,
  DROP COLUMN reply_s,
  DROP COLUMN customer_reply_s;

CREATE INDEX room_facts_stale_idx ON room_facts (facts_version) WHERE facts_version < 2;

-- Blocks carry a version that changes with every rebuild: queries cache
-- what they computed from a block under its version. Every block is
-- rebuilt in the new shape.
CREATE SEQUENCE room_blocks_version;
ALTER TABLE room_blocks ADD COLUMN version bigint NOT NULL DEFAULT nextval('room_blocks_version');
INSERT INTO blocks_dirty (tenant_id, day) SELECT tenant_id, day FROM room_blocks ON CONFLICT DO NOTHING;

-- +goose Down
ALTER TABLE room_blocks DROP COLUMN version;
DROP SEQUENCE room_blocks_version;
DROP INDEX room_facts_stale_idx;
ALTER TABLE room_facts
  ADD COLUMN wait_s double precision,
  ADD COLUMN first_response_s double precision,
  ADD COLUMN assigned_response_s double precision,
  ADD COLUMN handle_s double precision,
  ADD COLUMN wrapup_s double precision,
  ADD COLUMN reply_s double precision[] NOT NULL DEFAULT '{}',
  ADD COLUMN customer_reply_s double precision[] NOT NULL DEFAULT '{}',
  DROP COLUMN first_response_at,
  DROP COLUMN assigned_response_at,
  DROP COLUMN wrapup_at,
  DROP COLUMN state,
  DROP COLUMN state_at,
  DROP COLUMN reply_opened_at,
  DROP COLUMN reply_answered_at,
  DROP COLUMN customer_reply_opened_at,
  DROP COLUMN customer_reply_answered_at,
  DROP COLUMN facts_version;
