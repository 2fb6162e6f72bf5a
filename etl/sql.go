package etl

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"sqi/store"
)

type arrowRecord = arrow.RecordBatch

// The SQL that reads the source feed. See docs/etl.md.
const (
	// oldestTransaction: the server's clock now, the start of the oldest
	// transaction open in this database (writers of chat_events connect to
	// it), whether this role may see other sessions' transactions, whether
	// the source is a standby (the primary's transactions are invisible
	// there) and whether prepared transactions exist (invisible in
	// pg_stat_activity).
	oldestTransaction = `SELECT clock_timestamp(),
  (SELECT min(xact_start) FROM pg_stat_activity
   WHERE xact_start IS NOT NULL AND datname = current_database()),
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
    OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'),
  pg_is_in_recovery(),
  EXISTS (SELECT 1 FROM pg_prepared_xacts)`

	// snapshotXmin is the first statement of the REPEATABLE READ
	// transaction: it fixes the snapshot that every read of the run uses,
	// and exports it for the second connection.
	snapshotXmin = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, pg_export_snapshot()`

	eventColumns = `event_id, tenant_id, room_id, type, occurred_at,
  actor, agent_id, team_id, channel, category, score`

	// roomsCreatedSince lists the rooms with a row written at or after $1
	// (the reconciliation's window on the created_at index).
	roomsCreatedSince = `SELECT DISTINCT tenant_id, room_id FROM chat_events WHERE created_at >= $1`

	// roomEvents reads every event of the given rooms.
	roomEvents = `SELECT ` + eventColumns + ` FROM chat_events e
JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, room_id) USING (tenant_id, room_id)`
)

// newEventsCopy is the binary COPY of the rows that the previous run's
// snapshot may not have seen: written by a transaction at or after that
// snapshot's xmin (compared modulo 2^32, safe because created_at keeps the
// window to recent transactions), and no older than the low watermark,
// which keeps the scan on the created_at index. On the first run, every
// row. Rows come grouped by room: any order that keeps a room's rows
// together will do, and the database's own collation lets a large backlog
// come straight off the (tenant_id, room_id) index instead of a sort.
// COPY takes no parameters: the two values are formatted here from the
// ETL's own state, never from input.
func newEventsCopy(prev store.ETLState) string {
	where := ""
	if prev.Found {
		where = fmt.Sprintf(`WHERE created_at >= '%s'::timestamptz
  AND ((xmin::text::bigint - %d) & 4294967295) < 2147483648`,
			prev.LowWatermark.UTC().Format("2006-01-02 15:04:05.999999")+"+00", int64(prev.SnapshotXmin&0xffffffff))
	}
	return `COPY (SELECT ` + eventColumns + ` FROM chat_events ` + where + `
ORDER BY tenant_id, room_id) TO STDOUT (FORMAT binary)`
}
