package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

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

// putConfig answers PUT /v1/tenants/{t}/config (admin): the body replaces
// the configuration, fields left out taking the defaults of docs/metrics.md, as
// `sqi tenant put` does. The whole document is checked and every problem
// is answered at once. tenant_id may be left out; given, it must be the
// path's. A new tenant answers 201.
func (s *Server) putConfig(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			s.problem(c, &Error{Status: http.StatusUnsupportedMediaType, Type: "unsupported-media-type",
				Detail: "send the configuration as Content-Type: application/json"})
			return
		}
	}
	raw, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if err != nil && !errors.As(err, &tooLarge) {
		// The client sent less than it announced, or went away.
		s.problem(c, &Error{Status: http.StatusBadRequest, Type: "truncated-body", Err: err,
			Detail: "the request body ended before its end (" + err.Error() + "): send the whole configuration document"})
		return
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	id := c.Param("tenant")
	raw, err = withTenantID(raw, id)
	if err != nil {
		s.problem(c, err)
		return
	}
	cfg, err := metrics.ParseConfig(raw)
	if err != nil {
		s.problem(c, configProblem(err))
		return
	}
	if cfg.HasMasks() {
		// A document read with GET config: its masked webhook secrets and
		// URLs stand for the stored ones (read on the primary).
		var stored *metrics.Config
		t, err := s.store.Tenant(c.Request.Context(), id)
		var bad *store.ConfigError
		switch {
		case err == nil:
			stored = &t.Config
		case errors.Is(err, store.ErrNotFound) || errors.As(err, &bad):
		default:
			s.problem(c, err)
			return
		}
		if err := cfg.RestoreSecrets(stored); err != nil {
			s.problem(c, configProblem(err))
			return
		}
	}
	if err := s.store.PutTenant(c.Request.Context(), cfg); err != nil {
		s.problem(c, err)
		return
	}
	status := http.StatusOK
	if tenantOf(c) == nil {
		status = http.StatusCreated
		c.Header("Location", "/v1/tenants/"+id+"/config")
	}
	writeConfig(c, status, cfg)
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
