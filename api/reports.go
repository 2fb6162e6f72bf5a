package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
	"sqi/store"
)

// getDailyReport answers GET /v1/tenants/{t}/reports/daily/{date}: the
// workbook of docs/reports.md, made by the DailyReports. The workbook is built
// whole before the first byte is sent (a day of one tenant is small), so a
// failure is a problem document, never half a file.
func (s *Server) getDailyReport(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	id := c.Param("tenant")
	day, err := metrics.ParseDate(c.Param("date"))
	if err != nil {
		s.problem(c, &Error{Status: http.StatusBadRequest, Type: "invalid-parameter", Param: "date",
			Detail: fmt.Sprintf("date %s is not a date: give the local day of the report as YYYY-MM-DD", quote(c.Param("date")))})
		return
	}
	if s.reports == nil {
		s.problem(c, &Error{Status: http.StatusServiceUnavailable, Type: "reports-unavailable",
			Detail: "daily reports are not configured on this server; run sqi report daily --tenant T --date D or ask the operator"})
		return
	}
	var buf bytes.Buffer
	if err := s.reports.WriteDaily(c.Request.Context(), id, day, &buf); err != nil {
		var bad *store.ConfigError
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = notFoundTenant(id)
		case errors.As(err, &bad):
			err = storedConfigProblem(bad)
		}
		s.problem(c, err)
		return
	}
	date := day.Format(metrics.DateLayout)
	name := export.FileName(id, "daily", date, date, "xlsx")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, contentTypeXLSX, buf.Bytes())
}
