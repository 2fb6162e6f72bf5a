package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"sqi/store"
)

// TenantInfo is one tenant of GET /v1/tenants.
type TenantInfo struct {
	TenantID   string `json:"tenant_id"`
	Name       string `json:"name"`
	TimeZone   string `json:"timezone"`
	Locale     string `json:"locale"`
	Configured bool   `json:"configured"`
}

func tenantInfo(t store.Tenant) TenantInfo {
	return TenantInfo{t.Config.TenantID, t.Config.Name, t.Config.TimeZone, t.Config.Locale, t.Configured}
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
		ts, err := s.store.Tenants(c.Request.Context())
		if err != nil {
			s.problem(c, err)
			return
		}
		for _, t := range ts {
			out = append(out, tenantInfo(t))
		}
	} else {
		t, err := s.store.Tenant(c.Request.Context(), p.TenantID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			s.problem(c, err)
			return
		default:
			out = append(out, tenantInfo(t))
		}
	}
	c.JSON(http.StatusOK, gin.H{"tenants": out})
}
