package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/store"
)

// Principal is who a request acts as: an API key and what it may see.
type Principal struct {
	KeyID    string
	Role     string
	TenantID string // a reader's or a manager's tenant; "" for an admin
}

// Sees reports whether p may see tenantID's data.
func (p Principal) Sees(tenantID string) bool {
	return p.Role == RoleAdmin || ((p.Role == RoleReader || p.Role == RoleManager) && p.TenantID == tenantID)
}

// Manages reports whether p may change tenantID's configuration.
func (p Principal) Manages(tenantID string) bool {
	return p.Role == RoleAdmin || (p.Role == RoleManager && p.TenantID == tenantID)
}

const (
	ctxPrincipal = "sqi.principal"
	ctxTenant    = "sqi.tenant"
	// ctxInternal marks a request made by the web app for a session
	// (ServeAs): the web app counts its page against the key's rate once.
	ctxInternal = "sqi.internal"
)

func principalOf(c *gin.Context) (Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return Principal{}, false
	}
	p, ok := v.(Principal)
	return p, ok
}

var (
	errNoKey = &Error{Status: http.StatusUnauthorized, Type: "unauthorized",
		Detail: "send an API key in the header Authorization: Bearer <key> (an operator creates one with sqi apikey create)"}
	errBadKey = &Error{Status: http.StatusUnauthorized, Type: "unauthorized",
		Detail: "the API key in Authorization is not valid: it is malformed, unknown or revoked; ask an operator for a key"}
)

// dummyHash is compared against when the key id is unknown, so that an
// unknown id costs the same as a wrong secret.
var dummyHash = make([]byte, 32)

// authenticate checks the bearer key: 401 without one or with a bad one.
// A client address whose failures exceed AuthFailRate gets 429 before
// anything is looked up. A request that the web app makes for one of its
// sessions (ServeAs) carries its principal already.
func (s *Server) authenticate(c *gin.Context) {
	if p, ok := c.Request.Context().Value(principalKey{}).(Principal); ok {
		c.Set(ctxPrincipal, p)
		c.Set(ctxInternal, true)
		c.Next()
		return
	}
	addr, now := c.ClientIP(), s.now()
	if err := s.throttled(addr, now); err != nil {
		c.Set(ctxQuiet, true)
		s.problem(c, err)
		return
	}
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	token = strings.TrimSpace(token)
	if scheme == "" && token == "" {
		s.problem(c, errNoKey) // no attempt: not counted
		return
	}
	var p Principal
	var err error = errBadKey
	if strings.EqualFold(scheme, "Bearer") {
		p, err = s.keyPrincipal(c.Request.Context(), token)
	}
	if errors.Is(err, errBadKey) {
		s.auth.failed(addr, now)
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

// throttled is the answer to a client address that has spent its failed
// authentications (429), nil when it has some left.
func (s *Server) throttled(addr string, now time.Time) error {
	blocked, wait := s.auth.blocked(addr, now)
	if !blocked {
		return nil
	}
	s.metrics.limited.WithLabelValues("auth").Inc()
	return &Error{Status: http.StatusTooManyRequests, Type: "rate-limited", RetryAfter: wait,
		Detail: fmt.Sprintf("too many failed authentications from this address (%d, then %g a second): wait the seconds of Retry-After and send a valid API key",
			s.cfg.AuthFailBurst, float64(s.cfg.AuthFailRate))}
}

// keyPrincipal is the principal of an API key: errBadKey when the key is
// malformed, unknown or revoked (an unknown id costs what a wrong secret
// does).
func (s *Server) keyPrincipal(ctx context.Context, key string) (Principal, error) {
	id, secret, ok := parseKey(key)
	if !ok {
		return Principal{}, errBadKey
	}
	k, err := s.apiKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		secretMatches(secret, dummyHash)
		return Principal{}, errBadKey
	}
	if err != nil {
		return Principal{}, err
	}
	if !secretMatches(secret, k.SecretSHA256) || !k.RevokedAt.IsZero() || !validRole(k.Role) {
		return Principal{}, errBadKey
	}
	return Principal{KeyID: k.ID, Role: k.Role, TenantID: k.TenantID}, nil
}

// notFoundTenant is the answer for a tenant the key may not see and for
// one that does not exist: the same, so that a key cannot learn which
// other tenants exist.
func notFoundTenant(id string) *Error {
	return &Error{Status: http.StatusNotFound, Type: "not-found", Param: "tenant",
		Detail: "no tenant " + quote(id) + " for this API key: GET /v1/tenants lists the tenants it sees"}
}

// quote quotes a caller's string for a problem detail, cut to 80 bytes.
func quote(s string) string {
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "..."
	}
	return strconv.Quote(s)
}

// tenantAccess lets a request through only to a tenant that exists and
// that the key sees, and puts the tenant in the context; every other
// tenant is 404, whatever the route, format or parameters.
func (s *Server) tenantAccess(c *gin.Context) { s.access(c, false) }

// tenantAccessOrNew is tenantAccess for PUT config, where an admin may
// create a tenant.
func (s *Server) tenantAccessOrNew(c *gin.Context) { s.access(c, true) }

func (s *Server) access(c *gin.Context, mayCreate bool) {
	id := c.Param("tenant")
	p, _ := principalOf(c)
	if !p.Sees(id) || !metrics.ValidTenantID(id) {
		s.problem(c, notFoundTenant(id))
		return
	}
	t, err := s.tenant(c.Request.Context(), id)
	var bad *store.ConfigError
	switch {
	case errors.Is(err, store.ErrNotFound) && mayCreate && p.Role == RoleAdmin:
		c.Set(ctxTenant, (*store.Tenant)(nil))
	case errors.Is(err, store.ErrNotFound):
		s.problem(c, notFoundTenant(id))
		return
	case errors.As(err, &bad) && mayCreate:
		// A valid configuration repairs a broken one.
		c.Set(ctxTenant, &store.Tenant{Config: metrics.DefaultConfig(id), Configured: true, Invalid: bad})
	case errors.As(err, &bad):
		s.problem(c, storedConfigProblem(bad))
		return
	case err != nil:
		s.problem(c, err)
		return
	default:
		c.Set(ctxTenant, &t)
	}
	c.Next()
}

// storedConfigProblem is the answer of every route of a tenant whose
// stored configuration no longer validates: it names the fields and says
// how to repair it. Only that tenant is affected.
func storedConfigProblem(bad *store.ConfigError) *Error {
	e := configProblem(bad.Err)
	e.Status, e.Type = http.StatusConflict, "invalid-stored-configuration"
	e.Param = configField(e.Errors[0])
	e.Detail = fmt.Sprintf("the stored configuration of tenant %s is not valid (%s); a manager of the tenant or an admin repairs it with PUT /v1/tenants/%s/config (or sqi tenant put) of a valid document",
		quote(bad.TenantID), e.Detail, bad.TenantID)
	return e
}

// configField is the field a configuration problem names: its first word
// ("components.wait.weight 1e+308: use ..."), without a trailing colon.
func configField(problem string) string {
	f, _, _ := strings.Cut(problem, " ")
	return strings.TrimSuffix(f, ":")
}

// tenantOf is the tenant that tenantAccess found; nil only for a tenant
// an admin is creating.
func tenantOf(c *gin.Context) *store.Tenant {
	t, _ := c.MustGet(ctxTenant).(*store.Tenant)
	return t
}

// requireAdmin answers 403 to a reader or manager key.
func (s *Server) requireAdmin(c *gin.Context) {
	if p, _ := principalOf(c); p.Role != RoleAdmin {
		s.problem(c, &Error{Status: http.StatusForbidden, Type: "forbidden",
			Detail: fmt.Sprintf("this needs an admin API key; a %s key sees its own tenant only", p.Role)})
		return
	}
	c.Next()
}

// requireManager lets through a manager of the path's tenant or an admin,
// and answers 403 to a reader of the tenant. It runs after the tenant
// check, so that another tenant's key has had its 404 already.
func (s *Server) requireManager(c *gin.Context) {
	id := c.Param("tenant")
	if p, _ := principalOf(c); !p.Manages(id) {
		s.problem(c, &Error{Status: http.StatusForbidden, Type: "forbidden",
			Detail: fmt.Sprintf("%s %s needs a manager key of tenant %s or an admin key; this %s key may only read: ask the tenant's manager or an operator (sqi apikey create --tenant %s --role manager)",
				c.Request.Method, c.Request.URL.Path, id, p.Role, id)})
		return
	}
	c.Next()
}
