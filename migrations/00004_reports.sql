-- +goose Up

-- Daily report deliveries (docs/reports.md, docs/reports.md): one row per tenant,
-- local report date and recipient, so that a report is never sent twice
-- to the same address. The primary key is the once-only guarantee: rows
-- are created with ON CONFLICT DO NOTHING, and a row is sent only by the
-- replica that moved it to 'preparing' with a conditional UPDATE (a lease).
--
--   pending    created, never tried
--   preparing  claimed by owner until lease_until; the report is being
--              built (a sender dying here leaves nothing sent: retried)
--   sending    the SMTP exchange runs
--   sent     the server accepted the message (message_id, sent_at)
--   retry    the last attempt failed; tried again at next_attempt_at
--   failed   every attempt failed (or a manual send failed): not retried
--            by the scheduler; `sqi report daily --email` tries again
--   unknown  the sender died while sending: the message may or may not
--            have gone out, so it is not retried automatically
CREATE TABLE report_deliveries (
  tenant_id       text        NOT NULL,
  report_date     date        NOT NULL,
  recipient       text        NOT NULL,
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'preparing', 'sending', 'sent', 'retry', 'failed', 'unknown')),
  trigger         text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  lease_until     timestamptz,
  owner           text,
  message_id      text,
  last_error      text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  PRIMARY KEY (tenant_id, report_date, recipient)
);
-- The scheduler's question every minute: what is due?
CREATE INDEX report_deliveries_due_idx ON report_deliveries (next_attempt_at)
  WHERE status IN ('pending', 'retry', 'preparing', 'sending');

-- The last report date the scheduler has enqueued per tenant, so that a
-- restart sends the dates it missed (and only those) and a new tenant
-- starts with its latest report instead of its whole history.
CREATE TABLE report_schedule (
  tenant_id   text        PRIMARY KEY,
  last_date   date        NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE report_schedule;
DROP TABLE report_deliveries;
