// Package query is the read side shared by `sqi stats`, the HTTP API and
// the reports: it checks a query, reads the room facts through the store,
// groups them with metrics.Aggregator and encodes the rows (docs/metrics.md, docs/api.md).
// The API's /sqi body and `sqi stats` are the same bytes because both
// call Stats and WriteJSON. It must not import gin, excelize or etl/.
package query

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"sqi/metrics"
	"sqi/store"
)

// MaxDays is the longest range a query may cover.
const MaxDays = 400

// Params is a query as a user gives it: strings, checked by Parse.
type Params struct {
	Tenant  string
	From    string
	To      string
	GroupBy string // comma list
}

// Query is a checked query.
type Query struct {
	Tenant   string
	From, To time.Time // local dates (midnight UTC values)
	GroupBy  []string
}

// ParamError is bad input: Param names the parameter, Detail says what
// to change.
type ParamError struct {
	Param  string
	Detail string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Detail }

// Parse checks p.
func Parse(p Params) (Query, error) {
	var q Query
	if !metrics.ValidTenantID(p.Tenant) {
		return q, &ParamError{"tenant", fmt.Sprintf("%q is not a tenant id: use letters, digits, '.', '_' or '-'", p.Tenant)}
	}
	q.Tenant = p.Tenant
	var err error
	if q.From, err = metrics.ParseDate(p.From); err != nil {
		return q, &ParamError{"from", err.Error()}
	}
	if q.To, err = metrics.ParseDate(p.To); err != nil {
		return q, &ParamError{"to", err.Error()}
	}
	if q.To.Before(q.From) {
		return q, &ParamError{"to", fmt.Sprintf("to %s is before from %s: give from <= to", p.To, p.From)}
	}
	if days := int(q.To.Sub(q.From).Hours()/24) + 1; days > MaxDays {
		return q, &ParamError{"to", fmt.Sprintf("the range covers %d days: ask for at most %d", days, MaxDays)}
	}
	var keys []string
	if strings.TrimSpace(p.GroupBy) != "" {
		keys = strings.Split(p.GroupBy, ",")
	}
	if q.GroupBy, err = metrics.ParseGroupBy(keys); err != nil {
		return q, &ParamError{"group_by", err.Error()}
	}
	if q.GroupBy == nil {
		q.GroupBy = []string{}
	}
	return q, nil
}

// Result is the answer to a stats query (docs/api.md).
type Result struct {
	Query  Query
	Config metrics.Config
	Rows   []metrics.Row
}

// Stats computes the rows of q from the room facts; store.ErrNotFound for
// a tenant that has neither a configuration nor events.
func Stats(ctx context.Context, db *store.DB, q Query) (*Result, error) {
	t, err := db.Tenant(ctx, q.Tenant) // store.ErrNotFound for an unknown tenant
	if err != nil {
		return nil, err
	}
	return StatsWith(ctx, db, &t.Config, q)
}

// StatsWith computes the rows of q with the given tenant configuration.
func StatsWith(ctx context.Context, db *store.DB, cfg *metrics.Config, q Query) (*Result, error) {
	start, end := metrics.DayBounds(q.From, q.To, cfg.Location())
	aggs, err := ScanBlocks(ctx, db, q.Tenant, start, end, func() []*metrics.Aggregator {
		return []*metrics.Aggregator{metrics.NewAggregator(cfg, q.From, q.To, q.GroupBy)}
	})
	if err != nil {
		return nil, err
	}
	return &Result{Query: q, Config: *cfg, Rows: aggs[0].Rows()}, nil
}

// ScanBlocks adds every room of tenantID opened in [start, end) to a set of
// aggregators made by fresh, and returns the set. The blocks are decoded by
// parallel workers, each into a set of its own, and the sets are merged in
// block order: every sum is added in the same order on every run, so the
// same query always gives the same bytes, and a report that computes
// several tables in one pass gets exactly the rows of StatsWith.
func ScanBlocks(ctx context.Context, db *store.DB, tenantID string, start, end time.Time, fresh func() []*metrics.Aggregator) ([]*metrics.Aggregator, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		i int
		b store.Block
	}
	type part struct {
		i   int
		set []*metrics.Aggregator
		err error
	}
	workers := min(runtime.GOMAXPROCS(0), 4)
	jobs := make(chan job, workers)
	parts := make(chan part, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				set := fresh()
				err := j.b.Rooms(start, end, func(r *metrics.Room) error {
					for _, a := range set {
						a.Add(r)
					}
					return nil
				})
				parts <- part{j.i, set, err}
			}
		}()
	}
	var readErr error
	go func() {
		n := 0
		readErr = db.Blocks(ctx, tenantID, start, end, func(b store.Block) error {
			select {
			case jobs <- job{n, b}:
				n++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(jobs)
		wg.Wait()
		close(parts)
	}()

	total := fresh()
	pending := make(map[int][]*metrics.Aggregator)
	next := 0
	var firstErr error
	for p := range parts {
		if p.err != nil {
			if firstErr == nil {
				firstErr = p.err
				cancel()
			}
			continue
		}
		pending[p.i] = p.set
		for set, ok := pending[next]; ok; set, ok = pending[next] {
			for k, a := range total {
				a.Merge(set[k])
			}
			delete(pending, next)
			next++
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if readErr != nil {
		return nil, readErr
	}
	return total, nil
}
