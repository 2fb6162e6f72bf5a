package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// What the web app (web/, docs/web.md) uses of the API. The web app shows
// the API's own answers: each page asks the routes of this server for its
// session's principal (ServeAs), so its numbers, its checks of parameters
// and configuration, its 404 for another tenant and its 403 for a reader
// are the API's, from the same query engine, live view and store. Its
// sign-in form checks keys as authenticate does, with the same throttle of
// failed attempts.

// principalKey is the context key of the principal of a request made with
// ServeAs: only Go code can set it, never a client.
type principalKey struct{}

// ServeAs serves r as a request of p, without an API key: the web app's
// way of asking the API for one of its sessions. Every check but the
// key's runs as for a request with a key (the tenant's 404, the
// manager's 403, the slots of expensive requests); the rate of requests is
// the web app's to count (Allow), once per page.
func (s *Server) ServeAs(p Principal, w http.ResponseWriter, r *http.Request) {
	s.engine.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

// Mount adds the routes of register (the web app's) to the server, behind
// the same request ids, logs, metrics, recovery, limits and compression
// as the API's. Call it before serving.
func (s *Server) Mount(register func(r gin.IRouter)) { register(&s.engine.RouterGroup) }

// SignIn checks a key typed into the web app's sign-in form, coming from
// the client address addr, as a bearer key is checked: an address that has
// spent its failed attempts gets a 429 *Error before any look-up, a bad
// key a 401 *Error that spends one.
func (s *Server) SignIn(ctx context.Context, addr, key string) (Principal, error) {
	now := s.now()
	if err := s.throttled(addr, now); err != nil {
		return Principal{}, err
	}
	p, err := s.keyPrincipal(ctx, key)
	if errors.Is(err, errBadKey) {
		s.auth.failed(addr, now)
	}
	return p, err
}

// SignInThrottled is the 429 *Error of an address that has spent its
// failed sign-ins, nil when it has some left.
func (s *Server) SignInThrottled(addr string) error { return s.throttled(addr, s.now()) }

// SignInFailed spends one failed sign-in of addr: a one-time link that is
// not valid (unknown, used or expired).
func (s *Server) SignInFailed(addr string) { s.auth.failed(addr, s.now()) }

// ErrKeyRevoked is KeyStillValid's error for a key that was revoked,
// deleted or changed role or tenant since a session signed in with it.
var ErrKeyRevoked = errors.New("the API key of this session was revoked")

// KeyStillValid checks, at every request of a session signed in with an
// API key, that the key still stands for p: ErrKeyRevoked when it was
// revoked (the session ends with it).
func (s *Server) KeyStillValid(ctx context.Context, p Principal) error {
	k, err := s.apiKey(ctx, p.KeyID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrKeyRevoked
	}
	if err != nil {
		return err
	}
	if !k.RevokedAt.IsZero() || k.Role != p.Role || k.TenantID != p.TenantID {
		return ErrKeyRevoked
	}
	return nil
}

// Allow takes one request of p's rate (RATE_LIMIT, RATE_BURST): a 429
// *Error when p has none left. The web app calls it once per page.
func (s *Server) Allow(p Principal) error {
	if ok, wait := s.limits.allow(p.KeyID, s.now()); !ok {
		s.metrics.limited.WithLabelValues("rate").Inc()
		return &Error{Status: http.StatusTooManyRequests, Type: "rate-limited", RetryAfter: wait,
			Detail: "too many requests for this session: wait a moment, then reload"}
	}
	return nil
}

// CheckSQIParams checks the parameters of GET /v1/tenants/{t}/sqi as the
// route does before it computes anything: nil when they are good, else the
// *Error (400, naming the parameter) the route would answer. The web app
// checks a page's query with it before it starts to send the page.
func CheckSQIParams(tenant string, v url.Values) error {
	for name := range v {
		if !slices.Contains(sqiParams, name) {
			return paramProblem(&query.ParamError{Param: name, Detail: fmt.Sprintf("unknown parameter %s: this route accepts %s", quote(name), strings.Join(sqiParams, ", "))})
		}
	}
	if _, _, _, err := checkSQI(tenant, v); err != nil {
		var pe *query.ParamError
		if errors.As(err, &pe) {
			return paramProblem(pe)
		}
		return err
	}
	return nil
}

// CheckConfig checks a configuration document for tenant as PUT config
// and config/preview check it, every problem at once, each naming its
// field; masked webhook values, which stand for the stored ones, are
// taken as they are. nil when it is good, else the *Error (400, Errors
// listing the problems) the routes would answer.
func CheckConfig(tenant string, doc []byte) error {
	raw, err := withTenantID(doc, tenant)
	if err != nil {
		return err
	}
	if _, err := metrics.ParseConfig(raw); err != nil {
		return configProblem(err)
	}
	return nil
}

// ValidRole reports whether role is one of the roles.
func ValidRole(role string) bool { return validRole(role) }
