// Package web is the supervisors' web app of docs/web.md, served by `sqi
// serve` beside the API: sign-in with an API key or a one-time link,
// sessions kept in PostgreSQL, and the pages Live, Trends, Rooms (the
// drill-down), a room's timeline, Data quality, Downloads and Settings, in
// the tenant's locale. Pages are html/template rendered on the server,
// charts are SVG drawn here, and the few scripts (live updates, sorting)
// are embedded files under a strict Content-Security-Policy.
//
// It owns HTML only. Every number, list and check it shows is the API's
// answer to the session's principal (api.Server.ServeAs), so nothing is
// computed twice; its SQL (sessions, links) is the store's. It must not
// import query/, reports/ or etl/.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/store"
)

// Store is what the web app keeps in the service's database: its
// sessions and the one-time sign-in links.
type Store interface {
	CreateSession(ctx context.Context, s store.WebSession) error
	Session(ctx context.Context, tokenSHA256 []byte) (store.WebSession, error)
	TouchSession(ctx context.Context, tokenSHA256 []byte, seen time.Time, lastTenant string) error
	DeleteSession(ctx context.Context, tokenSHA256 []byte) error
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error)
	UseLoginLink(ctx context.Context, tokenSHA256 []byte, now time.Time) (store.LoginLink, error)
}

var _ Store = (*store.DB)(nil)

// Deps are what the web app is built from.
type Deps struct {
	// API is the server whose answers the pages show, and on which the
	// web app is mounted (api.Server.Mount).
	API *api.Server
	// Store keeps the sessions: the primary database (sessions are
	// written at every sign-in), shared by every replica.
	Store Store
	Now   func() time.Time // nil: time.Now
	Log   *slog.Logger     // nil: discard
}

// Config holds the web app's settings, read from the environment by
// `sqi serve` (docs/web.md).
type Config struct {
	// SessionIdle ends a session not used for that long (WEB_SESSION_IDLE);
	// SessionMax ends any session that long after its sign-in
	// (WEB_SESSION_MAX).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// TrustedProxies are the addresses or CIDRs (TRUSTED_PROXIES) whose
	// X-Forwarded-Proto: https marks a request as having come over TLS,
	// so that the cookies are Secure.
	TrustedProxies []string
}

// DefaultConfig is the configuration of docs/web.md.
func DefaultConfig() Config {
	return Config{SessionIdle: 12 * time.Hour, SessionMax: 7 * 24 * time.Hour}
}

// LinkTTL is how long a one-time sign-in link stays valid by default.
const LinkTTL = 15 * time.Minute

// App is the web app.
type App struct {
	api     *api.Server
	store   Store
	now     func() time.Time
	log     *slog.Logger
	cfg     Config
	proxies []netip.Prefix
	pages   *pages
}

// New builds the web app; register its routes with api.Server.Mount(app.Register).
func New(d Deps, cfg Config) (*App, error) {
	if d.API == nil || d.Store == nil {
		return nil, errors.New("web: no API server or no store")
	}
	if cfg.SessionIdle <= 0 || cfg.SessionMax <= 0 {
		return nil, errors.New("web: session idle and maximum times must be above 0")
	}
	a := &App{api: d.API, store: d.Store, now: d.Now, log: d.Log, cfg: cfg}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	for _, p := range cfg.TrustedProxies {
		pfx, err := parsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("web: trusted proxy %q: %w", p, err)
		}
		a.proxies = append(a.proxies, pfx)
	}
	var err error
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return a, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}

// Register adds the web app's routes.
func (a *App) Register(r gin.IRouter) {
	w := r.Group("", a.headers)
	w.GET("/assets/:file", a.asset)
	w.GET("/favicon.ico", a.favicon)

	w.GET("/", a.withSession, a.home)
	w.GET("/signin", a.withSession, a.signInPage)
	w.POST("/signin", a.signIn)
	w.GET("/signin/link", a.linkPage)
	w.POST("/signin/link", a.useLink)
	w.POST("/signout", a.withSession, a.requireSession, a.checkCSRF, a.signOut)
	w.GET("/tenants", a.withSession, a.requireSession, a.tenantsPage)

	t := w.Group("/t/:tenant", a.withSession, a.requireSession, a.tenant)
	t.GET("", a.toLive)
	t.GET("/live", a.livePage)
	t.GET("/live/panel", a.livePanel)
	t.GET("/live/stream", a.liveStream)
	t.GET("/trends", a.trendsPage)
	t.GET("/rooms", a.roomsPage)
	t.GET("/rooms/:room", a.roomPage)
	t.GET("/quality", a.qualityPage)
	t.GET("/downloads", a.downloadsPage)
	t.GET("/download/*what", a.download)
	t.HEAD("/download/*what", a.download)
	t.GET("/settings", a.requireManager, a.settingsPage)
	t.POST("/settings", a.requireManager, a.checkCSRF, a.saveSettings)
}

// contentSecurityPolicy allows what the pages are made of and nothing
// else: their own stylesheet, script and images (the SVG charts are in
// the page), no inline script or style, no frames, forms to this site.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers of every answer of the web app.
func (a *App) headers(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Next()
}

// secure reports whether the request came over TLS: directly, or through
// a trusted proxy that says so (X-Forwarded-Proto: https).
func (a *App) secure(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(c.GetHeader("X-Forwarded-Proto")), "https") {
		return false
	}
	peer, err := netip.ParseAddrPort(c.Request.RemoteAddr)
	if err != nil {
		return false
	}
	ip := peer.Addr().Unmap()
	for _, p := range a.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// home is /: the Live page of the session's last tenant, the tenant list
// of an admin who has not picked one, or the sign-in.
func (a *App) home(c *gin.Context) {
	s := sessionOf(c)
	if s == nil {
		a.redirect(c, "/signin")
		return
	}
	tenant := s.row.LastTenant
	if s.row.Role != api.RoleAdmin {
		tenant = s.row.TenantID
	}
	if tenant == "" {
		a.redirect(c, "/tenants")
		return
	}
	a.redirect(c, "/t/"+pathEscape(tenant)+"/live")
}

// toLive is /t/{tenant}: its Live page.
func (a *App) toLive(c *gin.Context) {
	a.redirect(c, "/t/"+pathEscape(c.Param("tenant"))+"/live")
}

// redirect answers 303 See Other to a path of the web app.
func (a *App) redirect(c *gin.Context, to string) {
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}
