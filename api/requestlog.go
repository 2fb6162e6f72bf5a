package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	headerRequestID = "X-Request-ID"
	ctxRequestID    = "sqi.request_id"
	// ctxQuiet marks a request refused before any work (an address
	// throttled for failed authentications): logged at debug level only.
	ctxQuiet = "sqi.quiet"
)

// requestIDRe is what a caller's X-Request-ID may look like to be kept;
// anything else is replaced, so that the log cannot be forged.
var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID gives every request an id: the caller's X-Request-ID when it
// is sane, a new random one otherwise. It is sent back in X-Request-ID,
// logged with the request and put in every problem document.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if !requestIDRe.MatchString(id) {
		var b [12]byte
		_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header(headerRequestID, id)
	c.Next()
}

func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// observe logs every request as one JSON line (slog) and counts it in
// the Prometheus metrics, by route template.
func (s *Server) observe(c *gin.Context) {
	start := s.now()
	// Deferred: an aborted stream (a panic with http.ErrAbortHandler) is
	// logged too.
	defer func() {
		d := s.now().Sub(start)
		status := c.Writer.Status()
		s.metrics.observeRequest(c, status, d)
		level := slog.LevelInfo
		switch {
		case c.GetBool(ctxQuiet):
			level = slog.LevelDebug // counted in sqi_http_limited_total; a flood must not flood the log
		case status == http.StatusServiceUnavailable:
			level = slog.LevelWarn // the database is away or the server saturated: not a fault of ours
		case status >= 500:
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request.Context(), level, "request", logAttrs(c, status, d)...)
	}()
	c.Next()
}

// logAttrs are the attributes of a request in the log.
func logAttrs(c *gin.Context, status int, d time.Duration) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("request_id", requestIDOf(c)),
		slog.String("method", c.Request.Method),
		slog.String("route", routeLabel(c)),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("remote", c.ClientIP()),
	}
	if p, ok := principalOf(c); ok {
		attrs = append(attrs, slog.String("key_id", p.KeyID))
	}
	if t := c.Param("tenant"); t != "" {
		attrs = append(attrs, slog.String("tenant_id", t))
	}
	return attrs
}

// routeLabel is the route template of the request ("unmatched" for none):
// a label with few values, unlike the path.
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recoverer turns a panic into a 500 problem and logs its stack. An
// aborted response (http.ErrAbortHandler) is passed on to net/http, which
// closes the connection.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error("panic", "request_id", requestIDOf(c), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if c.Writer.Written() {
			panic(http.ErrAbortHandler)
		}
		s.problem(c, fmt.Errorf("panic: %v", v))
	}()
	c.Next()
}
