package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ChangesChannel is the channel on which PostgreSQL announces every
// committed change of an API key ("key:<key_id>") or a tenant
// ("tenant:<tenant_id>"), whoever made it (migration 00011's triggers).
const ChangesChannel = "sqi_changes"

// A Change names what changed: Kind "key" or "tenant", and its ID.
type Change struct {
	Kind, ID string
}

// WatchChanges listens on ChangesChannel on a connection of its own and
// calls fn with each change, until ctx ends or the connection fails
// (its error is returned). listening is called once LISTEN is in place:
// from then on, no committed change is missed while WatchChanges runs.
func (db *DB) WatchChanges(ctx context.Context, listening func(), fn func(Change)) error {
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("watch changes: %w", err)
		}
		kind, id, _ := strings.Cut(n.Payload, ":")
		fn(Change{Kind: kind, ID: id})
	}
}
