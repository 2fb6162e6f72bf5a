package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"sqi/alerts"
	"sqi/api"
	"sqi/etl"
	"sqi/live"
	"sqi/query"
	"sqi/reports"
	"sqi/reports/mail"
	"sqi/schedule"
	"sqi/store"
	"sqi/web"
)

func init() {
	commands["serve"] = command{
		summary: "Serve the HTTP API and run the scheduler (ETL, daily reports).",
		details: "It listens on HTTP_ADDR until SIGINT or SIGTERM; beside the API, a scheduler runs the ETL every ETL_INTERVAL (10s), refreshes the live view and evaluates the alert rules after every run, delivers the alerts, and sends the daily reports when SMTP_URL is set. Every setting comes from the environment and is checked at start (docs/api.md lists them). Logs are JSON lines on standard error.",
		env:     "DATABASE_URL, SOURCE_DATABASE_URL, HTTP_ADDR, SMTP_URL, SMTP_FROM and those of docs/api.md",
		run:     runServe,
	}
}

// serveConfig is the configuration of `sqi serve`, read from the
// environment once at start (docs/api.md).
type serveConfig struct {
	Addr            string
	ShutdownTimeout time.Duration
	API             api.Config
	// ReconcileAt is the UTC time of day of the nightly reconciliation,
	// ReconcileDays its window; ReconcileDays 0 turns it off.
	ReconcileAt   time.Duration
	ReconcileDays int
	// ETLInterval is how often the ETL and the reports round run.
	ETLInterval time.Duration
	// Webhooks of the alerts (docs/alerts.md): whether they may reach
	// private addresses, how long one attempt may take, and the first
	// wait before a retry (tripled at each attempt).
	WebhookAllowPrivate bool
	WebhookTimeout      time.Duration
	AlertRetryBase      time.Duration
	// Web is the web app's configuration (docs/web.md).
	Web web.Config
}

// Bounds of ETL_INTERVAL: the live view is as fresh as the ETL (docs/api.md,
// "Live view": an event is in /live within ETL_INTERVAL and the run's
// time); more often than every second would run the ETL back to back.
const (
	minETLInterval = time.Second
	maxETLInterval = time.Hour
)

// loadServeConfig reads the environment; a bad value is a usage error
// naming the variable.
func loadServeConfig(getenv func(string) string) (serveConfig, error) {
	c := serveConfig{Addr: ":8080", ShutdownTimeout: 30 * time.Second, API: api.DefaultConfig(), Web: web.DefaultConfig(),
		ReconcileAt: 3 * time.Hour, ReconcileDays: 7, ETLInterval: 10 * time.Second,
		WebhookTimeout: 10 * time.Second, AlertRetryBase: 10 * time.Second}
	if v := getenv("HTTP_ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return c, usagef("HTTP_ADDR %q: give host:port or :port, e.g. :8080", v)
		}
		c.Addr = v
	}
	durations := []struct {
		name string
		dst  *time.Duration
		min  time.Duration
	}{
		{"READY_MAX_ETL_LAG", &c.API.ReadyMaxETLLag, 0},
		{"REQUEST_TIMEOUT", &c.API.RequestTimeout, time.Second},
		{"SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 0},
		{"WEBHOOK_TIMEOUT", &c.WebhookTimeout, 100 * time.Millisecond},
		{"ALERT_RETRY_BASE", &c.AlertRetryBase, 100 * time.Millisecond},
		{"WEB_SESSION_IDLE", &c.Web.SessionIdle, time.Minute},
		{"WEB_SESSION_MAX", &c.Web.SessionMax, time.Minute},
	}
	for _, d := range durations {
		if v := getenv(d.name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x < d.min {
				return c, usagef("%s %q: give a duration of at least %s, such as 5m or 30s", d.name, v, d.min)
			}
			*d.dst = x
		}
	}
	if v := getenv("ETL_INTERVAL"); v != "" {
		x, err := time.ParseDuration(v)
		if err != nil || x < minETLInterval || x > maxETLInterval {
			return c, usagef("ETL_INTERVAL %q: give a duration from %s to %s, such as 10s (the default; the live view is as fresh as the ETL)", v, minETLInterval, maxETLInterval)
		}
		c.ETLInterval = x
	}
	switch v := getenv("WEBHOOK_ALLOW_PRIVATE"); v {
	case "", "false":
	case "true":
		c.WebhookAllowPrivate = true
	default:
		return c, usagef("WEBHOOK_ALLOW_PRIVATE %q: give true (webhooks may reach loopback, private and link-local addresses) or false (the default)", v)
	}
	if v := getenv("MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return c, usagef("MAX_BODY_BYTES %q: give a number of bytes, 1024 or more", v)
		}
		c.API.MaxBodyBytes = n
	}
	if v := getenv("AUTH_FAIL_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return c, usagef("AUTH_FAIL_RATE %q: give failed authentications per second per client address, 0 for no limit", v)
		}
		c.API.AuthFailRate = rate.Limit(f)
	}
	if v := getenv("RATE_LIMIT"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return c, usagef("RATE_LIMIT %q: give requests per second per API key, 0 for no limit", v)
		}
		c.API.RateLimit = rate.Limit(f)
	}
	counts := []struct {
		name, what string
		dst        *int
		min        int
	}{
		{"RATE_BURST", "a number of requests, 1 or more", &c.API.RateBurst, 1},
		{"MAX_CONCURRENT_PER_KEY", "a number of requests, 0 for no limit", &c.API.MaxConcurrentPerKey, 0},
		{"MAX_CONCURRENT", "a number of requests, 0 for no limit", &c.API.MaxConcurrent, 0},
		{"MAX_ROWS", "a number of rows, 1 or more", &c.API.MaxRows, 1},
		{"QUERY_CACHE_MB", "megabytes, 0 for no cache", &c.API.QueryCacheBytes, 0},
		{"RECONCILE_DAYS", "a number of days, 0 to turn the nightly reconciliation off", &c.ReconcileDays, 0},
	}
	for _, n := range counts {
		if v := getenv(n.name); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil || x < n.min {
				return c, usagef("%s %q: give %s", n.name, v, n.what)
			}
			*n.dst = x
		}
	}
	if getenv("QUERY_CACHE_MB") != "" {
		c.API.QueryCacheBytes <<= 20
	}
	if v := getenv("RECONCILE_AT"); v != "" {
		t, err := time.Parse("15:04", v)
		if err != nil || len(v) != 5 {
			return c, usagef("RECONCILE_AT %q: give a UTC time of day as HH:MM, e.g. 03:00", v)
		}
		c.ReconcileAt = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	}
	if v := getenv("TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if net.ParseIP(p) == nil {
				if _, _, err := net.ParseCIDR(p); err != nil {
					return c, usagef("TRUSTED_PROXIES %q: give addresses or CIDRs separated by commas, e.g. 10.0.0.0/8", v)
				}
			}
			c.API.TrustedProxies = append(c.API.TrustedProxies, p)
		}
		c.Web.TrustedProxies = c.API.TrustedProxies
	}
	if v := getenv("CORS_ORIGINS"); v != "" {
		for _, o := range strings.Split(v, ",") {
			c.API.CORSOrigins = append(c.API.CORSOrigins, strings.TrimSpace(o))
		}
		if err := api.CheckOrigins(c.API.CORSOrigins); err != nil {
			return c, usagef("CORS_ORIGINS: %v", err)
		}
	}
	return c, nil
}

// service is a background service of `sqi serve`: run works until ctx
// is cancelled (at shutdown), then returns.
type service struct {
	name string
	run  func(ctx context.Context) error
}

// backgroundServices are the services that run beside the HTTP API for as
// long as `sqi serve` does. They start after the API listens and are
// stopped (their context cancelled, then awaited) after it has drained.
// The scheduler (schedule.Scheduler) — the ETL every ETL_INTERVAL, the
// daily reports when SMTP_URL is set, the nightly reconciliation — with
// its Prometheus metrics m; the live view (lv), refreshed after every ETL
// run of any replica, which evaluates the alert rules; and the delivery of
// the alerts (notifier).
func backgroundServices(b *background, db *store.DB, cfg serveConfig, m *schedule.Metrics, log *slog.Logger,
	lv *live.Service, notifier *alerts.Notifier) []service {
	runner := &etl.Runner{Source: b.source, Store: db, Log: log, Observe: m.ObserveETL}
	var mailer reports.Mailer
	if b.mailer != nil {
		mailer = b.mailer
	}
	sched := schedule.New(db, runner, mailer, nil, log)
	sched.ReconcileAt, sched.ReconcileDays, sched.Every = cfg.ReconcileAt, cfg.ReconcileDays, cfg.ETLInterval
	sched.ObserveReconcile = m.ObserveReconcile
	sched.AfterETL = lv.Kick
	return []service{{name: "scheduler", run: func(ctx context.Context) error {
		if err := sched.Start(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return sched.Stop()
	}}, {name: "live", run: lv.Run}, {name: "alerts", run: notifier.Run}}
}

// liveCacheBytes is the cache of the live view's engine: its own, so that
// the new versions of today's blocks after every ETL run do not push the
// API's partials out.
const liveCacheBytes = 64 << 20

// liveAndAlerts builds the live view (computed on the database the API
// reads) and the alerts (evaluated and delivered through the primary).
func liveAndAlerts(b *background, db *store.DB, cfg serveConfig, log *slog.Logger) (*live.Service, *alerts.Notifier, *alerts.Metrics) {
	am := alerts.NewMetrics(db)
	var mailer alerts.Mailer
	if b.mailer != nil {
		mailer = b.mailer
	}
	notifier := alerts.NewNotifier(db, mailer, alerts.NewWebhookClient(cfg.WebhookTimeout, cfg.WebhookAllowPrivate), am, log)
	notifier.Timeout, notifier.Backoff = cfg.WebhookTimeout, alerts.DefaultBackoff(cfg.AlertRetryBase)
	eval := alerts.NewEvaluator(db, am, log)
	eval.Wake = notifier.Kick
	lv := live.NewService(b.read, query.NewEngine(b.read, liveCacheBytes), eval, log)
	return lv, notifier, am
}

// background holds what the background services need beyond the store,
// opened and checked at start so that a bad setting stops serve at once.
type background struct {
	source *pgxpool.Pool
	mailer *mail.SMTP
	read   *store.DB // READ_DATABASE_URL, or the store
}

func openBackground(ctx context.Context, e *env, db *store.DB) (*background, error) {
	m, err := e.smtpMailer()
	if err != nil {
		return nil, err
	}
	b := &background{source: db.Pool, mailer: m, read: db}
	if e.getenv("SOURCE_DATABASE_URL") != "" {
		if b.source, err = e.openPool(ctx, "SOURCE_DATABASE_URL", e.sourceURL()); err != nil {
			return nil, err
		}
	}
	if u := e.getenv("READ_DATABASE_URL"); u != "" {
		if err := e.checkURL("READ_DATABASE_URL", u); err != nil {
			b.close(db)
			return nil, err
		}
		if b.read, err = store.OpenAs(ctx, "READ_DATABASE_URL", u); err != nil {
			b.close(db)
			return nil, e.dbError("READ_DATABASE_URL", u, err)
		}
	}
	return b, nil
}

func (b *background) close(db *store.DB) {
	if b.source != nil && b.source != db.Pool {
		b.source.Close()
	}
	if b.read != nil && b.read != db {
		b.read.Close()
	}
}

// dailyReports answers GET /v1/tenants/{t}/reports/daily/{date}.
func dailyReports(db *store.DB, eng *query.Engine) *reports.Generator {
	return &reports.Generator{DB: db, Engine: eng}
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := e.flags("serve")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadServeConfig(e.getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	bg, err := openBackground(ctx, e, db)
	if err != nil {
		return err
	}
	defer bg.close(db)
	// One query engine, on the database the API reads: the API and the
	// reports share its cache of partials.
	eng := query.NewEngine(bg.read, cfg.API.QueryCacheBytes)
	eng.MaxRows = cfg.API.MaxRows
	daily := dailyReports(bg.read, eng)
	m := schedule.NewMetrics(db, nil)
	lv, notifier, am := liveAndAlerts(bg, db, cfg, log)
	collectors := append([]prometheus.Collector{m, am}, lv.Collectors()...)
	srv, err := api.New(api.Deps{Store: db, Read: bg.read, Engine: eng, Reports: daily, Events: store.Source{Pool: bg.source},
		Log: log, Collectors: collectors, Live: lv}, cfg.API)
	if err != nil {
		return err
	}
	// The web app (docs/web.md) on the same server: its pages are the
	// API's answers for their sessions, kept in the primary database.
	app, err := web.New(web.Deps{API: srv, Store: db, Log: log}, cfg.Web)
	if err != nil {
		return err
	}
	srv.Mount(app.Register)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.CloseStreams) // the /live streams end at once
	log.Info("sqi serve started", "addr", ln.Addr().String(), "database", redactURL(e.databaseURL()),
		"read_database", redactURL(e.getenv("READ_DATABASE_URL")), "source_database", redactURL(e.getenv("SOURCE_DATABASE_URL")),
		"max_concurrent_per_key", cfg.API.MaxConcurrentPerKey, "max_concurrent", cfg.API.MaxConcurrent,
		"reconcile_days", cfg.ReconcileDays, "etl_interval", cfg.ETLInterval.String(),
		"ready_max_etl_lag", cfg.API.ReadyMaxETLLag.String(), "request_timeout", cfg.API.RequestTimeout.String(),
		"max_body_bytes", cfg.API.MaxBodyBytes, "rate_limit", float64(cfg.API.RateLimit), "rate_burst", cfg.API.RateBurst,
		"reports", daily != nil, "smtp", bg.mailer != nil, "webhook_allow_private", cfg.WebhookAllowPrivate,
		"webhook_timeout", cfg.WebhookTimeout.String(), "alert_retry_base", cfg.AlertRetryBase.String(),
		"web_session_idle", cfg.Web.SessionIdle.String(), "web_session_max", cfg.Web.SessionMax.String())

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	// Keys and tenants are kept in memory while their changes are heard.
	wg.Go(func() { srv.WatchChanges(bgCtx) })
	for _, svc := range backgroundServices(bg, db, cfg, m, log, lv, notifier) {
		wg.Go(func() {
			log.Info("service started", "service", svc.name)
			if err := svc.run(bgCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("service stopped", "service", svc.name, "err", err)
				return
			}
			log.Info("service stopped", "service", svc.name)
		})
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	stopBackground()
	wg.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	log.Info("sqi serve stopped")
	return nil
}

// redactURL hides the password of a database URL for the log; "" stays
// "" (not set).
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
