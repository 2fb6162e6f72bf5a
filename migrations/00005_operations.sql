-- +goose Up

-- ETL runs (docs/etl.md): which kind of run (the incremental extraction
-- or a reconciliation), the instant its source snapshot was taken (every
-- row committed before it was processed by the run: the daily reports
-- wait for a run whose snapshot is after their send time), and how many
-- rooms it changed.
ALTER TABLE etl_runs
  ADD COLUMN kind text NOT NULL DEFAULT 'incremental' CHECK (kind IN ('incremental', 'reconcile')),
  ADD COLUMN snapshot_at timestamptz,
  ADD COLUMN rooms_changed bigint NOT NULL DEFAULT 0;
CREATE INDEX etl_runs_kind_idx ON etl_runs (kind, id);

-- Events whose tenant or room id the API cannot address
-- (metrics.ValidTenantID, metrics.ValidRoomID): the ETL turns them into no
-- facts and records them here, once per event however often it reads
-- them, so that an admin sees them (GET /v1/feed-rejects). Ids are kept
-- to their first 200 characters: one of them may be megabytes long.
CREATE TABLE feed_rejects (
  tenant_id   text        NOT NULL,
  event_id    bigint      NOT NULL,
  room_id     text        NOT NULL,
  reason      text        NOT NULL,
  occurred_at timestamptz,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX feed_rejects_occurred_idx ON feed_rejects (tenant_id, occurred_at);

-- +goose Down
DROP TABLE feed_rejects;
DROP INDEX etl_runs_kind_idx;
ALTER TABLE etl_runs DROP COLUMN rooms_changed, DROP COLUMN snapshot_at, DROP COLUMN kind;
