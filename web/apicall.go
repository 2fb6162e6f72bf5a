package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"sqi/api"
)

// Every number, list and check of a page is the API's: a page asks the
// API's routes for its session's principal (api.Server.ServeAs) and shows
// the answer. So the web app computes nothing itself, and what it shows
// is what GET /v1/… answers the same person, byte for byte.

// apiError is a problem document of the API, for the page to show (the
// status it answers with, and the parameter at fault beside its field).
type apiError struct {
	api.Problem
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Detail) }

// buffer is the response of an API request made for a page.
type buffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header { return b.header }

func (b *buffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *buffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// Flush is there for the handlers that flush (a JSON stream).
func (b *buffer) Flush() {}

// apiRequest makes the request of an API call for the page of c: the
// client's address (for the API's log), the request id, and nothing of
// the browser's (no cookie, no Authorization).
func apiRequest(c *gin.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	target := path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequestWithContext(c.Request.Context(), method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("api request %s: %w", path, err)
	}
	r.RemoteAddr = c.Request.RemoteAddr
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if id := c.Writer.Header().Get("X-Request-ID"); id != "" {
		r.Header.Set("X-Request-ID", id)
	}
	return r, nil
}

// call asks the API for path with the query q (and a JSON body) as the
// session's principal and decodes a JSON answer into out; a problem
// document is returned as an *apiError.
func (a *App) call(c *gin.Context, s *session, method, path string, q url.Values, body []byte, out any) error {
	r, err := apiRequest(c, method, path, q, body)
	if err != nil {
		return err
	}
	b := &buffer{header: http.Header{}}
	a.api.ServeAs(s.principal, b, r)
	return decodeAnswer(b, path, out)
}

// get is call of a GET.
func (a *App) get(c *gin.Context, s *session, path string, q url.Values, out any) error {
	return a.call(c, s, http.MethodGet, path, q, nil, out)
}

func decodeAnswer(b *buffer, path string, out any) error {
	ct := b.header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/problem+json") {
		var p api.Problem
		if err := json.Unmarshal(b.body.Bytes(), &p); err != nil {
			return fmt.Errorf("api %s: problem document: %w", path, err)
		}
		return &apiError{p}
	}
	if b.status != http.StatusOK && b.status != http.StatusCreated {
		return fmt.Errorf("api %s: status %d", path, b.status)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b.body.Bytes(), out); err != nil {
		return fmt.Errorf("api %s: decode: %w", path, err)
	}
	return nil
}

// asAPIError returns err's problem document, if it is one.
func asAPIError(err error) (*apiError, bool) {
	var e *apiError
	ok := errors.As(err, &e)
	return e, ok
}

// tenantPath is the API path of a tenant's route.
func tenantPath(tenant string, parts ...string) string {
	p := "/v1/tenants/" + url.PathEscape(tenant)
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// ctxDone reports whether the page's request is gone.
func ctxDone(ctx context.Context) bool { return ctx.Err() != nil }
