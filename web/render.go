package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
	"sqi/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the pages, each templates/<name>.html on the layout.
var pageNames = []string{"signin", "link", "reload", "error", "tenants", "live", "livepanel", "trends", "rooms", "room",
	"quality", "downloads", "settings"}

type pages struct {
	t map[string]*template.Template
}

// funcs are the templates' helpers: layout only, never numbers (those
// come formatted in the page's view).
var funcs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
}

func parsePages() (*pages, error) {
	p := &pages{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.t[name] = t
	}
	return p, nil
}

// page is what the layout of every page shows, and the page's own view
// (Body).
type page struct {
	Title   string // a key of the texts
	Body    any
	Lang    string
	T       map[string]string
	Assets  assetURLs
	Session *sessionView
	Tenant  *tenantView
	Nav     string // the page of the navigation that is current
	Langs   []langLink
	Wall    bool // the Live page as a wall screen: no navigation
	// Fragment: render only the page's "content" (the live panel).
	Fragment bool
	// Failure and FailureDetail say why the numbers of a streamed page
	// are missing (a key of the texts, and the API's detail).
	Failure, FailureDetail string
}

// sessionView is the session as the layout shows it.
type sessionView struct {
	Role      string
	RoleLabel string
	CSRF      string
	Admin     bool
	Manages   bool
}

// tenantView is the tenant of a page: its configuration, as GET config
// answers it (webhooks masked).
type tenantView struct {
	ID     string
	Name   string
	Config metrics.Config
	Base   string // /t/{tenant}
}

type langLink struct {
	Lang, Label, URL string
	Current          bool
}

// render writes the page name with status.
func (a *App) render(c *gin.Context, status int, name string, p *page) {
	a.fill(c, p)
	var buf bytes.Buffer
	tmpl := "layout"
	if p.Fragment {
		tmpl = "content"
	}
	if err := a.pages.t[name].ExecuteTemplate(&buf, tmpl, p); err != nil {
		a.log.Error("render page", "page", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error rendering the page"))
		c.Abort()
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// renderStream answers 200 with a page in two parts: the layout and the
// page's "top" (its title and form) are sent at once, so the browser
// paints them while compute gets the numbers, then the page's "rest" and
// the end of the layout. The parameters are checked before (a bad one is
// answered with render and its status); a failure of compute is shown
// where the numbers would be.
func (a *App) renderStream(c *gin.Context, name string, p *page, compute func() error) {
	a.fill(c, p)
	t := a.pages.t[name]
	var buf bytes.Buffer
	write := func(tmpls ...string) bool {
		buf.Reset()
		for _, n := range tmpls {
			if err := t.ExecuteTemplate(&buf, n, p); err != nil {
				a.log.Error("render page", "page", name, "err", err)
				return false
			}
		}
		_, err := c.Writer.Write(buf.Bytes())
		c.Writer.Flush()
		return err == nil
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	if !write("pageStart", "top") {
		c.Abort()
		return
	}
	if err := compute(); err != nil {
		_, p.Failure, p.FailureDetail = a.failure(c, err)
		write("streamFailure", "pageEnd")
		c.Abort()
		return
	}
	write("rest", "pageEnd")
	c.Abort()
}

// fill completes the layout's part of a page: the locale, the session,
// the tenant and the language links.
func (a *App) fill(c *gin.Context, p *page) {
	t := tenantOf(c)
	p.Tenant = t
	locale := ""
	if t != nil {
		locale = t.Config.Locale
	}
	p.Lang = a.lang(c, locale)
	p.T = texts[p.Lang]
	if p.Title != "" {
		if s, ok := p.T[p.Title]; ok {
			p.Title = s
		}
	}
	p.Assets = assets.urls
	if s := sessionOf(c); s != nil {
		p.Session = &sessionView{Role: s.row.Role, RoleLabel: p.T["role_"+s.row.Role], CSRF: s.row.CSRFToken,
			Admin: s.row.Role == api.RoleAdmin}
		if t != nil {
			p.Session.Manages = s.manages(t.ID)
		}
	}
	for _, l := range langs {
		u := *c.Request.URL
		q := u.Query()
		q.Set("lang", l)
		u.RawQuery = q.Encode()
		p.Langs = append(p.Langs, langLink{Lang: l, Label: langLabels[l], URL: u.RequestURI(), Current: l == p.Lang})
	}
}

// langs are the locales of the pages.
var langs = []string{"ko", "en"}

var langLabels = map[string]string{"ko": "한국어", "en": "English"}

// lang is the page's locale: ?lang= (remembered in a cookie), then the
// cookie, then the tenant's locale, then Korean.
func (a *App) lang(c *gin.Context, tenantLocale string) string {
	if l := c.Query("lang"); l == "ko" || l == "en" {
		if ck, err := c.Request.Cookie(cookieLang); err != nil || ck.Value != l {
			a.setCookie(c, cookieLang, l, 365*24*time.Hour)
		}
		return l
	}
	if ck, err := c.Request.Cookie(cookieLang); err == nil && (ck.Value == "ko" || ck.Value == "en") {
		return ck.Value
	}
	if tenantLocale == "ko" || tenantLocale == "en" {
		return tenantLocale
	}
	return "ko"
}

// errorView is the error page.
type errorView struct {
	Status  int
	Message string // a key of the texts
	Detail  string // the API's detail, when it gave one
	Home    string
}

// errorPage answers status with a page that says what happened.
func (a *App) errorPage(c *gin.Context, status int, message, detail string) {
	home := "/"
	if t := tenantOf(c); t != nil {
		home = t.Base + "/live"
	}
	a.render(c, status, "error", &page{Title: "errorTitle", Body: &errorView{Status: status, Message: message, Detail: detail, Home: home}})
	c.Abort()
}

// fail answers an error: the API's problem as its status and detail, a
// failure of ours as a 500 whose cause goes to the log only.
func (a *App) fail(c *gin.Context, err error) {
	if ctxDone(c.Request.Context()) {
		c.Abort()
		return
	}
	status, msg, detail := a.failure(c, err)
	a.errorPage(c, status, msg, detail)
}

// failure is the status, the message (a key of the texts) and the detail
// that an error is shown with; a failure of ours is logged.
func (a *App) failure(c *gin.Context, err error) (int, string, string) {
	if e, ok := asAPIError(err); ok {
		switch e.Status {
		case http.StatusNotFound:
			return http.StatusNotFound, "notFound", ""
		case http.StatusForbidden:
			return http.StatusForbidden, "forbiddenSettings", ""
		case http.StatusTooManyRequests:
			return http.StatusTooManyRequests, "tooMany", ""
		}
		return e.Status, "apiProblem", e.Detail
	}
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
		return ae.Status, "tooMany", ""
	}
	if errors.As(err, &ae) && ae.Status < 500 {
		return ae.Status, "apiProblem", ae.Detail
	}
	if store.Unavailable(err) {
		c.Header("Retry-After", "5")
		return http.StatusServiceUnavailable, "unavailable", ""
	}
	id := c.Writer.Header().Get("X-Request-ID")
	a.log.Error("web page failed", "request_id", id, "path", c.Request.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal", id
}

const ctxTenant = "web.tenant"

func tenantOf(c *gin.Context) *tenantView {
	v, _ := c.Get(ctxTenant)
	t, _ := v.(*tenantView)
	return t
}

// tenant lets a session through to a tenant it sees, with the tenant's
// configuration as the API answers it: another tenant, like one that does
// not exist, is 404, as in the API. Each page counts once against the
// session's rate of requests.
func (a *App) tenant(c *gin.Context) {
	s := sessionOf(c)
	id := c.Param("tenant")
	if !s.principal.Sees(id) || !metrics.ValidTenantID(id) {
		a.errorPage(c, http.StatusNotFound, "notFound", "")
		return
	}
	if err := a.api.Allow(s.principal); err != nil {
		c.Header("Retry-After", "1")
		a.errorPage(c, http.StatusTooManyRequests, "tooMany", "")
		return
	}
	var cfg metrics.Config
	if err := a.get(c, s, tenantPath(id, "config"), nil, &cfg); err != nil {
		a.fail(c, err)
		return
	}
	c.Set(ctxTenant, &tenantView{ID: id, Name: cfg.Name, Config: cfg, Base: "/t/" + pathEscape(id)})
	if s.row.LastTenant != id {
		if err := a.store.TouchSession(c.Request.Context(), s.row.TokenSHA256, a.now(), id); err != nil {
			a.fail(c, err)
			return
		}
		s.row.LastTenant = id
	}
	c.Next()
}

// tenantsView is the page where an admin picks a tenant.
type tenantsView struct {
	Tenants []api.TenantInfo
}

// tenantsPage is GET /tenants: the tenants the session sees (an admin's
// choice; a reader or manager goes to its own).
func (a *App) tenantsPage(c *gin.Context) {
	s := sessionOf(c)
	if s.row.Role != api.RoleAdmin {
		a.redirect(c, "/t/"+pathEscape(s.row.TenantID)+"/live")
		return
	}
	if err := a.api.Allow(s.principal); err != nil {
		a.errorPage(c, http.StatusTooManyRequests, "tooMany", "")
		return
	}
	var body api.TenantsBody
	if err := a.get(c, s, "/v1/tenants", nil, &body); err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "tenants", &page{Title: "tenantsTitle", Body: &tenantsView{Tenants: body.Tenants}})
}

// withQuery is path with the query q.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
