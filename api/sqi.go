package api

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
)

// getSQI answers GET /v1/tenants/{t}/sqi: the rows of docs/metrics.md, one per
// group. The JSON body is query.Result.WriteJSON's, the same bytes as
// `sqi stats`; CSV is WriteCSV's; Arrow, Parquet and xlsx carry the same
// columns, named as the CSV header.
func (s *Server) getSQI(c *gin.Context) {
	v, err := queryParams(c, "from", "to", "group_by", "format", "escape", "hours")
	if err != nil {
		s.problem(c, err)
		return
	}
	format, err := parseFormat(v, tableFormats)
	if err != nil {
		s.problem(c, err)
		return
	}
	csvOpts, err := parseCSVOptions(v, format)
	if err != nil {
		s.problem(c, err)
		return
	}
	t := tenantOf(c)
	q, err := parseRange(c.Param("tenant"), v, v.Get("group_by"))
	if err != nil {
		s.problem(c, err)
		return
	}
	res, err := s.stats(c.Request.Context(), &t.Config, q)
	if err != nil {
		s.problem(c, err)
		return
	}
	var write func(io.Writer) error
	switch format {
	case formatJSON:
		write = res.WriteJSON
	case formatCSV:
		write = func(w io.Writer) error { return res.WriteCSV(w, csvOpts) }
	case formatArrow:
		write = res.WriteArrow
	case formatParquet:
		write = res.WriteParquet
	case formatXLSX:
		write = res.WriteXLSX
	}
	from, to := q.From.Format(metrics.DateLayout), q.To.Format(metrics.DateLayout)
	if format != formatJSON {
		attachment(c, q.Tenant, "sqi", from, to, format)
	}
	c.Header("Content-Type", contentTypes[format])
	c.Status(http.StatusOK)
	if err := write(c.Writer); err != nil {
		s.problem(c, err)
	}
}

var contentTypes = map[string]string{
	formatJSON: contentTypeJSON, formatCSV: contentTypeCSV, formatArrow: contentTypeArrow,
	formatParquet: contentTypeParquet, formatXLSX: contentTypeXLSX,
}

// rowWriter is how a table's rows reach a TableWriter (Result.WriteRows or
// the room stream).
type rowWriter func(export.Writer) error
