// Package query is the read side shared by `sqi stats`, the HTTP API and
// the reports: it checks a query, reads the room facts through the store,
// groups them with metrics.Aggregator and encodes the rows (docs/metrics.md, docs/api.md).
// The API's /sqi body and `sqi stats` are the same bytes because both
// call Stats and WriteJSON. It must not import gin, excelize or etl/.
package query

import (
	"context"
	"fmt"
	"strings"
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
	Hours   string // all, business, or "" for the tenant's setting
	Shape   string // wide (or ""), long
	Compare string // "", previous_period, previous_year
}

// Query is a checked query.
type Query struct {
	Tenant   string
	From, To time.Time // local dates (midnight UTC values)
	GroupBy  []string
	Hours    string // all, business, or "" for the tenant's setting
	Shape    string // ShapeWide or ShapeLong
	Compare  string // "", ComparePreviousPeriod or ComparePreviousYear
}

// Shapes of an answer (docs/api.md): a row per group and a column per
// metric, or a row per group and metric.
const (
	ShapeWide = "wide"
	ShapeLong = "long"
)

// Comparisons (docs/api.md): the same number of days just before from, or
// the same dates a year before.
const (
	ComparePreviousPeriod = "previous_period"
	ComparePreviousYear   = "previous_year"
)

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
	switch p.Hours {
	case "", metrics.HoursAll, metrics.HoursBusiness:
		q.Hours = p.Hours
	default:
		return q, &ParamError{"hours", fmt.Sprintf("%q: use all (every second counts) or business (only the tenant's business hours count); leave it out for the tenant's setting", p.Hours)}
	}
	switch p.Shape {
	case "", ShapeWide:
		q.Shape = ShapeWide
	case ShapeLong:
		q.Shape = ShapeLong
	default:
		return q, &ParamError{"shape", fmt.Sprintf("%q: use wide (a row per group, a column per metric; the default) or long (a row per group and metric: keys, metric, value)", p.Shape)}
	}
	switch p.Compare {
	case "", ComparePreviousPeriod, ComparePreviousYear:
		q.Compare = p.Compare
	default:
		return q, &ParamError{"compare", fmt.Sprintf("%q: use previous_period (the same number of days just before from) or previous_year (the same dates a year before); leave it out for no comparison", p.Compare)}
	}
	return q, nil
}

// Result is the answer to a stats query (docs/api.md).
type Result struct {
	Query  Query
	Config metrics.Config
	Rows   []metrics.Row
	// With Query.Compare: Previous[i] holds the metrics of Rows[i]'s group
	// over its dates shifted back (Compare), and PrevFrom..PrevTo is the
	// range they come from.
	Previous         []metrics.Row
	PrevFrom, PrevTo time.Time
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

// StatsWith computes the rows of q with the given tenant configuration, on
// an engine of its own without a cache (a command that runs once); a
// server keeps one Engine.
func StatsWith(ctx context.Context, db *store.DB, cfg *metrics.Config, q Query) (*Result, error) {
	return NewEngine(db, 0).Stats(ctx, cfg, q)
}
