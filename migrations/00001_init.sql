-- +goose Up

-- The chat platform's event feed (docs/metrics.md). In production it lives in the
-- platform's database and already exists; the service creates it only when
-- absent so that one database serves demos and tests. The two indexes are
-- the ones the ETL needs (docs/etl.md): the platform must have them too.
-- +goose StatementBegin
DO $$
BEGIN
  IF to_regclass('chat_events') IS NULL THEN
    CREATE TABLE chat_events (
      event_id    bigint      NOT NULL PRIMARY KEY,
      tenant_id   text        NOT NULL,
      room_id     text        NOT NULL,
      type        text        NOT NULL,
      occurred_at timestamptz NOT NULL,
      actor       text,
      agent_id    text,
      team_id     text,
      channel     text,
      category    text,
      score       smallint,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX chat_events_created_at_idx ON chat_events (created_at);
    CREATE INDEX chat_events_room_idx ON chat_events (tenant_id, room_id);
  END IF;
END
$$;
-- +goose StatementEnd

-- Tenant configuration (docs/metrics.md). config is NULL for a tenant seen in the
-- events but never configured: it runs on the defaults.
CREATE TABLE tenants (
  tenant_id  text PRIMARY KEY,
  config     jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per room (docs/metrics.md), recomputed from all of the room's events
-- whenever one of them is new. Facts do not depend on the tenant
-- configuration: local calendar keys, the SL threshold and the short-abandon
-- boundary are applied at query time, so a configuration change applies to
-- every later query without recomputing facts.
CREATE TABLE room_facts (
  tenant_id            text        NOT NULL,
  room_id              text        NOT NULL,
  opened_at            timestamptz NOT NULL,
  queued_at            timestamptz,
  assigned_at          timestamptz,
  closed_at            timestamptz,
  agent_id             text,
  team_id              text,
  channel              text,
  category             text,
  wait_s               double precision,
  first_response_s     double precision,
  assigned_response_s  double precision,
  handle_s             double precision,
  wrapup_s             double precision,
  dropped              boolean     NOT NULL DEFAULT false,
  transfers            integer     NOT NULL DEFAULT 0,
  score                smallint,
  -- reply turns (docs/metrics.md): one element per turn, NULL = unanswered; the
  -- parallel *_agent array holds the agent the turn counts for.
  reply_s              double precision[] NOT NULL DEFAULT '{}',
  reply_agent          text[]      NOT NULL DEFAULT '{}',
  customer_reply_s     double precision[] NOT NULL DEFAULT '{}',
  customer_reply_agent text[]      NOT NULL DEFAULT '{}',
  -- set when the room's times contradict each other: it counts in rooms only
  invalid_reason       text,
  events               integer     NOT NULL,
  rejected_events      integer     NOT NULL DEFAULT 0,
  computed_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, room_id)
);
CREATE INDEX room_facts_opened_idx ON room_facts (tenant_id, opened_at);

-- Rejected events (event_id set) and contradictory rooms (event_id NULL),
-- replaced with the room's facts on every recomputation.
CREATE TABLE rejects (
  tenant_id  text        NOT NULL,
  room_id    text        NOT NULL,
  event_id   bigint,
  reason     text        NOT NULL,
  detail     text        NOT NULL DEFAULT '',
  opened_at  timestamptz NOT NULL
);
CREATE INDEX rejects_room_idx ON rejects (tenant_id, room_id);
CREATE INDEX rejects_opened_idx ON rejects (tenant_id, opened_at);

-- Where the incremental extraction stands (docs/etl.md). One row.
CREATE TABLE etl_state (
  id            integer     PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  snapshot_xmin bigint      NOT NULL,
  low_watermark timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per ETL run, for operators and the readiness check.
CREATE TABLE etl_runs (
  id               bigserial   PRIMARY KEY,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz NOT NULL,
  events_read      bigint      NOT NULL,
  rooms_recomputed bigint      NOT NULL,
  rejects          bigint      NOT NULL,
  seconds          double precision NOT NULL
);

-- +goose Down
DROP TABLE etl_runs;
DROP TABLE etl_state;
DROP TABLE rejects;
DROP TABLE room_facts;
DROP TABLE tenants;
