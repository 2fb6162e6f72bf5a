-- +goose Up

-- Roll-ups of room facts for fast queries: per tenant and UTC date of
-- opened_at, the facts of those rooms as LZ4-compressed Arrow IPC streams
-- (store/blocks.go). A month of 50,000 rooms a day is read from 30 rows
-- instead of 1.5 million. UTC dates, not local ones, so a change of the
-- tenant's time zone needs no rebuild: a query reads the UTC dates that
-- cover its local range and keeps the rooms inside it.
CREATE TABLE room_blocks (
  tenant_id  text        NOT NULL,
  day        date        NOT NULL,
  rooms      integer     NOT NULL,
  rooms_ipc  bytea       NOT NULL,
  turns_ipc  bytea       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, day)
);
-- Already compressed (LZ4): spare PostgreSQL's own compression.
ALTER TABLE room_blocks ALTER COLUMN rooms_ipc SET STORAGE EXTERNAL;
ALTER TABLE room_blocks ALTER COLUMN turns_ipc SET STORAGE EXTERNAL;

-- Blocks whose rooms changed, written in the same transaction as the
-- facts, so that a crash between the two cannot leave a stale block.
CREATE TABLE blocks_dirty (
  tenant_id text NOT NULL,
  day       date NOT NULL,
  PRIMARY KEY (tenant_id, day)
);

-- +goose Down
DROP TABLE blocks_dirty;
DROP TABLE room_blocks;
