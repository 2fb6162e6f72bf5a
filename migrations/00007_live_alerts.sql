-- +goose Up

-- The live view (docs/api.md, "Live view") counts the rooms that are not
-- closed, opened in the last 24 hours, after every ETL run: a partial
-- index holds only those (a small part of a day's rooms).
CREATE INDEX room_facts_open_idx ON room_facts (tenant_id, opened_at) WHERE closed_at IS NULL;

-- Alerts (docs/alerts.md). alert_evaluations: the last ETL run whose data
-- each tenant's rules were evaluated on. A replica evaluates a tenant's
-- rules on a run only after moving run_id forward with a conditional
-- upsert: of several replicas, exactly one does it for each run.
CREATE TABLE alert_evaluations (
  tenant_id    text        PRIMARY KEY,
  run_id       bigint      NOT NULL,
  as_of        timestamptz NOT NULL,
  evaluated_by text        NOT NULL,
  updated_at   timestamptz NOT NULL
);

-- The state of each rule of each tenant: ok or firing since when, with
-- the value of the last evaluation (NULL: no verdict, too few rooms or an
-- empty denominator) and the rooms of its window.
CREATE TABLE alert_states (
  tenant_id  text             NOT NULL,
  rule       text             NOT NULL,
  state      text             NOT NULL CHECK (state IN ('ok', 'firing')),
  since      timestamptz      NOT NULL,
  value      double precision,
  rooms      integer,
  as_of      timestamptz      NOT NULL,
  run_id     bigint           NOT NULL,
  PRIMARY KEY (tenant_id, rule)
);

-- One row per change of state of a rule: what was notified. body is the
-- exact JSON that every webhook receives (signed as it is, the same bytes
-- on every retry).
CREATE TABLE alert_notifications (
  id         bigserial        NOT NULL,
  tenant_id  text             NOT NULL,
  rule       text             NOT NULL,
  state      text             NOT NULL CHECK (state IN ('firing', 'resolved')),
  metric     text             NOT NULL,
  rule_window text,
  op         text             NOT NULL,
  value      double precision,
  threshold  double precision NOT NULL,
  as_of      timestamptz      NOT NULL,
  run_id     bigint           NOT NULL,
  text       text             NOT NULL,
  body       text             NOT NULL,
  created_at timestamptz      NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- One row per notification and destination (an e-mail address or a
-- webhook): the once-only guarantee of the notifications, as
-- report_deliveries is for the reports. Keys begin with tenant_id, as
-- everywhere (docs/scale.md). id is the X-SQI-Delivery header,
-- the same on every retry. A row is attempted only by the replica whose
-- conditional UPDATE moved it to 'sending' (a lease until lease_until).
--
--   pending  created, never tried
--   sending  claimed by owner until lease_until
--   sent     accepted (a 2xx answer; the SMTP server took the message)
--   retry    the last attempt failed; tried again at next_attempt_at
--   failed   refused for good (a 4xx, a forbidden address, no SMTP_URL) or
--            every attempt failed
--   unknown  an e-mail whose sender died while sending: it may have gone
--            out, so it is not sent again (a webhook is retried instead:
--            the receiver recognises the delivery id)
CREATE TABLE alert_deliveries (
  tenant_id       text        NOT NULL,
  id              text        NOT NULL,
  notification_id bigint      NOT NULL,
  channel         text        NOT NULL CHECK (channel IN ('email', 'webhook')),
  destination     text        NOT NULL,
  secret          text        NOT NULL DEFAULT '',
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'retry', 'failed', 'unknown')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,
  owner           text,
  last_error      text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, notification_id) REFERENCES alert_notifications (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX alert_deliveries_notification_idx ON alert_deliveries (tenant_id, notification_id);
-- Every replica asks every second: what is due, what lease ran out?
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at)
  WHERE status IN ('pending', 'retry', 'sending');

-- +goose Down
DROP TABLE alert_deliveries;
DROP TABLE alert_notifications;
DROP TABLE alert_states;
DROP TABLE alert_evaluations;
DROP INDEX room_facts_open_idx;
