package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limitRequest bounds the time of a request (its context ends after
// RequestTimeout: queries stop, a stream is cut) and the size of its
// body (MaxBodyBytes; reading beyond answers 413).
func (s *Server) limitRequest(c *gin.Context) {
	if s.cfg.RequestTimeout > 0 {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
	}
	if s.cfg.MaxBodyBytes > 0 && c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}

// keyLimiters holds a token bucket per API key. Keys are only added once
// authenticated, so the map is bounded by the number of valid keys.
type keyLimiters struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newKeyLimiters(limit rate.Limit, burst int) *keyLimiters {
	return &keyLimiters{limit: limit, burst: max(burst, 1), m: make(map[string]*rate.Limiter)}
}

// allow takes a token of key's bucket at now; when there is none it
// returns how long until there is.
func (l *keyLimiters) allow(key string, now time.Time) (bool, time.Duration) {
	if l.limit <= 0 || l.limit == rate.Inf {
		return true, 0
	}
	l.mu.Lock()
	lim := l.m[key]
	if lim == nil {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.m[key] = lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimit answers 429 with Retry-After to a key that sends more than
// RateLimit requests a second (bursts of RateBurst).
func (s *Server) rateLimit(c *gin.Context) {
	p, _ := principalOf(c)
	if ok, wait := s.limits.allow(p.KeyID, s.now()); !ok {
		s.problem(c, &Error{Status: http.StatusTooManyRequests, Type: "rate-limited", RetryAfter: wait,
			Detail: fmt.Sprintf("this API key may send %g requests a second (bursts of %d): wait the seconds of Retry-After, then send fewer", float64(s.cfg.RateLimit), s.limits.burst)})
		return
	}
	c.Next()
}
