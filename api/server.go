// Package api is the HTTP API of docs/api.md (gin): the SQI rows, the room
// export, the daily report, tenant configuration, rejects, API keys, and the
// operational endpoints (health, readiness, Prometheus metrics, OpenAPI).
// It owns HTTP only: what it needs from storage is the Store interface,
// the SQI rows come from query/, the workbook of the daily report from a
// DailyReports. It must not import reports/ or internal/.
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"sqi/live"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// Store is what the API reads and writes in the service's database.
type Store interface {
	Tenant(ctx context.Context, tenantID string) (store.Tenant, error)
	Tenants(ctx context.Context) ([]store.Tenant, error)
	PutTenant(ctx context.Context, c metrics.Config) error
	RoomsPageWhere(ctx context.Context, tenantID string, start, end time.Time, after store.RoomCursor, f store.RoomFilter, limit int, fn func(*metrics.Room) error) error
	RoomsFromBlocks(ctx context.Context, tenantID string, start, end time.Time, fn func(*metrics.Room) error) error
	Room(ctx context.Context, tenantID, roomID string) (metrics.Room, error)
	RoomRejects(ctx context.Context, tenantID, roomID string) ([]store.RoomReject, error)
	RejectCounts(ctx context.Context, tenantID string, start, end time.Time) ([]store.RejectCount, error)
	FeedRejectCounts(ctx context.Context, tenantID string, start, end time.Time) ([]store.RejectCount, error)
	FeedRejectGroups(ctx context.Context, limit int) ([]store.FeedRejectGroup, error)
	APIKey(ctx context.Context, id string) (store.APIKey, error)
	LastETLRun(ctx context.Context) (store.ETLRun, bool, error)
	Ping(ctx context.Context) error
	PoolStat() *pgxpool.Stat
}

var _ Store = (*store.DB)(nil)

// StatsFunc computes the SQI rows of a checked query with the tenant's
// configuration: an Engine's Stats, which reads the store's room blocks.
type StatsFunc func(ctx context.Context, cfg *metrics.Config, q query.Query) (*query.Result, error)

// DailyReports writes the daily Excel workbook of a tenant and local day
// (docs/reports.md). The reports package implements it; a server without one
// answers 503 on the reports route.
type DailyReports interface {
	WriteDaily(ctx context.Context, tenantID string, day time.Time, w io.Writer) error
}

// Deps are what a server is built from.
type Deps struct {
	Store Store
	// Read, when set, answers every read (a PostgreSQL hot standby:
	// READ_DATABASE_URL); Store then only takes the writes (PUT config).
	Read Store
	// Stats nil: Engine's Stats; Engine nil: an engine with a cache of
	// DefaultQueryCacheBytes on Read (or Store), which must then be a
	// *store.DB.
	Stats  StatsFunc
	Engine *query.Engine
	// Reports nil: GET .../reports/daily/{date} answers 503; the weekly
	// and monthly routes answer 503 unless it is also a WeeklyReports or
	// a MonthlyReports.
	Reports DailyReports
	// Events reads a room's events for GET .../rooms/{room}; nil: the
	// chat_events of Store's database (a *store.DB), the default
	// SOURCE_DATABASE_URL.
	Events EventSource
	Now    func() time.Time // nil: time.Now
	Log    *slog.Logger     // nil: discard
	// Collectors are more Prometheus metrics for /metrics (the ETL's:
	// schedule.Metrics).
	Collectors []prometheus.Collector
	// Live is the live view (live.Service, refreshed after every ETL run
	// by `sqi serve`). nil: a service on Read that is not refreshed in the
	// background, so each request checks the latest ETL run.
	Live LiveView
	// Alerts reads the alerts' states and history; nil: Read (or Store).
	Alerts AlertsReader
}

// Config holds the server's limits, read from the environment by `sqi
// serve` (docs/api.md).
type Config struct {
	// ReadyMaxETLLag is the longest time since the end of the last ETL run
	// for which /readyz answers ready; 0 does not check the ETL.
	ReadyMaxETLLag time.Duration
	// RequestTimeout bounds the time of one request, streaming included.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds a request body (PUT config).
	MaxBodyBytes int64
	// RateLimit is the sustained number of requests per second of one API
	// key, RateBurst how many it may send at once; 0 does not limit.
	RateLimit rate.Limit
	RateBurst int
	// MaxConcurrentPerKey and MaxConcurrent bound the expensive requests
	// (/sqi, /rooms, the reports) running at once for one key and in all;
	// a request waits up to ConcurrencyWait for a slot, then is refused
	// (429, 503). 0 does not limit.
	MaxConcurrentPerKey int
	MaxConcurrent       int
	ConcurrencyWait     time.Duration
	// AuthFailRate and AuthFailBurst bound the failed authentications of
	// one client address (per second, at once); beyond them it is
	// answered 429 without a look-up. 0 does not limit.
	AuthFailRate  rate.Limit
	AuthFailBurst int
	// MaxRows bounds the rows of one /sqi answer (the engine's MaxRows):
	// beyond it, 422 too-many-rows. QueryCacheBytes is the memory of the
	// engine's cache of block partials.
	MaxRows         int
	QueryCacheBytes int
	// TrustedProxies are the addresses (or CIDRs) whose X-Forwarded-For
	// names the client; none by default: the client is the peer address.
	TrustedProxies []string
	// CORSOrigins are the origins (scheme://host[:port], or * for any)
	// whose pages may call the API from a browser (CORS); none by default.
	CORSOrigins []string
}

// DefaultConfig is the configuration of docs/api.md.
func DefaultConfig() Config {
	return Config{
		ReadyMaxETLLag: 5 * time.Minute,
		RequestTimeout: 5 * time.Minute,
		MaxBodyBytes:   1 << 20,
		RateLimit:      10,
		RateBurst:      20,

		MaxConcurrentPerKey: 2,
		MaxConcurrent:       6,
		ConcurrencyWait:     30 * time.Second,
		AuthFailRate:        1,
		AuthFailBurst:       20,
		MaxRows:             query.DefaultMaxRows,
		QueryCacheBytes:     DefaultQueryCacheBytes,
	}
}

// DefaultQueryCacheBytes is the memory the query engine's cache of
// partials may hold in a server (QUERY_CACHE_MB in sqi serve): a month of
// 50,000 rooms a day by one grouping is about 60 MB.
const DefaultQueryCacheBytes = 256 << 20

// Server is the HTTP API.
type Server struct {
	store   Store // writes
	read    Store // reads: Store, or a standby
	stats   StatsFunc
	reports DailyReports
	events  EventSource
	now     func() time.Time
	log     *slog.Logger
	cfg     Config
	metrics *serverMetrics
	limits  *keyLimiters
	slots   *slots
	auth    *authThrottle
	engine  *gin.Engine

	live          LiveView
	alerts        AlertsReader
	liveHeartbeat time.Duration
	closing       chan struct{} // closed at shutdown: streams end
	lookups       lookups       // keys and tenants kept while WatchChanges runs
	closeOnce     sync.Once
	handler       http.Handler // engine behind compression and CORS
}

// New builds a server.
func New(d Deps, cfg Config) (*Server, error) {
	if d.Store == nil {
		return nil, errors.New("api: no store")
	}
	s := &Server{store: d.Store, read: d.Read, stats: d.Stats, reports: d.Reports, events: d.Events, now: d.Now, log: d.Log, cfg: cfg,
		live: d.Live, alerts: d.Alerts, liveHeartbeat: liveHeartbeat, closing: make(chan struct{})}
	if s.read == nil {
		s.read = s.store
	}
	if s.events == nil {
		if db, ok := s.store.(*store.DB); ok {
			s.events = store.Source{Pool: db.Pool}
		}
	}
	db, isDB := s.read.(*store.DB)
	eng := d.Engine
	if eng == nil && isDB {
		cache := cfg.QueryCacheBytes
		if s.stats != nil {
			cache = 0 // only the live view's days use it
		}
		eng = query.NewEngine(db, cache)
		eng.MaxRows = cfg.MaxRows
	}
	if s.stats == nil {
		if !isDB {
			return nil, errors.New("api: Deps.Stats is nil and the store is not a *store.DB")
		}
		s.stats = eng.Stats
	}
	if s.live == nil {
		if !isDB {
			return nil, errors.New("api: Deps.Live is nil and the store is not a *store.DB")
		}
		s.live = live.NewService(db, eng, nil, d.Log)
	}
	if s.alerts == nil {
		s.alerts, _ = s.read.(AlertsReader)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.metrics, err = newServerMetrics(s, d.Collectors); err != nil {
		return nil, err
	}
	s.limits = newKeyLimiters(cfg.RateLimit, cfg.RateBurst)
	s.slots = newSlots(cfg.MaxConcurrentPerKey, cfg.MaxConcurrent, cfg.ConcurrencyWait)
	s.auth = newAuthThrottle(cfg.AuthFailRate, cfg.AuthFailBurst)
	if s.engine, err = s.routes(); err != nil {
		return nil, err
	}
	if s.handler, err = s.wrap(s.engine); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists the routes served.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

func init() { gin.SetMode(gin.ReleaseMode) }

// Route templates, in gin's syntax. docs/api.md and openapi.json describe
// them; TestOpenAPIRoutes checks that both list the same routes.
const (
	routeTenants = "/v1/tenants"
	routeSQI     = "/v1/tenants/:tenant/sqi"
	routeRooms   = "/v1/tenants/:tenant/rooms"
	routeRoom    = "/v1/tenants/:tenant/rooms/:room"
	routeReport  = "/v1/tenants/:tenant/reports/daily/:date"
	routeWeekly  = "/v1/tenants/:tenant/reports/weekly/:monday"
	routeMonthly = "/v1/tenants/:tenant/reports/monthly/:month"
	routeConfig  = "/v1/tenants/:tenant/config"
	routePreview = "/v1/tenants/:tenant/config/preview"
	routeRejects = "/v1/tenants/:tenant/rejects"
	routeLive    = "/v1/tenants/:tenant/live"
	routeAlerts  = "/v1/tenants/:tenant/alerts"

	routeFeedRejects = "/v1/feed-rejects"
)

func (s *Server) routes() (*gin.Engine, error) {
	e := gin.New()
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	// A room id may hold / or %: sent percent-encoded, it is one path
	// segment, decoded once.
	e.UseRawPath = true
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.requestID, s.observe, s.recoverer, s.limitRequest)
	e.NoRoute(func(c *gin.Context) {
		s.problem(c, &Error{Status: http.StatusNotFound, Type: "not-found", Detail: "no route " + c.Request.URL.Path + ": see /openapi.json for the routes"})
	})
	e.NoMethod(func(c *gin.Context) {
		s.problem(c, &Error{Status: http.StatusMethodNotAllowed, Type: "method-not-allowed", Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path + ": see /openapi.json for the methods of each route"})
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)
	e.GET("/openapi.json", s.openapi)
	e.GET("/docs", s.docs)
	e.GET("/docs/*asset", s.docs)

	v1 := e.Group("", s.authenticate, s.rateLimit)
	v1.GET(routeTenants, s.listTenants)
	t := v1.Group("", s.tenantAccess)
	for _, r := range []struct {
		path    string
		handler gin.HandlerFunc
	}{{routeSQI, s.getSQI}, {routeRooms, s.getRooms}, {routeReport, s.getDailyReport},
		{routeWeekly, s.getWeeklyReport}, {routeMonthly, s.getMonthlyReport}} {
		t.GET(r.path, s.expensive, r.handler)
		t.HEAD(r.path, s.expensive, r.handler)
	}
	t.GET(routeRoom, s.getRoom)
	t.POST(routePreview, s.requireManager, s.expensive, s.previewConfig)
	t.GET(routeConfig, s.getConfig)
	t.GET(routeRejects, s.getRejects)
	t.GET(routeLive, s.getLive)
	t.GET(routeAlerts, s.getAlerts)
	v1.PUT(routeConfig, s.tenantAccessOrNew, s.requireManager, s.putConfig)
	v1.GET(routeFeedRejects, s.requireAdmin, s.getFeedRejects)
	return e, nil
}
