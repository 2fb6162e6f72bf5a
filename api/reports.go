package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
	"sqi/store"
)

// WeeklyReports writes the weekly workbook of a tenant and the ISO week
// whose Monday is monday (docs/reports.md). A DailyReports that also
// implements it serves GET …/reports/weekly/{monday}; otherwise that route
// answers 503.
type WeeklyReports interface {
	WriteWeekly(ctx context.Context, tenantID string, monday time.Time, w io.Writer) error
}

// MonthlyReports writes the monthly workbook of a tenant and the month
// whose first day is month. A DailyReports that also implements it serves
// GET …/reports/monthly/{YYYY-MM}; otherwise that route answers 503.
type MonthlyReports interface {
	WriteMonthly(ctx context.Context, tenantID string, month time.Time, w io.Writer) error
}

// getDailyReport answers GET and HEAD /v1/tenants/{t}/reports/daily/{date}:
// the workbook of docs/reports.md, made by the DailyReports.
func (s *Server) getDailyReport(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	day, err := metrics.ParseDate(c.Param("date"))
	if err != nil {
		s.problem(c, &Error{Status: http.StatusBadRequest, Type: "invalid-parameter", Param: "date",
			Detail: fmt.Sprintf("date %s is not a date: give the local day of the report as YYYY-MM-DD", quote(c.Param("date")))})
		return
	}
	var write func(context.Context, string, io.Writer) error
	if s.reports != nil {
		write = func(ctx context.Context, id string, w io.Writer) error { return s.reports.WriteDaily(ctx, id, day, w) }
	}
	date := day.Format(metrics.DateLayout)
	s.serveReport(c, "daily", date, date, write)
}

// getWeeklyReport answers GET and HEAD …/reports/weekly/{monday}.
func (s *Server) getWeeklyReport(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	monday, err := metrics.ParseDate(c.Param("monday"))
	if err != nil || monday.Weekday() != time.Monday {
		s.problem(c, &Error{Status: http.StatusBadRequest, Type: "invalid-parameter", Param: "monday",
			Detail: fmt.Sprintf("monday %s: give the Monday of the ISO week as YYYY-MM-DD", quote(c.Param("monday")))})
		return
	}
	var write func(context.Context, string, io.Writer) error
	if wr, ok := s.reports.(WeeklyReports); ok {
		write = func(ctx context.Context, id string, w io.Writer) error { return wr.WriteWeekly(ctx, id, monday, w) }
	}
	// Named as the reports name it: by its Monday (acme_weekly_2025-03-10.xlsx).
	s.serveReport(c, "weekly", monday.Format(metrics.DateLayout), monday.Format(metrics.DateLayout), write)
}

// getMonthlyReport answers GET and HEAD …/reports/monthly/{YYYY-MM}.
func (s *Server) getMonthlyReport(c *gin.Context) {
	if _, err := queryParams(c); err != nil {
		s.problem(c, err)
		return
	}
	month, err := time.Parse("2006-01", c.Param("month"))
	if err != nil {
		s.problem(c, &Error{Status: http.StatusBadRequest, Type: "invalid-parameter", Param: "month",
			Detail: fmt.Sprintf("month %s: give the month as YYYY-MM", quote(c.Param("month")))})
		return
	}
	var write func(context.Context, string, io.Writer) error
	if mr, ok := s.reports.(MonthlyReports); ok {
		write = func(ctx context.Context, id string, w io.Writer) error { return mr.WriteMonthly(ctx, id, month, w) }
	}
	s.serveReport(c, "monthly", month.Format("2006-01"), month.Format("2006-01"), write)
}

// serveReport serves a workbook made by write (nil: this server has no
// such reports: 503). It is rendered whole before the first byte is sent,
// so a failure is a problem document, never half a file; then it is served
// as every file is (serveFile: Content-Length, HEAD, ranges).
func (s *Server) serveReport(c *gin.Context, kind, from, to string, write func(context.Context, string, io.Writer) error) {
	if write == nil {
		s.problem(c, &Error{Status: http.StatusServiceUnavailable, Type: "reports-unavailable",
			Detail: kind + " reports are not configured on this server; run sqi report " + kind + " or ask the operator"})
		return
	}
	id := c.Param("tenant")
	c.Header("Content-Disposition", `attachment; filename="`+export.FileName(id, kind, from, to, "xlsx")+`"`)
	s.serveFile(c, contentTypeXLSX, func(w io.Writer) error {
		err := write(c.Request.Context(), id, w)
		var bad *store.ConfigError
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = notFoundTenant(id)
		case errors.As(err, &bad):
			err = storedConfigProblem(bad)
		}
		return err
	})
}
