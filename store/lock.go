package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Names of the advisory locks that keep work from happening twice, on
// one replica or many.
const (
	LockETL     = "sqi.etl"     // an ETL run or a reconciliation
	LockReports = "sqi.reports" // a round of the daily reports
)

// AdvisoryLock is a PostgreSQL session advisory lock held on one
// connection taken out of the pool for as long as the lock is held. An
// advisory lock belongs to its session: taken and released through the
// pool, the unlock could run on another connection and leave the lock
// held forever.
type AdvisoryLock struct {
	conn *pgxpool.Conn
	name string
}

// TryAdvisoryLock takes the advisory lock called name without waiting;
// ok is false when another session holds it.
func (db *DB) TryAdvisoryLock(ctx context.Context, name string) (l *AdvisoryLock, ok bool, err error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("advisory lock %s: %w", name, err)
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, name).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("advisory lock %s: %w", name, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	return &AdvisoryLock{conn: conn, name: name}, true, nil
}

// Unlock releases the lock on the connection that holds it and gives the
// connection back. When the unlock fails, the connection is closed
// instead: ending the session is what releases the lock then.
func (l *AdvisoryLock) Unlock(ctx context.Context) error {
	var released bool
	err := l.conn.QueryRow(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, l.name).Scan(&released)
	if err != nil || !released {
		c := l.conn.Hijack()
		_ = c.Close(context.WithoutCancel(ctx))
		if err == nil {
			err = errors.New("not held")
		}
		return fmt.Errorf("advisory unlock %s: %w", l.name, err)
	}
	l.conn.Release()
	return nil
}
