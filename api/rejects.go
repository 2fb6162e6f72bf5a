package api

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"slices"
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
// in the range, counted by reason (docs/metrics.md), and the tenant's events
// that occurred in the range with a room id the API cannot address
// (bad_room_id, metrics.ValidRoomID).
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
	q, err := parseRange(c.Param("tenant"), v, "")
	if err != nil {
		s.problem(c, err)
		return
	}
	start, end := metrics.DayBounds(q.From, q.To, t.Config.Location())
	counts, err := s.read.RejectCounts(c.Request.Context(), q.Tenant, start, end)
	if err != nil {
		s.problem(c, err)
		return
	}
	feed, err := s.read.FeedRejectCounts(c.Request.Context(), q.Tenant, start, end)
	if err != nil {
		s.problem(c, err)
		return
	}
	counts = append(counts, feed...)
	slices.SortFunc(counts, func(a, b store.RejectCount) int {
		return cmp.Or(cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Kind, b.Kind))
	})
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

// maxFeedRejectGroups bounds the answer of GET /v1/feed-rejects.
const maxFeedRejectGroups = 1000

// FeedRejectsBody is the JSON body of GET /v1/feed-rejects.
type FeedRejectsBody struct {
	Groups []store.FeedRejectGroup `json:"groups"`
}

// getFeedRejects answers GET /v1/feed-rejects (admin): the events of the
// feed whose tenant or room id the API cannot address (bad_tenant_id,
// bad_room_id), which the ETL turned into no facts, by tenant id and
// reason, the most recently seen first. A bad tenant id belongs to no
// tenant, so only an admin sees them.
func (s *Server) getFeedRejects(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	groups, err := s.read.FeedRejectGroups(c.Request.Context(), maxFeedRejectGroups)
	if err != nil {
		s.problem(c, err)
		return
	}
	c.JSON(http.StatusOK, FeedRejectsBody{Groups: groups})
}
