package api

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/live"
	"sqi/metrics"
)

// LiveView is the live view of every tenant, kept in memory and
// refreshed after every ETL run: live.Service.
type LiveView interface {
	// Get returns the tenant's view computed with cfg (live.ErrNoRun
	// before the first ETL run).
	Get(ctx context.Context, cfg *metrics.Config) (*live.Snapshot, error)
	// Current returns the view in memory and a channel closed when it is
	// replaced (after the next ETL run).
	Current(tenantID string) (*live.Snapshot, <-chan struct{})
	// OpenStream counts a stream until the returned function is called.
	OpenStream() func()
}

var _ LiveView = (*live.Service)(nil)

// Server-Sent Events of /live.
const (
	contentTypeEventStream = "text/event-stream"
	// liveHeartbeat is how often a stream without news gets a comment
	// line, so that proxies and clients see it alive.
	liveHeartbeat = 15 * time.Second
	// liveRetry is the reconnection delay the stream asks clients for.
	liveRetry = 3 * time.Second
	// noDataRetryAfter is the Retry-After of /live before the first ETL run.
	noDataRetryAfter = 10 * time.Second
)

// getLive answers GET /v1/tenants/{t}/live: the tenant's live view of
// docs/api.md from memory, as JSON, or with Accept: text/event-stream as
// a stream of the same body after every ETL run.
func (s *Server) getLive(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	t := tenantOf(c)
	snap, err := s.live.Get(c.Request.Context(), &t.Config)
	if errors.Is(err, live.ErrNoRun) {
		s.problem(c, &Error{Status: http.StatusServiceUnavailable, Type: "no-data", RetryAfter: noDataRetryAfter,
			Detail: "no ETL run has finished yet, so the live view has no data: retry after the seconds of Retry-After (GET /readyz shows the ETL)"})
		return
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	if wantsEventStream(c.GetHeader("Accept")) {
		s.streamLive(c, snap)
		return
	}
	c.Data(http.StatusOK, contentTypeJSON, snap.Body)
}

// wantsEventStream reports whether an Accept header asks for
// text/event-stream (with a q-value above 0).
func wantsEventStream(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != contentTypeEventStream {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		return true
	}
	return false
}

// streamLive writes the view at once (a client that reconnects gets the
// current state without waiting), then again after every ETL run that
// replaces it, with a comment line every liveHeartbeat. The stream ends
// with the request's time (REQUEST_TIMEOUT: the client reconnects after
// the retry delay), when the client goes away, or at shutdown.
func (s *Server) streamLive(c *gin.Context, first *live.Snapshot) {
	defer s.live.OpenStream()()
	h := c.Writer.Header()
	h.Set("Content-Type", contentTypeEventStream)
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Status(http.StatusOK)
	w := c.Writer
	write := func(parts ...string) bool {
		for _, p := range parts {
			if _, err := w.WriteString(p); err != nil {
				return false
			}
		}
		w.Flush()
		return true
	}
	event := func(snap *live.Snapshot) bool {
		body := strings.TrimSuffix(string(snap.Body), "\n")
		return write("id: ", strconv.FormatInt(snap.Run.ID, 10), "\nevent: live\ndata: ", body, "\n\n")
	}
	if !write("retry: ", strconv.FormatInt(liveRetry.Milliseconds(), 10), "\n") || !event(first) {
		return
	}
	last := first
	hb := time.NewTicker(s.liveHeartbeat)
	defer hb.Stop()
	ctx := c.Request.Context()
	tenant := first.TenantID
	for {
		cur, changed := s.live.Current(tenant)
		if cur != nil && cur.Run.ID > last.Run.ID {
			if !event(cur) {
				return
			}
			last = cur
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case <-changed:
		case <-hb.C:
			if !write(": heartbeat\n\n") {
				return
			}
		}
	}
}

// CloseStreams ends the open streams (at shutdown: http.Server.Shutdown
// waits for handlers, and a stream would otherwise run until
// REQUEST_TIMEOUT). `sqi serve` registers it with RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}
