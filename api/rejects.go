package api

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/store"
)

// RejectsBody is the JSON body of GET /v1/tenants/{t}/rejects.
type RejectsBody struct {
	TenantID string              `json:"tenant_id"`
	From     string              `json:"from"`
	To       string              `json:"to"`
	TimeZone string              `json:"timezone"`
	Total    int64               `json:"total"`
	Rejects  []store.RejectCount `json:"rejects"`
}

// getRejects answers GET /v1/tenants/{t}/rejects: the rejected events
// (kind "event") and contradictory rooms (kind "room") of the rooms opened
// in the range, counted by reason (docs/metrics.md).
func (s *Server) getRejects(c *gin.Context) {
	v, err := queryParams(c, "from", "to", "format")
	if err != nil {
		s.problem(c, err)
		return
	}
	format, err := parseFormat(v, rejectFormats)
	if err != nil {
		s.problem(c, err)
		return
	}
	t := tenantOf(c)
	q, err := parseRange(t.Config.TenantID, v, "")
	if err != nil {
		s.problem(c, err)
		return
	}
	start, end := metrics.DayBounds(q.From, q.To, t.Config.Location())
	counts, err := s.store.RejectCounts(c.Request.Context(), q.Tenant, start, end)
	if err != nil {
		s.problem(c, err)
		return
	}
	body := RejectsBody{
		TenantID: q.Tenant, From: q.From.Format(metrics.DateLayout), To: q.To.Format(metrics.DateLayout),
		TimeZone: t.Config.TimeZone, Rejects: []store.RejectCount{},
	}
	for _, r := range counts {
		body.Total += r.Count
		body.Rejects = append(body.Rejects, r)
	}
	if format == formatJSON {
		c.JSON(http.StatusOK, body)
		return
	}
	attachment(c, q.Tenant, "rejects", body.From, body.To, format)
	c.Header("Content-Type", contentTypeCSV)
	c.Status(http.StatusOK)
	cw := csv.NewWriter(c.Writer)
	cw.UseCRLF = true
	_ = cw.Write([]string{"reason", "kind", "count"})
	for _, r := range body.Rejects {
		_ = cw.Write([]string{r.Reason, r.Kind, strconv.FormatInt(r.Count, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.problem(c, err)
	}
}
