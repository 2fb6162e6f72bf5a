package etl

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgtype"
)

type arrowRecord = arrow.RecordBatch

func int2Ptr(s pgtype.Int2) *int16 {
	if !s.Valid {
		return nil
	}
	v := s.Int16
	return &v
}

// The SQL that reads the source feed. See docs/etl.md.
const (
	// oldestTransaction: the server's clock now, the start of the oldest
	// transaction open in this database (writers of chat_events connect to
	// it), and whether this role may see other sessions' transactions.
	oldestTransaction = `SELECT clock_timestamp(),
  (SELECT min(xact_start) FROM pg_stat_activity
   WHERE xact_start IS NOT NULL AND datname = current_database()),
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
    OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')`

	// snapshotXmin is the first statement of the REPEATABLE READ
	// transaction: it fixes the snapshot that every read of the run uses.
	snapshotXmin = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`

	eventColumns = `event_id, tenant_id, room_id, type, occurred_at,
  actor, agent_id, team_id, channel, category, score`

	// declareNew reads the rows that the previous run's snapshot may not
	// have seen: written by a transaction at or after that snapshot's xmin
	// (compared modulo 2^32, safe because created_at keeps the window to
	// recent transactions), and no older than the low watermark, which
	// keeps the scan on the created_at index. Rows come grouped by room.
	declareNew = `DECLARE new_events NO SCROLL CURSOR FOR
SELECT ` + eventColumns + ` FROM chat_events
WHERE created_at >= $1
  AND ((xmin::text::bigint - $2::bigint) & 4294967295) < 2147483648
ORDER BY tenant_id COLLATE "C", room_id COLLATE "C"`

	// declareAll is the first run: everything.
	declareAll = `DECLARE new_events NO SCROLL CURSOR FOR
SELECT ` + eventColumns + ` FROM chat_events
ORDER BY tenant_id COLLATE "C", room_id COLLATE "C"`

	// roomEvents reads every event of the given rooms.
	roomEvents = `SELECT ` + eventColumns + ` FROM chat_events e
JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, room_id) USING (tenant_id, room_id)`
)
