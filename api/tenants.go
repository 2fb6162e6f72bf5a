package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/store"
)

// TenantInfo is one tenant of GET /v1/tenants.
type TenantInfo struct {
	TenantID   string `json:"tenant_id"`
	Name       string `json:"name"`
	TimeZone   string `json:"timezone"`
	Locale     string `json:"locale"`
	Configured bool   `json:"configured"`
	// ConfigErrors lists the problems of a stored configuration that no
	// longer validates (each naming its field); the tenant's routes answer
	// 409 until a valid one is put. Absent when valid.
	ConfigErrors []string `json:"config_errors,omitempty"`
}

// TenantsBody is the JSON body of GET /v1/tenants.
type TenantsBody struct {
	Tenants []TenantInfo `json:"tenants"`
}

func tenantInfo(t store.Tenant) TenantInfo {
	info := TenantInfo{TenantID: t.Config.TenantID, Name: t.Config.Name, TimeZone: t.Config.TimeZone,
		Locale: t.Config.Locale, Configured: t.Configured}
	if t.Invalid != nil {
		info.ConfigErrors = configProblem(t.Invalid.Err).Errors
	}
	return info
}

// listTenants answers GET /v1/tenants: the tenants the key sees, by id;
// a reader sees its own tenant only.
func (s *Server) listTenants(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	p, _ := principalOf(c)
	out := []TenantInfo{}
	if p.Role == RoleAdmin {
		ts, err := s.read.Tenants(c.Request.Context())
		if err != nil {
			s.problem(c, err)
			return
		}
		for _, t := range ts {
			out = append(out, tenantInfo(t))
		}
	} else {
		t, err := s.tenant(c.Request.Context(), p.TenantID)
		var bad *store.ConfigError
		switch {
		case errors.Is(err, store.ErrNotFound):
		case errors.As(err, &bad):
			out = append(out, tenantInfo(store.Tenant{Config: metrics.DefaultConfig(p.TenantID), Configured: true, Invalid: bad}))
		case err != nil:
			s.problem(c, err)
			return
		default:
			out = append(out, tenantInfo(t))
		}
	}
	c.JSON(http.StatusOK, TenantsBody{Tenants: out})
}
