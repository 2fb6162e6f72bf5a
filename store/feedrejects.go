package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// FeedReject is an event whose tenant or room id the API cannot address
// (metrics.IDReject): the ETL makes no facts of it.
type FeedReject struct {
	TenantID, RoomID string
	EventID          int64
	Reason           string
	OccurredAt       time.Time // zero when it could not be read
}

// WriteFeedRejects records rows in feed_rejects, each event once however
// often the ETL reads it, and returns how many were new.
func (db *DB) WriteFeedRejects(ctx context.Context, rows []FeedReject) (int64, error) {
	const q = `INSERT INTO feed_rejects (tenant_id, event_id, room_id, reason, occurred_at)
SELECT left(t, 200), e, left(r, 200), reason, o
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[]) AS u(t, e, r, reason, o)
ON CONFLICT DO NOTHING`
	if len(rows) == 0 {
		return 0, nil
	}
	tenants := make([]string, len(rows))
	ids := make([]int64, len(rows))
	rooms := make([]string, len(rows))
	reasons := make([]string, len(rows))
	occurred := make([]pgtype.Timestamptz, len(rows))
	for i, r := range rows {
		tenants[i], ids[i], rooms[i], reasons[i] = r.TenantID, r.EventID, r.RoomID, r.Reason
		occurred[i] = pgtype.Timestamptz{Time: r.OccurredAt, Valid: !r.OccurredAt.IsZero()}
	}
	tag, err := db.Pool.Exec(ctx, q, tenants, ids, rooms, reasons, occurred)
	if err != nil {
		return 0, fmt.Errorf("write feed rejects: %w", err)
	}
	return tag.RowsAffected(), nil
}

// FeedRejectGroup is the feed rejects of one tenant id and reason.
type FeedRejectGroup struct {
	TenantID      string    `json:"tenant_id"`
	Reason        string    `json:"reason"`
	Events        int64     `json:"events"`
	Rooms         int64     `json:"rooms"`
	ExampleRoomID string    `json:"example_room_id"`
	ExampleEvent  int64     `json:"example_event_id"`
	FirstSeenAt   time.Time `json:"first_seen_at"`
	LastSeenAt    time.Time `json:"last_seen_at"`
}

// FeedRejectGroups lists the feed rejects by tenant id and reason, the
// most recently seen first, at most limit groups.
func (db *DB) FeedRejectGroups(ctx context.Context, limit int) ([]FeedRejectGroup, error) {
	const q = `SELECT tenant_id, reason, count(*), count(DISTINCT room_id), min(room_id), min(event_id),
  min(seen_at), max(seen_at)
FROM feed_rejects GROUP BY tenant_id, reason ORDER BY max(seen_at) DESC, tenant_id, reason LIMIT $1`
	rows, err := db.Pool.Query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("feed rejects: %w", err)
	}
	out := []FeedRejectGroup{}
	var g FeedRejectGroup
	_, err = pgx.ForEachRow(rows, []any{&g.TenantID, &g.Reason, &g.Events, &g.Rooms, &g.ExampleRoomID, &g.ExampleEvent,
		&g.FirstSeenAt, &g.LastSeenAt}, func() error {
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feed rejects: %w", err)
	}
	return out, nil
}

// FeedRejectCounts counts tenantID's feed rejects (bad room ids) of
// events that occurred in [start, end), by reason, for the tenant's
// rejects route.
func (db *DB) FeedRejectCounts(ctx context.Context, tenantID string, start, end time.Time) ([]RejectCount, error) {
	const q = `SELECT reason, count(*) FROM feed_rejects
WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3
GROUP BY reason ORDER BY reason`
	rows, err := db.Pool.Query(ctx, q, tenantID, start, end)
	if err != nil {
		return nil, fmt.Errorf("feed reject counts: %w", err)
	}
	var (
		out []RejectCount
		c   = RejectCount{Kind: "event"}
	)
	_, err = pgx.ForEachRow(rows, []any{&c.Reason, &c.Count}, func() error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feed reject counts: %w", err)
	}
	return out, nil
}
