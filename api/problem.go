package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/query"
	"sqi/store"
)

// Error is an error the API answers with: a status and an RFC 9457
// problem document. Handlers return it (or a *query.ParamError) and
// problem writes it; every other error is a 500.
type Error struct {
	Status     int
	Type       string   // slug of the problem type, urn:sqi:problem:<Type>
	Detail     string   // what happened and what to change
	Param      string   // the parameter at fault
	Errors     []string // every problem of a document (PUT config)
	RetryAfter time.Duration
	Err        error // the cause, logged for a 5xx
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Detail + ": " + e.Err.Error()
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// titles are the titles of the problem types, documented in docs/api.md.
var titles = map[string]string{
	"invalid-parameter":            "A parameter is not valid",
	"invalid-configuration":        "The configuration is not valid",
	"unauthorized":                 "A valid API key is needed",
	"forbidden":                    "The API key may not do this",
	"not-found":                    "Not found",
	"method-not-allowed":           "Method not allowed",
	"rate-limited":                 "Too many requests",
	"body-too-large":               "The request body is too large",
	"unsupported-media-type":       "Unsupported media type",
	"reports-unavailable":          "Reports are not configured",
	"range-not-satisfiable":        "The range is not within the file",
	"too-many-concurrent":          "Too many expensive requests at once",
	"saturated":                    "The server is saturated",
	"database-unavailable":         "The database is unavailable",
	"invalid-stored-configuration": "The tenant's stored configuration is not valid",
	"truncated-body":               "The request body is incomplete",
	"timeout":                      "The request took too long",
	"no-data":                      "No data yet",
	"internal":                     "Internal error",
}

// unavailableRetryAfter is the Retry-After of an answer given while the
// database is away: about the time PostgreSQL takes to restart.
const unavailableRetryAfter = 5 * time.Second

// problemType is the URI of a problem type.
func problemType(slug string) string { return "urn:sqi:problem:" + slug }

// Problem is the RFC 9457 document, with the request id and, where they
// apply, the parameter at fault and the list of problems as extensions.
type Problem struct {
	Type      string   `json:"type"`
	Title     string   `json:"title"`
	Status    int      `json:"status"`
	Detail    string   `json:"detail"`
	Instance  string   `json:"instance"`
	RequestID string   `json:"request_id"`
	Param     string   `json:"param,omitempty"`
	Errors    []string `json:"errors,omitempty"`
}

// asError maps any error to the answer it gets.
func (s *Server) asError(c *gin.Context, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var pe *query.ParamError
	if errors.As(err, &pe) {
		return paramProblem(pe)
	}
	if errors.Is(err, query.ErrTooManyRows) {
		return &Error{Status: http.StatusUnprocessableEntity, Type: "too-many-rows", Param: "group_by",
			Detail: fmt.Sprintf("the answer would have more than %d rows: ask for a shorter range (from, to) or group by fewer keys", s.cfg.MaxRows)}
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Type: "body-too-large",
			Detail: fmt.Sprintf("the request body is over %d bytes: send a smaller document", mb.Limit)}
	}
	if store.Unavailable(err) {
		return &Error{Status: http.StatusServiceUnavailable, Type: "database-unavailable", Err: err, RetryAfter: unavailableRetryAfter,
			Detail: "the service's database does not answer (GET /readyz says why): retry after the seconds of Retry-After"}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(c.Request.Context().Err(), context.DeadlineExceeded) {
		return &Error{Status: http.StatusServiceUnavailable, Type: "timeout", Err: err, RetryAfter: unavailableRetryAfter,
			Detail: fmt.Sprintf("the request took longer than %s: ask for a shorter range or fewer groups", s.cfg.RequestTimeout)}
	}
	return &Error{Status: http.StatusInternalServerError, Type: "internal", Err: err,
		Detail: "an internal error occurred; the request id identifies it in the service's log"}
}

// paramProblem is the answer to a bad parameter: 400, naming it.
func paramProblem(pe *query.ParamError) *Error {
	detail := pe.Detail
	if !strings.Contains(detail, pe.Param) {
		detail = pe.Param + ": " + detail
	}
	return &Error{Status: http.StatusBadRequest, Type: "invalid-parameter", Param: pe.Param, Detail: detail}
}

// problem answers err as problem JSON: the one place where an error
// becomes a response. Only 5xx are logged (with their cause); a client
// that went away is not an error of ours. When the response has begun (a
// stream failed half-way) a problem can no longer be sent: the connection
// is aborted so that the client sees a broken transfer, not a short file.
func (s *Server) problem(c *gin.Context, err error) {
	e := s.asError(c, err)
	id := requestIDOf(c)
	// A client that closed the connection: whatever failed after that (a
	// write to it: broken pipe, connection reset) is not an outage of ours,
	// nor news for whoever watches the warnings.
	gone := errors.Is(c.Request.Context().Err(), context.Canceled)
	switch {
	case gone:
		s.log.Info("client went away", "request_id", id, "path", c.Request.URL.Path, "err", err)
	case e.Status < 500:
	case e.Type == "database-unavailable" || e.Type == "saturated":
		s.log.Warn("request refused", "request_id", id, "method", c.Request.Method,
			"route", c.FullPath(), "status", e.Status, "type", e.Type, "err", err)
	default:
		s.log.Error("request failed", "request_id", id, "method", c.Request.Method,
			"route", c.FullPath(), "status", e.Status, "err", err)
	}
	c.Error(err) //nolint:errcheck // recorded for the request log
	if c.Writer.Written() {
		if !gone {
			s.log.Warn("response aborted after it began", "request_id", id, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	title := titles[e.Type]
	if title == "" {
		title = http.StatusText(e.Status)
	}
	p := Problem{
		Type: problemType(e.Type), Title: title, Status: e.Status, Detail: e.Detail,
		Instance: c.Request.URL.Path, RequestID: id, Param: e.Param, Errors: e.Errors,
	}
	h := c.Writer.Header()
	for _, k := range []string{"Content-Disposition", "Content-Length"} {
		h.Del(k)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="sqi"`)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if e.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
	}
	body, _ := json.Marshal(p)
	c.Data(e.Status, "application/problem+json", append(body, '\n'))
	c.Abort()
}
