package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/store"
)

// getConfig answers GET /v1/tenants/{t}/config: the tenant's configuration
// document (docs/metrics.md), the defaults for a tenant only seen in the events;
// the same JSON as `sqi tenant get`.
func (s *Server) getConfig(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	writeConfig(c, http.StatusOK, tenantOf(c).Config)
}

// writeConfig writes a configuration as it may be shown: webhook secrets
// and URLs masked (metrics.Config.Masked).
func writeConfig(c *gin.Context, status int, cfg metrics.Config) {
	b, _ := json.MarshalIndent(cfg.Masked(), "", "  ")
	c.Data(status, contentTypeJSON, append(b, '\n'))
}

// putConfig answers PUT /v1/tenants/{t}/config (a manager of the tenant or
// an admin): the body replaces
// the configuration, fields left out taking the defaults of docs/metrics.md, as
// `sqi tenant put` does. The whole document is checked and every problem
// is answered at once. tenant_id may be left out; given, it must be the
// path's. A new tenant answers 201.
func (s *Server) putConfig(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	cfg, err := s.readConfig(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	id := c.Param("tenant")
	if err := s.store.PutTenant(c.Request.Context(), cfg); err != nil {
		s.problem(c, err)
		return
	}
	// This server forgets the old configuration now; the others when
	// PostgreSQL's notification reaches them (api/lookup.go).
	s.lookups.forget(store.Change{Kind: "tenant", ID: id}, time.Now())
	status := http.StatusOK
	if tenantOf(c) == nil {
		status = http.StatusCreated
		c.Header("Location", "/v1/tenants/"+id+"/config")
	}
	writeConfig(c, status, cfg)
}

// readConfig reads and checks the configuration document of the request
// body, as PUT and preview take it: every problem at once.
func (s *Server) readConfig(c *gin.Context) (metrics.Config, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return metrics.Config{}, &Error{Status: http.StatusUnsupportedMediaType, Type: "unsupported-media-type",
				Detail: "send the configuration as Content-Type: application/json"}
		}
	}
	raw, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if err != nil && !errors.As(err, &tooLarge) {
		// The client sent less than it announced, or went away.
		return metrics.Config{}, &Error{Status: http.StatusBadRequest, Type: "truncated-body", Err: err,
			Detail: "the request body ended before its end (" + err.Error() + "): send the whole configuration document"}
	}
	if err != nil {
		return metrics.Config{}, err
	}
	raw, err = withTenantID(raw, c.Param("tenant"))
	if err != nil {
		return metrics.Config{}, err
	}
	cfg, err := metrics.ParseConfig(raw)
	if err != nil {
		return metrics.Config{}, configProblem(err)
	}
	if cfg.HasMasks() {
		// A document read with GET config: its masked webhook secrets and
		// URLs stand for the stored ones (read on the primary).
		var stored *metrics.Config
		t, err := s.store.Tenant(c.Request.Context(), c.Param("tenant"))
		var bad *store.ConfigError
		switch {
		case err == nil:
			stored = &t.Config
		case errors.Is(err, store.ErrNotFound) || errors.As(err, &bad):
		default:
			return metrics.Config{}, err
		}
		if err := cfg.RestoreSecrets(stored); err != nil {
			return metrics.Config{}, configProblem(err)
		}
	}
	return cfg, nil
}

// PreviewBody is the JSON body of POST /v1/tenants/{t}/config/preview: the
// /sqi bodies of the range, in total and by day, under the stored
// configuration (current) and under the posted one (preview).
type PreviewBody struct {
	TenantID string      `json:"tenant_id"`
	From     string      `json:"from"`
	To       string      `json:"to"`
	Current  PreviewPart `json:"current"`
	Preview  PreviewPart `json:"preview"`
}

// PreviewPart is the SQI of the range under one configuration: the /sqi
// bodies with no group_by and with group_by=day.
type PreviewPart struct {
	Total json.RawMessage `json:"total"`
	ByDay json.RawMessage `json:"by_day"`
}

// previewConfig answers POST /v1/tenants/{t}/config/preview?from=&to= (a
// manager of the tenant or an admin): what the SQI of the range would be
// under the posted configuration, checked as PUT checks it, beside what it
// is under the stored one. Nothing is saved. Both come from the query
// engine, whose cache keys partials by configuration fingerprint, so the
// posted configuration's numbers are its own.
func (s *Server) previewConfig(c *gin.Context) {
	v, err := queryParams(c, "from", "to")
	if err != nil {
		s.problem(c, err)
		return
	}
	q, err := parseRange(c.Param("tenant"), v, "")
	if err != nil {
		s.problem(c, err)
		return
	}
	proposed, err := s.readConfig(c)
	if err != nil {
		s.problem(c, err)
		return
	}
	body := PreviewBody{TenantID: q.Tenant, From: q.From.Format(metrics.DateLayout), To: q.To.Format(metrics.DateLayout)}
	for _, side := range []struct {
		cfg *metrics.Config
		out *PreviewPart
	}{{&tenantOf(c).Config, &body.Current}, {&proposed, &body.Preview}} {
		for _, g := range []struct {
			groupBy []string
			out     *json.RawMessage
		}{{[]string{}, &side.out.Total}, {[]string{"day"}, &side.out.ByDay}} {
			q.GroupBy = g.groupBy
			res, err := s.stats(c.Request.Context(), side.cfg, q)
			if err != nil {
				s.problem(c, err)
				return
			}
			var buf bytes.Buffer
			if err := res.WriteJSON(&buf); err != nil {
				s.problem(c, err)
				return
			}
			*g.out = bytes.TrimSpace(buf.Bytes())
		}
	}
	c.JSON(http.StatusOK, body)
}

// withTenantID puts the path's tenant id into a configuration document
// that has none, and refuses one that names another tenant.
func withTenantID(raw []byte, id string) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		detail := "the body is not a JSON object: send the configuration document of docs/metrics.md"
		if err != nil {
			detail = "the body is not a JSON object (" + err.Error() + "): send the configuration document of docs/metrics.md"
		}
		return nil, &Error{Status: http.StatusBadRequest, Type: "invalid-configuration", Detail: detail, Errors: []string{detail}}
	}
	if v, ok := doc["tenant_id"]; ok {
		var got string
		if err := json.Unmarshal(v, &got); err != nil || got != id {
			detail := fmt.Sprintf("tenant_id %s is not the tenant of the path %s: leave it out or give %s", quote(string(v)), quote(id), quote(id))
			return nil, &Error{Status: http.StatusBadRequest, Type: "invalid-configuration", Param: "tenant_id", Detail: detail, Errors: []string{detail}}
		}
		return raw, nil
	}
	doc["tenant_id"], _ = json.Marshal(id)
	return json.Marshal(doc)
}

// configProblem lists every problem of a configuration document.
func configProblem(err error) *Error {
	var list []string
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			list = append(list, e.Error())
		}
	} else {
		list = []string{err.Error()}
	}
	detail := list[0]
	if len(list) > 1 {
		detail = fmt.Sprintf("the configuration has %d problems: %s", len(list), strings.Join(list, "; "))
	}
	return &Error{Status: http.StatusBadRequest, Type: "invalid-configuration", Detail: detail, Errors: list}
}
