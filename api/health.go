package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz answers GET /healthz: the process serves HTTP.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readiness is the body of GET /readyz.
type Readiness struct {
	Status           string   `json:"status"` // "ready" or "not ready"
	Database         string   `json:"database"`
	ETLLastFinished  *string  `json:"etl_last_finished_at"`
	ETLLagSeconds    *float64 `json:"etl_lag_seconds"`
	ETLMaxLagSeconds float64  `json:"etl_max_lag_seconds"`
	Reason           string   `json:"reason,omitempty"`
}

// readyCheckTimeout bounds the database calls of /readyz, so that a
// load balancer gets an answer before its own timeout.
const readyCheckTimeout = 2 * time.Second

// readyz answers GET /readyz: 200 when the database answers and the last
// ETL run finished less than ReadyMaxETLLag ago; 503 with the reason
// otherwise.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyCheckTimeout)
	defer cancel()
	r := Readiness{Status: "ready", Database: "ok", ETLMaxLagSeconds: s.cfg.ReadyMaxETLLag.Seconds()}
	notReady := func(reason string) {
		r.Status, r.Reason = "not ready", reason
		c.JSON(http.StatusServiceUnavailable, r)
	}
	// The causes go to the log, not to the body: /readyz needs no key,
	// and a connection error names hosts and users.
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "request_id", requestIDOf(c), "err", err)
		r.Database = "unreachable"
		notReady("the database does not answer within " + readyCheckTimeout.String() + " (the cause is in the service's log)")
		return
	}
	if s.read != s.store {
		if err := s.read.Ping(ctx); err != nil {
			s.log.Warn("not ready", "request_id", requestIDOf(c), "err", err)
			r.Database = "read database unreachable"
			notReady("the read database (READ_DATABASE_URL) does not answer within " + readyCheckTimeout.String() + " (the cause is in the service's log)")
			return
		}
	}
	run, found, err := s.read.LastETLRun(ctx)
	if err != nil {
		s.log.Warn("not ready", "request_id", requestIDOf(c), "err", err)
		notReady("the last ETL run cannot be read (the cause is in the service's log)")
		return
	}
	if found {
		at := run.FinishedAt.UTC().Format(time.RFC3339)
		lag := s.now().Sub(run.FinishedAt).Seconds()
		r.ETLLastFinished, r.ETLLagSeconds = &at, &lag
	}
	if s.cfg.ReadyMaxETLLag > 0 {
		if !found {
			notReady("no ETL run has finished yet")
			return
		}
		if lag := s.now().Sub(run.FinishedAt); lag > s.cfg.ReadyMaxETLLag {
			notReady(fmt.Sprintf("the last ETL run finished %s ago, more than READY_MAX_ETL_LAG %s", lag.Round(time.Second), s.cfg.ReadyMaxETLLag))
			return
		}
	}
	c.JSON(http.StatusOK, r)
}
