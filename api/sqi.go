package api

import (
	"io"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
)

// getSQI answers GET and HEAD /v1/tenants/{t}/sqi: the rows of
// docs/metrics.md, one per group (or per group and metric, shape=long),
// with their previous values (compare). The JSON body is
// query.Result.WriteJSON's, the same bytes as `sqi stats`; CSV is
// WriteCSV's; Arrow, Parquet and xlsx carry the same columns, named as the
// CSV header. JSON is streamed; the files are served from a rendered file
// (serveFile), with Content-Length and byte ranges.
func (s *Server) getSQI(c *gin.Context) {
	v, err := queryParams(c, sqiParams...)
	if err != nil {
		s.problem(c, err)
		return
	}
	format, opts, q, err := checkSQI(c.Param("tenant"), v)
	if err != nil {
		s.problem(c, err)
		return
	}
	t := tenantOf(c)
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
		write = func(w io.Writer) error { return res.WriteCSV(w, opts.csv) }
	case formatArrow:
		write = res.WriteArrow
	case formatParquet:
		write = res.WriteParquet
	case formatXLSX:
		write = func(w io.Writer) error { return res.WriteXLSX(w, opts.xlsx) }
	}
	from, to := q.From.Format(metrics.DateLayout), q.To.Format(metrics.DateLayout)
	if format == formatJSON && c.Request.Method == http.MethodGet {
		c.Header("Content-Type", contentTypes[format])
		c.Status(http.StatusOK)
		if err := write(c.Writer); err != nil {
			s.problem(c, err)
		}
		return
	}
	if format != formatJSON {
		attachment(c, q.Tenant, "sqi", from, to, format)
	}
	s.serveFile(c, contentTypes[format], write)
}

// sqiParams are the parameters of /sqi.
var sqiParams = []string{"from", "to", "group_by", "format", "escape", "bom", "lang", "hours", "compare", "shape"}

// checkSQI checks the parameters of /sqi: everything but the tenant's
// data, before anything is computed.
func checkSQI(tenant string, v url.Values) (string, fileOptions, query.Query, error) {
	format, err := parseFormat(v, tableFormats)
	if err != nil {
		return "", fileOptions{}, query.Query{}, err
	}
	opts, err := parseFileOptions(v, format)
	if err != nil {
		return "", fileOptions{}, query.Query{}, err
	}
	q, err := parseRange(tenant, v, v.Get("group_by"))
	return format, opts, q, err
}

var contentTypes = map[string]string{
	formatJSON: contentTypeJSON, formatCSV: contentTypeCSV, formatArrow: contentTypeArrow,
	formatParquet: contentTypeParquet, formatXLSX: contentTypeXLSX,
}

// rowWriter is how a table's rows reach a TableWriter (Result.WriteRows or
// the room stream).
type rowWriter func(export.Writer) error
