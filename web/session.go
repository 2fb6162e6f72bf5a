package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
	"sqi/store"
)

// Sessions (docs/web.md). The browser holds a random token in a cookie
// that is HttpOnly (no script reads it), SameSite=Strict (no other site's
// page sends it) and Secure when the request came over TLS; the database
// holds its SHA-256 with the role, the tenant and the id of the key signed
// in with, never the key. A session ends when it has been idle for
// SessionIdle, SessionMax after its sign-in, when its key is revoked, or at
// sign-out, which deletes it.

// Cookie names.
const (
	cookieSession = "sqi_session"
	// cookieCSRF holds the token of the sign-in forms, which have no
	// session yet (double submit: the form's field must equal it).
	cookieCSRF = "sqi_csrf"
	cookieLang = "sqi_lang"
)

// touchEvery is how stale last_seen_at may get before a request writes
// it: a page load costs a write at most once a minute.
const touchEvery = time.Minute

// session is the signed-in session of a request.
type session struct {
	row       store.WebSession
	principal api.Principal
}

// manages reports whether the session may change tenant's configuration.
func (s *session) manages(tenant string) bool { return s.principal.Manages(tenant) }

const ctxSession = "web.session"

func sessionOf(c *gin.Context) *session {
	s, _ := c.Get(ctxSession)
	v, _ := s.(*session)
	return v
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenHash is the SHA-256 of a token as the browser sends it.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// validToken reports whether s has the form of randomToken's tokens.
func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// why a request has no session, shown on the sign-in page.
const (
	endedExpired = "expired"
	endedRevoked = "revoked"
)

// withSession finds the request's session, if it has a valid one. An
// expired one, or one whose key was revoked, is deleted and its cookie
// cleared.
func (a *App) withSession(c *gin.Context) {
	ck, err := c.Request.Cookie(cookieSession)
	if err != nil || !validToken(ck.Value) {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	hash := tokenHash(ck.Value)
	row, err := a.store.Session(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		a.clearCookie(c, cookieSession)
		c.Next()
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	now := a.now()
	end := ""
	if !now.Before(row.ExpiresAt) || now.Sub(row.LastSeenAt) >= a.cfg.SessionIdle {
		end = endedExpired
	}
	s := &session{row: row, principal: api.Principal{KeyID: row.KeyID, Role: row.Role, TenantID: row.TenantID}}
	if row.KeyID == "" {
		// Signed in with a link: the rates and slots of the API are
		// counted per session.
		s.principal.KeyID = "session-" + hex.EncodeToString(hash[:6])
	} else if end == "" {
		switch err := a.api.KeyStillValid(ctx, s.principal); {
		case errors.Is(err, api.ErrKeyRevoked):
			end = endedRevoked
		case err != nil:
			a.fail(c, err)
			return
		}
	}
	if end != "" {
		if err := a.store.DeleteSession(ctx, hash); err != nil {
			a.fail(c, err)
			return
		}
		a.clearCookie(c, cookieSession)
		c.Set(ctxEnded, end)
		c.Next()
		return
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := a.store.TouchSession(ctx, hash, now, ""); err != nil && !errors.Is(err, store.ErrNotFound) {
			a.fail(c, err)
			return
		}
		s.row.LastSeenAt = now
	}
	c.Set(ctxSession, s)
	c.Next()
}

const ctxEnded = "web.ended"

// requireSession sends a request without a session to the sign-in page,
// which brings it back here (next) once signed in. A page opened from
// another site (a link in a chat or an e-mail) comes without the cookie,
// as SameSite=Strict wants: it is loaded again from here, with it.
func (a *App) requireSession(c *gin.Context) {
	if sessionOf(c) != nil {
		c.Next()
		return
	}
	if c.Request.Method != http.MethodGet {
		a.errorPage(c, http.StatusForbidden, "signedOut", "")
		return
	}
	if c.GetHeader("Sec-Fetch-Site") == "cross-site" && c.GetHeader("Sec-Fetch-Mode") == "navigate" {
		a.render(c, http.StatusOK, "reload", &page{Title: "SQI", Body: c.Request.URL.RequestURI()})
		c.Abort()
		return
	}
	if strings.HasSuffix(c.Request.URL.Path, "/live/panel") || strings.HasSuffix(c.Request.URL.Path, "/live/stream") {
		c.AbortWithStatus(http.StatusUnauthorized) // the script reloads the page
		return
	}
	q := url.Values{"next": {c.Request.URL.RequestURI()}}
	if end := c.GetString(ctxEnded); end != "" {
		q.Set("ended", end)
	}
	a.redirect(c, "/signin?"+q.Encode())
}

// requireManager answers 403 to a session that may not change the
// tenant's configuration (a reader), as the API does.
func (a *App) requireManager(c *gin.Context) {
	if !sessionOf(c).manages(c.Param("tenant")) {
		a.errorPage(c, http.StatusForbidden, "forbiddenSettings", "")
		return
	}
	c.Next()
}

// checkCSRF refuses a form of a session that does not carry the session's
// token (or that another site posted).
func (a *App) checkCSRF(c *gin.Context) {
	s := sessionOf(c)
	if s == nil || !sameToken(c.PostForm("csrf"), s.row.CSRFToken) || c.GetHeader("Sec-Fetch-Site") == "cross-site" {
		a.errorPage(c, http.StatusForbidden, "csrf", "")
		return
	}
	c.Next()
}

func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// formToken is the token of a sign-in form: the cookie's, set now when
// the browser has none.
func (a *App) formToken(c *gin.Context) string {
	if ck, err := c.Request.Cookie(cookieCSRF); err == nil && validToken(ck.Value) {
		return ck.Value
	}
	t := randomToken()
	a.setCookie(c, cookieCSRF, t, 0)
	return t
}

// checkFormToken checks a sign-in form's token against its cookie.
func (a *App) checkFormToken(c *gin.Context) bool {
	ck, err := c.Request.Cookie(cookieCSRF)
	return err == nil && validToken(ck.Value) && sameToken(c.PostForm("csrf"), ck.Value) &&
		c.GetHeader("Sec-Fetch-Site") != "cross-site"
}

// setCookie sets an HttpOnly, SameSite=Strict cookie, Secure over TLS;
// maxAge 0 makes it last as long as the browser.
func (a *App) setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: a.secure(c), SameSite: http.SameSiteStrictMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(c.Writer, ck)
}

func (a *App) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: a.secure(c),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// startSession stores a new session of p (keyID "" for a link) and gives
// the browser its cookie.
func (a *App) startSession(c *gin.Context, p api.Principal, keyID string) error {
	now := a.now()
	ctx := c.Request.Context()
	if _, err := a.store.DeleteExpiredSessions(ctx, now, a.cfg.SessionIdle); err != nil {
		return err
	}
	token := randomToken()
	row := store.WebSession{TokenSHA256: tokenHash(token), CSRFToken: randomToken(), Role: p.Role, TenantID: p.TenantID,
		KeyID: keyID, LastTenant: p.TenantID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.cfg.SessionMax)}
	if err := a.store.CreateSession(ctx, row); err != nil {
		return err
	}
	a.setCookie(c, cookieSession, token, a.cfg.SessionMax)
	return nil
}

// safeNext is where to go after signing in: a path of this site, never
// another site ("//evil.example", "/\evil.example").
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// signInView is the sign-in page.
type signInView struct {
	CSRF, Next, Key string
	Error, Notice   string
}

// signInPage is GET /signin: the form, or where to go when signed in.
func (a *App) signInPage(c *gin.Context) {
	if sessionOf(c) != nil {
		a.redirect(c, safeNext(c.Query("next")))
		return
	}
	v := &signInView{CSRF: a.formToken(c), Next: safeNext(c.Query("next"))}
	switch c.Query("ended") {
	case endedExpired:
		v.Notice = "sessionExpired"
	case endedRevoked:
		v.Notice = "keyRevoked"
	case "out":
		v.Notice = "signedOutNotice"
	}
	a.render(c, http.StatusOK, "signin", &page{Title: "signIn", Body: v})
}

// signIn is POST /signin: an API key typed into the form, checked as the
// API checks a bearer key (failed attempts throttled per address).
func (a *App) signIn(c *gin.Context) {
	v := &signInView{Next: safeNext(c.PostForm("next"))}
	if !a.checkFormToken(c) {
		v.CSRF = a.formToken(c)
		v.Error = "formExpired"
		a.render(c, http.StatusForbidden, "signin", &page{Title: "signIn", Body: v})
		return
	}
	v.CSRF = a.formToken(c)
	key := strings.TrimSpace(c.PostForm("key"))
	p, err := a.api.SignIn(c.Request.Context(), c.ClientIP(), key)
	if err != nil {
		status, msg := a.signInError(c, err)
		if status == 0 {
			a.fail(c, err)
			return
		}
		v.Error = msg
		a.render(c, status, "signin", &page{Title: "signIn", Body: v})
		return
	}
	if err := a.startSession(c, p, p.KeyID); err != nil {
		a.fail(c, err)
		return
	}
	next := v.Next
	if next == "/" && p.TenantID != "" {
		next = "/t/" + pathEscape(p.TenantID) + "/live"
	}
	a.redirect(c, next)
}

// signInError is the status and message of a failed sign-in: 429 with
// Retry-After for a throttled address, 401 for a bad key or link; 0 for
// anything else (a failure of ours).
func (a *App) signInError(c *gin.Context, err error) (int, string) {
	var e *api.Error
	if !errors.As(err, &e) {
		return 0, ""
	}
	switch e.Status {
	case http.StatusTooManyRequests:
		c.Header("Retry-After", fmt.Sprint(max(int(e.RetryAfter.Seconds()+0.999), 1)))
		return http.StatusTooManyRequests, "tooManyAttempts"
	case http.StatusUnauthorized:
		return http.StatusUnauthorized, "badKey"
	}
	return 0, ""
}

// linkView is the page of a one-time link.
type linkView struct {
	CSRF, Token string
	Error       string
}

// linkPage is GET /signin/link?token=…: a button that signs in. Opening
// the link signs nobody in (a mail scanner or a chat's preview that opens
// it would spend it); pressing the button does.
func (a *App) linkPage(c *gin.Context) {
	c.Header("Referrer-Policy", "no-referrer")
	v := &linkView{CSRF: a.formToken(c), Token: c.Query("token")}
	if !validToken(v.Token) {
		v.Error, v.Token = "badLink", ""
	}
	a.render(c, http.StatusOK, "link", &page{Title: "signIn", Body: v})
}

// useLink is POST /signin/link: the link's token is spent and a session
// of its tenant and role begins. An unknown, used or expired link is a
// failed sign-in, throttled as a bad key is.
func (a *App) useLink(c *gin.Context) {
	c.Header("Referrer-Policy", "no-referrer")
	v := &linkView{Token: c.PostForm("token")}
	if !a.checkFormToken(c) {
		v.CSRF, v.Error = a.formToken(c), "formExpired"
		a.render(c, http.StatusForbidden, "link", &page{Title: "signIn", Body: v})
		return
	}
	v.CSRF = a.formToken(c)
	addr := c.ClientIP()
	if err := a.api.SignInThrottled(addr); err != nil {
		status, msg := a.signInError(c, err)
		v.Error = msg
		a.render(c, status, "link", &page{Title: "signIn", Body: v})
		return
	}
	l, err := store.LoginLink{}, store.ErrNotFound
	if validToken(v.Token) {
		l, err = a.store.UseLoginLink(c.Request.Context(), tokenHash(v.Token), a.now())
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.fail(c, err)
		return
	}
	if err != nil {
		a.api.SignInFailed(addr)
		v.Error, v.Token = "badLink", ""
		a.render(c, http.StatusUnauthorized, "link", &page{Title: "signIn", Body: v})
		return
	}
	if err := a.startSession(c, api.Principal{Role: l.Role, TenantID: l.TenantID}, ""); err != nil {
		a.fail(c, err)
		return
	}
	a.redirect(c, "/t/"+pathEscape(l.TenantID)+"/live")
}

// signOut is POST /signout: the session is deleted, whatever the cookie
// does next.
func (a *App) signOut(c *gin.Context) {
	s := sessionOf(c)
	if err := a.store.DeleteSession(c.Request.Context(), s.row.TokenSHA256); err != nil {
		a.fail(c, err)
		return
	}
	a.clearCookie(c, cookieSession)
	a.redirect(c, "/signin?ended=out")
}

// NewLoginLink makes a one-time sign-in link's token for a reader or
// manager of tenantID, valid for ttl from now, and what to store: only
// the token's hash. `sqi login-link` prints the link with the token.
func NewLoginLink(role, tenantID string, now time.Time, ttl time.Duration) (string, store.LoginLink, error) {
	if role != api.RoleReader && role != api.RoleManager {
		return "", store.LoginLink{}, fmt.Errorf("role %q: a link signs in a reader or a manager of one tenant", role)
	}
	if !metrics.ValidTenantID(tenantID) {
		return "", store.LoginLink{}, fmt.Errorf("tenant %q: %s", tenantID, metrics.TenantIDRule)
	}
	if ttl <= 0 {
		return "", store.LoginLink{}, errors.New("a link must be valid for some time")
	}
	token := randomToken()
	return token, store.LoginLink{TokenSHA256: tokenHash(token), TenantID: tenantID, Role: role, CreatedAt: now, ExpiresAt: now.Add(ttl)}, nil
}

// LinkURL is the address of a sign-in link on the web app at base
// (PUBLIC_URL, e.g. https://sqi.example.com).
func LinkURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/signin/link?token=" + url.QueryEscape(token)
}

func pathEscape(s string) string { return url.PathEscape(s) }
