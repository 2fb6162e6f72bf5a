package query

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"sqi/metrics"
	"sqi/store"
)

// Engine answers SQI queries from the room blocks (docs/architecture.md).
// For each block it aggregates once per grouping and configuration into a
// metrics.Partial — counts and exact sums, and the durations the
// percentiles need, sorted — and keeps it in a cache bounded in bytes, under
// the block's version and the configuration's fingerprint. A query looks up
// the versions of its blocks (one small SELECT), computes the partials it
// lacks, and combines them: a late event rebuilds its block, so the next
// query sees a new version; a configuration change gives a new fingerprint.
// Neither can give a stale answer. Weights, targets and grades apply to the
// finished rows and are never cached.
type Engine struct {
	db *store.DB
	// MaxRows bounds the rows of one answer (0: no bound): a query that
	// would give more fails with ErrTooManyRows before it takes memory.
	MaxRows int

	flight singleflight.Group
	cache  *partCache
}

// DefaultMaxRows is the bound on the rows of one answer.
const DefaultMaxRows = 100_000

// computeTimeout bounds the computation of missing partials, which may be
// shared by several queries.
const computeTimeout = 5 * time.Minute

// ErrTooManyRows is returned for a query whose answer would have more than
// Engine.MaxRows rows.
var ErrTooManyRows = errors.New("too many rows")

// NewEngine returns an engine on db whose cache holds up to cacheBytes of
// partials (0: no cache, each query computes what it needs).
func NewEngine(db *store.DB, cacheBytes int) *Engine {
	return &Engine{db: db, MaxRows: DefaultMaxRows, cache: newPartCache(cacheBytes)}
}

// Stats computes the rows of q with the tenant configuration cfg.
func (e *Engine) Stats(ctx context.Context, cfg *metrics.Config, q Query) (*Result, error) {
	c := *cfg
	if q.Hours != "" {
		c = cfg.WithHours(q.Hours)
	}
	rows, err := e.Rows(ctx, &c, q.Tenant, q.From, q.To, q.GroupBy)
	if err != nil {
		return nil, err
	}
	res := &Result{Query: q, Config: c, Rows: rows}
	if q.Compare != "" {
		if err := e.compare(ctx, &c, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Rows computes the rows of the local dates from..to of tenantID grouped
// by groupBy under cfg (its hours setting included).
func (e *Engine) Rows(ctx context.Context, cfg *metrics.Config, tenantID string, from, to time.Time, groupBy []string) ([]metrics.Row, error) {
	parts, err := e.Partials(ctx, cfg, tenantID, from, to, [][]string{groupBy})
	if err != nil {
		return nil, err
	}
	rows, err := metrics.Combine(cfg, from, to, groupBy, parts[0], e.MaxRows)
	if errors.Is(err, metrics.ErrTooManyGroups) {
		return nil, fmt.Errorf("%w: more than %d", ErrTooManyRows, e.MaxRows)
	}
	return rows, err
}

// Partials returns, for each grouping, the partials of every block that
// may hold rooms of the local dates from..to: from the cache, or computed
// in one pass over each missing block for all the groupings at once.
func (e *Engine) Partials(ctx context.Context, cfg *metrics.Config, tenantID string, from, to time.Time, groupings [][]string) ([][]*metrics.Partial, error) {
	start, end := metrics.DayBounds(from, to, cfg.Location())
	refs, err := e.db.BlockRefs(ctx, tenantID, start, end)
	if err != nil {
		return nil, err
	}
	fp := cfg.Fingerprint()
	key := func(ref store.BlockRef, g []string) string {
		return fmt.Sprintf("%s|%s|%d|%s|%s", tenantID, ref.Day.Format(time.DateOnly), ref.Version, fp, strings.Join(g, ","))
	}
	out := make([][]*metrics.Partial, len(groupings))
	for i := range out {
		out[i] = make([]*metrics.Partial, len(refs))
	}
	var missing []int // refs with at least one grouping not cached
	for r, ref := range refs {
		miss := false
		for g, gb := range groupings {
			if p := e.cache.get(key(ref, gb)); p != nil {
				out[g][r] = p
			} else {
				miss = true
			}
		}
		if miss {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	// Queries that miss the same blocks at once compute them once.
	var fk strings.Builder
	for _, r := range missing {
		fk.WriteString(key(refs[r], nil))
		fk.WriteByte(';')
	}
	for _, g := range groupings {
		fk.WriteString(strings.Join(g, ","))
		fk.WriteByte(';')
	}
	v, err, _ := e.flight.Do(fk.String(), func() (any, error) {
		days := make([]time.Time, len(missing))
		for i, r := range missing {
			days[i] = refs[r].Day
		}
		// Shared with the queries that wait for it: one client that goes
		// away must not fail the others.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), computeTimeout)
		defer cancel()
		return computePartials(cctx, e.db, cfg, tenantID, days, groupings)
	})
	if err != nil {
		return nil, err
	}
	computed := v.(map[time.Time]blockParts)
	for _, r := range missing {
		// A block rebuilt between the two reads is read in its newer
		// version, which is cached under that version; one deleted
		// meanwhile holds no rooms.
		bp, ok := computed[refs[r].Day]
		if !ok {
			for g := range groupings {
				out[g][r] = emptyPartial(cfg, groupings[g])
			}
			continue
		}
		for g, gb := range groupings {
			out[g][r] = bp.parts[g]
			e.cache.put(key(store.BlockRef{Day: refs[r].Day, Version: bp.version}, gb), bp.parts[g])
		}
	}
	return out, nil
}

// blockParts are the partials of one block, one per grouping.
type blockParts struct {
	version int64
	parts   []*metrics.Partial
}

// computePartials reads the blocks of the given UTC dates and aggregates
// each, in parallel, into one partial per grouping.
func computePartials(ctx context.Context, db *store.DB, cfg *metrics.Config, tenantID string, days []time.Time, groupings [][]string) (map[time.Time]blockParts, error) {
	type job struct {
		ref store.BlockRef
		b   store.Block
	}
	var (
		mu  sync.Mutex
		out = make(map[time.Time]blockParts, len(days))
	)
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job)
	// A decoded block is tens of megabytes: at most one per worker is
	// decoded at a time, the reader decoding the next while the workers
	// aggregate (a token per decoded block).
	workers := min(runtime.GOMAXPROCS(0), 4, len(days))
	tokens := make(chan struct{}, workers)
	for range workers {
		g.Go(func() error {
			for j := range jobs {
				aggs := make([]*metrics.Aggregator, len(groupings))
				for i, gb := range groupings {
					aggs[i] = metrics.NewAggregator(cfg, metrics.AllDays[0], metrics.AllDays[1], gb)
				}
				err := j.b.AllRooms(func(r *metrics.Room) error {
					for _, a := range aggs {
						a.Add(r)
					}
					return nil
				})
				j.b.Release()
				<-tokens
				if err != nil {
					return err
				}
				bp := blockParts{version: j.ref.Version, parts: make([]*metrics.Partial, len(aggs))}
				for i, a := range aggs {
					bp.parts[i] = a.Seal()
				}
				mu.Lock()
				out[j.ref.Day] = bp
				mu.Unlock()
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		return db.ReadBlocks(gctx, tenantID, days, func(ref store.BlockRef, raw store.Block) error {
			select {
			case tokens <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			b, err := raw.Decode()
			if err != nil {
				<-tokens
				return err
			}
			select {
			case jobs <- job{ref, b}:
				return nil
			case <-gctx.Done():
				b.Release()
				<-tokens
				return gctx.Err()
			}
		})
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func emptyPartial(cfg *metrics.Config, groupBy []string) *metrics.Partial {
	return metrics.NewAggregator(cfg, metrics.AllDays[0], metrics.AllDays[1], groupBy).Seal()
}

// partCache is a least-recently-used cache of partials bounded by their
// estimated bytes.
type partCache struct {
	max   int
	mu    sync.Mutex
	bytes int
	order *list.List // of *entry, most recent first
	items map[string]*list.Element
}

type entry struct {
	key string
	p   *metrics.Partial
}

func newPartCache(max int) *partCache {
	return &partCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *partCache) get(key string) *metrics.Partial {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).p
}

func (c *partCache) put(key string, p *metrics.Partial) {
	// A partial larger than an eighth of the cache would push out too
	// much for one query: it is used, not kept.
	if c.max <= 0 || p.Bytes() > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key, p})
	c.bytes += p.Bytes()
	for c.bytes > c.max {
		last := c.order.Back()
		e := last.Value.(*entry)
		c.order.Remove(last)
		delete(c.items, e.key)
		c.bytes -= e.p.Bytes()
	}
}

// CacheBytes is how many bytes of partials the cache holds now.
func (e *Engine) CacheBytes() int {
	e.cache.mu.Lock()
	defer e.cache.mu.Unlock()
	return e.cache.bytes
}
