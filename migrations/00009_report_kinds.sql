-- +goose Up

-- Weekly and monthly reports (docs/reports.md) beside the daily one: a
-- delivery and a tenant's schedule are per report kind. report_date is the
-- first local date the report covers: the day, the ISO week's Monday, the
-- month's 1st. Existing rows are daily reports.
ALTER TABLE report_deliveries
  ADD COLUMN kind text NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly', 'monthly'));
ALTER TABLE report_deliveries DROP CONSTRAINT report_deliveries_pkey;
ALTER TABLE report_deliveries ADD PRIMARY KEY (tenant_id, kind, report_date, recipient);
ALTER TABLE report_deliveries ALTER COLUMN kind DROP DEFAULT;

ALTER TABLE report_schedule
  ADD COLUMN kind text NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly', 'monthly'));
ALTER TABLE report_schedule DROP CONSTRAINT report_schedule_pkey;
ALTER TABLE report_schedule ADD PRIMARY KEY (tenant_id, kind);
ALTER TABLE report_schedule ALTER COLUMN kind DROP DEFAULT;

-- +goose Down
DELETE FROM report_deliveries WHERE kind <> 'daily';
ALTER TABLE report_deliveries DROP CONSTRAINT report_deliveries_pkey;
ALTER TABLE report_deliveries ADD PRIMARY KEY (tenant_id, report_date, recipient);
ALTER TABLE report_deliveries DROP COLUMN kind;
DELETE FROM report_schedule WHERE kind <> 'daily';
ALTER TABLE report_schedule DROP CONSTRAINT report_schedule_pkey;
ALTER TABLE report_schedule ADD PRIMARY KEY (tenant_id);
ALTER TABLE report_schedule DROP COLUMN kind;
