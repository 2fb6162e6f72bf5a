package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/semaphore"
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
	if c.GetBool(ctxInternal) {
		c.Next() // a web page's request: the page was counted (Allow)
		return
	}
	p, _ := principalOf(c)
	if ok, wait := s.limits.allow(p.KeyID, s.now()); !ok {
		s.metrics.limited.WithLabelValues("rate").Inc()
		s.problem(c, &Error{Status: http.StatusTooManyRequests, Type: "rate-limited", RetryAfter: wait,
			Detail: fmt.Sprintf("this API key may send %g requests a second (bursts of %d): wait the seconds of Retry-After, then send fewer", float64(s.cfg.RateLimit), s.limits.burst)})
		return
	}
	c.Next()
}

// slots bounds the expensive requests (/sqi, /rooms, the reports) that
// run at once: perKey of one API key, total in all. A request waits for
// a slot up to wait (queued fairly by the semaphores), then is refused:
// 429 when its key has too many running, 503 when the server has.
// Memory and CPU are then bounded by total queries, whatever the clients
// do; the query bounds (query/) bound each one.
type slots struct {
	perKey int64
	wait   time.Duration
	total  *semaphore.Weighted
	mu     sync.Mutex
	keys   map[string]*semaphore.Weighted
}

func newSlots(perKey, total int, wait time.Duration) *slots {
	if perKey <= 0 || total <= 0 {
		return nil
	}
	return &slots{perKey: int64(perKey), wait: wait, total: semaphore.NewWeighted(int64(total)),
		keys: make(map[string]*semaphore.Weighted)}
}

func (l *slots) key(id string) *semaphore.Weighted {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.keys[id]
	if k == nil {
		k = semaphore.NewWeighted(l.perKey)
		l.keys[id] = k
	}
	return k
}

// concurrencyRetryAfter is the Retry-After of a refused expensive request:
// long enough for a running query to end.
const concurrencyRetryAfter = 5 * time.Second

// expensive runs the request in a slot of its key and of the server.
func (s *Server) expensive(c *gin.Context) {
	l := s.slots
	if l == nil {
		c.Next()
		return
	}
	p, _ := principalOf(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), l.wait)
	defer cancel()
	key := l.key(p.KeyID)
	if err := key.Acquire(ctx, 1); err != nil {
		if c.Request.Context().Err() != nil {
			s.problem(c, c.Request.Context().Err())
			return
		}
		s.metrics.limited.WithLabelValues("concurrency").Inc()
		s.problem(c, &Error{Status: http.StatusTooManyRequests, Type: "too-many-concurrent", RetryAfter: concurrencyRetryAfter,
			Detail: fmt.Sprintf("this API key already has %d expensive requests (sqi, rooms, reports) running and none ended within %s: wait for one to finish, send them one after another, or ask for shorter ranges or fewer groups",
				l.perKey, l.wait)})
		return
	}
	if err := l.total.Acquire(ctx, 1); err != nil {
		key.Release(1)
		if c.Request.Context().Err() != nil {
			s.problem(c, c.Request.Context().Err())
			return
		}
		s.metrics.limited.WithLabelValues("saturated").Inc()
		s.problem(c, &Error{Status: http.StatusServiceUnavailable, Type: "saturated", RetryAfter: concurrencyRetryAfter,
			Detail: fmt.Sprintf("the server is busy with other clients' expensive requests and none ended within %s: wait the seconds of Retry-After, then try again", l.wait)})
		return
	}
	release := sync.OnceFunc(func() {
		l.total.Release(1)
		key.Release(1)
	})
	defer release()
	c.Set(ctxRelease, release)
	c.Next()
}

const ctxRelease = "sqi.release"

// releaseSlot gives back the request's slot early: its expensive part is
// done (a file is rendered and only has to be sent).
func releaseSlot(c *gin.Context) {
	if f, ok := c.Get(ctxRelease); ok {
		f.(func())()
	}
}

// authThrottle limits the failed authentications of each client address:
// a bucket of AuthFailBurst failures refilled at AuthFailRate a second.
// An address that has spent it is answered 429 before its key is even
// looked up, so guessing keys costs the database nothing. The map is
// pruned of addresses idle for authIdle once it holds authMaxAddrs.
type authThrottle struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	addrs map[string]*authBucket
}

type authBucket struct {
	lim  *rate.Limiter
	last time.Time
}

const (
	authMaxAddrs = 10_000
	authIdle     = 10 * time.Minute
)

func newAuthThrottle(limit rate.Limit, burst int) *authThrottle {
	if limit <= 0 || burst <= 0 {
		return nil
	}
	return &authThrottle{limit: limit, burst: burst, addrs: make(map[string]*authBucket)}
}

func (a *authThrottle) bucket(addr string, now time.Time) *authBucket {
	b := a.addrs[addr]
	if b == nil {
		if len(a.addrs) >= authMaxAddrs {
			for k, v := range a.addrs {
				if now.Sub(v.last) > authIdle {
					delete(a.addrs, k)
				}
			}
		}
		b = &authBucket{lim: rate.NewLimiter(a.limit, a.burst)}
		a.addrs[addr] = b
	}
	b.last = now
	return b
}

// blocked reports whether addr has no failure left, and how long until
// it has one.
func (a *authThrottle) blocked(addr string, now time.Time) (bool, time.Duration) {
	if a == nil {
		return false, 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.addrs[addr]
	if b == nil || b.lim.TokensAt(now) >= 1 {
		return false, 0
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return true, max(d, time.Second)
}

// failed spends one failure of addr.
func (a *authThrottle) failed(addr string, now time.Time) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.bucket(addr, now).lim.AllowN(now, 1)
}
