// Package live is the live view (docs/api.md, "Live view"): for each
// tenant, at the instant of the last ETL run's snapshot, the rooms waiting
// and in progress (now), the metrics of today so far and of the last 60
// minutes, and the windows that the alert rules look at. A view is
// computed once per ETL run and tenant, with the same metrics code as /sqi
// (query.Engine for the local day, metrics.Aggregator over the recent
// rooms), and served from memory (Service). It reads through the store and
// must not import api/, reports/ or etl/.
package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// Source is what a view is computed from: the service's database (or its
// standby, READ_DATABASE_URL); *store.DB is one.
type Source interface {
	LatestRun(ctx context.Context) (store.RunRef, bool, error)
	Tenants(ctx context.Context) ([]store.Tenant, error)
	OpenRooms(ctx context.Context, tenantID string, since time.Time, fn func(store.OpenRoom) error) error
	Rooms(ctx context.Context, tenantID string, start, end time.Time, fn func(*metrics.Room) error) error
}

var _ Source = (*store.DB)(nil)

// DayRows computes the rows of whole local days: query.Engine's Rows, the
// numbers of /sqi.
type DayRows interface {
	Rows(ctx context.Context, cfg *metrics.Config, tenantID string, from, to time.Time, groupBy []string) ([]metrics.Row, error)
}

var _ DayRows = (*query.Engine)(nil)

// Now is what the rooms not closed are doing at the view's instant.
type Now struct {
	Waiting      int
	LongestWaitS metrics.Value // null when no room waits
	InProgress   int
	AgentsBusy   int
}

// Value returns the now metric called name (metrics.NowMetrics).
func (n Now) Value(name string) (metrics.Value, bool) {
	switch name {
	case metrics.NowWaiting:
		return metrics.Value{V: float64(n.Waiting)}, true
	case metrics.NowLongestWait:
		return n.LongestWaitS, true
	case metrics.NowInProgress:
		return metrics.Value{V: float64(n.InProgress)}, true
	case metrics.NowAgentsBusy:
		return metrics.Value{V: float64(n.AgentsBusy)}, true
	}
	return metrics.Value{}, false
}

// NowOpenSince is how far back a room that is not closed still counts in
// now: a room never closed does not wait forever.
const NowOpenSince = 24 * time.Hour

// LastWindow is the window of last_60m.
const LastWindow = time.Hour

// NowOf counts the open rooms at asOf: a room waits when its last routing
// event put it in a queue and is in progress when that event gave it an
// agent; the longest wait is asOf minus the earliest such queueing event
// (never negative: a chat server's clock may run ahead of ours), and the
// busy agents are the distinct agents of the rooms in progress. The
// rooms are those OpenRooms gives: not closed, valid, opened in the 24
// hours before asOf.
func NowOf(rooms []store.OpenRoom, asOf time.Time) Now {
	var (
		n      Now
		oldest time.Time
		agents = map[string]bool{}
	)
	for _, r := range rooms {
		switch r.State {
		case metrics.StateWaiting:
			n.Waiting++
			if oldest.IsZero() || r.StateAt.Before(oldest) {
				oldest = r.StateAt
			}
		case metrics.StateInProgress:
			n.InProgress++
			if r.Agent != "" {
				agents[r.Agent] = true
			}
		}
	}
	n.AgentsBusy = len(agents)
	n.LongestWaitS = metrics.Value{Null: true}
	if n.Waiting > 0 {
		n.LongestWaitS = metrics.Value{V: max(0, asOf.Sub(oldest).Seconds())}
	}
	return n
}

// Snapshot is one tenant's live view after one ETL run: the values, and
// the JSON body of GET /v1/tenants/{t}/live, built once.
type Snapshot struct {
	TenantID  string
	Run       store.RunRef // AsOf is Run.SnapshotAt
	ConfigKey string       // the configuration it was computed with (ConfigKey)
	Now       Now
	Today     metrics.Row
	Last60m   metrics.Row
	// Windows are the rows of the rooms opened in each window before the
	// instant, for the alert rules that asked for them.
	Windows  map[time.Duration]metrics.Row
	Body     []byte
	Computed time.Time
}

// AsOf is the instant of the view: the snapshot of the ETL run.
func (s *Snapshot) AsOf() time.Time { return s.Run.SnapshotAt }

// RuleValue is the value that rule r compares and the rooms it is computed
// from (0 for a now metric); found is false when the snapshot lacks the
// rule's window (it was not asked for).
func (s *Snapshot) RuleValue(r *metrics.AlertRule) (v metrics.Value, rooms int, found bool) {
	if metrics.IsNowMetric(r.Metric) {
		v, found = s.Now.Value(r.Metric)
		return v, 0, found
	}
	row, ok := s.Windows[r.WindowDuration()]
	if !ok {
		return metrics.Value{}, 0, false
	}
	rooms = int(row.Values[metrics.MRooms].V)
	if r.Metric == metrics.MetricSQI {
		return row.SQI, rooms, true
	}
	i, ok := metrics.MetricIndex(r.Metric)
	if !ok {
		return metrics.Value{}, rooms, false
	}
	return row.Values[i], rooms, true
}

// ConfigKey identifies a configuration: a view computed with another key
// is computed again (a change applies to the next request).
func ConfigKey(cfg *metrics.Config) string {
	b, _ := json.Marshal(cfg)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// Compute computes tenant cfg's view at run's snapshot instant, and the
// rows of windows (the alert rules'; last_60m is always computed).
func Compute(ctx context.Context, src Source, days DayRows, cfg *metrics.Config, run store.RunRef, windows []time.Duration) (*Snapshot, error) {
	asOf := run.SnapshotAt
	snap := &Snapshot{TenantID: cfg.TenantID, Run: run, ConfigKey: ConfigKey(cfg), Windows: map[time.Duration]metrics.Row{}}
	var open []store.OpenRoom
	if err := src.OpenRooms(ctx, cfg.TenantID, asOf.Add(-NowOpenSince), func(r store.OpenRoom) error {
		open = append(open, r)
		return nil
	}); err != nil {
		return nil, err
	}
	snap.Now = NowOf(open, asOf)

	day := metrics.LocalDate(asOf, cfg.Location())
	rows, err := days.Rows(ctx, cfg, cfg.TenantID, day, day, nil)
	if err != nil {
		return nil, fmt.Errorf("live today: %w", err)
	}
	snap.Today = rows[0]

	// The rooms opened in the longest window before the instant, each
	// added to the aggregator of every window it falls in. Rooms stamped
	// after the instant by a chat server's clock that runs ahead are in
	// the facts already and count as the latest.
	ws := append([]time.Duration{LastWindow}, windows...)
	slices.Sort(ws)
	ws = slices.Compact(ws)
	aggs := make([]*metrics.Aggregator, len(ws))
	for i := range ws {
		aggs[i] = metrics.NewAggregator(cfg, metrics.AllDays[0], metrics.AllDays[1], nil)
	}
	longest := ws[len(ws)-1]
	err = src.Rooms(ctx, cfg.TenantID, asOf.Add(-longest), metrics.AllDays[1], func(r *metrics.Room) error {
		for i := len(ws) - 1; i >= 0 && !r.OpenedAt.Before(asOf.Add(-ws[i])); i-- {
			aggs[i].Add(r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("live windows: %w", err)
	}
	for i, w := range ws {
		snap.Windows[w] = aggs[i].Rows()[0]
	}
	snap.Last60m = snap.Windows[LastWindow]
	snap.Body = appendBody(nil, cfg, snap)
	return snap, nil
}

// appendBody appends the JSON body of GET /v1/tenants/{t}/live: keys in a
// fixed order, the rows as /sqi writes them (query.AppendRowJSON).
func appendBody(b []byte, cfg *metrics.Config, s *Snapshot) []byte {
	b = append(b, `{"tenant_id":`...)
	b = export.AppendString(b, s.TenantID)
	b = append(b, `,"timezone":`...)
	b = export.AppendString(b, cfg.TimeZone)
	b = append(b, `,"as_of":`...)
	b = export.AppendString(b, s.AsOf().In(cfg.Location()).Format(time.RFC3339))
	b = append(b, `,"now":{"waiting":`...)
	b = strconv.AppendInt(b, int64(s.Now.Waiting), 10)
	b = append(b, `,"longest_wait_s":`...)
	if s.Now.LongestWaitS.Null {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, metrics.Round(s.Now.LongestWaitS.V, 2), 'f', -1, 64)
	}
	b = append(b, `,"in_progress":`...)
	b = strconv.AppendInt(b, int64(s.Now.InProgress), 10)
	b = append(b, `,"agents_busy":`...)
	b = strconv.AppendInt(b, int64(s.Now.AgentsBusy), 10)
	b = append(b, `},"today":`...)
	b = query.AppendRowJSON(b, cfg, &s.Today)
	b = append(b, `,"last_60m":`...)
	b = query.AppendRowJSON(b, cfg, &s.Last60m)
	return append(b, "}\n"...)
}
