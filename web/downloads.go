package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
)

// Downloads are the API's files, served to the session: /t/{t}/download/sqi
// and /download/rooms take the parameters of /sqi and /rooms (format,
// lang, bom…), /download/rejects those of /rejects, and /download/report
// the kind and the date of a workbook. The API answers them as it answers
// a key: the same file, with Content-Length, HEAD, ranges and ETag.

// downloadRoutes map the download's name to the API's route.
var downloadRoutes = map[string]string{"sqi": "sqi", "rooms": "rooms", "rejects": "rejects"}

type downloadsView struct {
	Base                   string
	Yesterday, Monday      string
	Month                  string
	Trends, Rooms, Quality string
}

// downloadsPage is GET /t/{tenant}/downloads: the reports, and where the
// tables are downloaded (each page offers its own).
func (a *App) downloadsPage(c *gin.Context) {
	t := tenantOf(c)
	today := a.today(&t.Config)
	y := today.AddDate(0, 0, -1)
	monday := today.AddDate(0, 0, -int((today.Weekday()+6)%7)-7)
	lastMonth := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	v := &downloadsView{Base: t.Base, Yesterday: y.Format(metrics.DateLayout), Monday: monday.Format(metrics.DateLayout),
		Month: lastMonth.Format("2006-01"), Trends: t.Base + "/trends", Rooms: t.Base + "/rooms", Quality: t.Base + "/quality"}
	a.render(c, http.StatusOK, "downloads", &page{Title: "downloadsTitle", Body: v, Nav: "downloads"})
}

// download is GET and HEAD /t/{tenant}/download/{what}: the API's file
// for the session. A problem of the API (a bad date, a range too long)
// is shown as a page.
func (a *App) download(c *gin.Context) {
	t := tenantOf(c)
	what := strings.Trim(c.Param("what"), "/")
	q := c.Request.URL.Query()
	var path string
	if route, ok := downloadRoutes[what]; ok {
		path = tenantPath(t.ID, route)
	} else if what == "report" {
		kind, date := q.Get("kind"), q.Get("date")
		switch kind {
		case "daily", "weekly":
		case "monthly":
			date = q.Get("month")
		default:
			a.errorPage(c, http.StatusNotFound, "notFound", "")
			return
		}
		path = tenantPath(t.ID, "reports", kind, url.PathEscape(date))
		q = nil
	} else {
		a.errorPage(c, http.StatusNotFound, "notFound", "")
		return
	}
	r, err := apiRequest(c, c.Request.Method, path, q, nil)
	if err != nil {
		a.fail(c, err)
		return
	}
	for _, h := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since"} {
		if v := c.GetHeader(h); v != "" {
			r.Header.Set(h, v)
		}
	}
	w := &problemCatcher{ResponseWriter: c.Writer}
	a.api.ServeAs(sessionOf(c).principal, w, r)
	if w.problem != nil {
		var p api.Problem
		_ = json.Unmarshal(w.problem.Bytes(), &p)
		c.Writer.Header().Del("Content-Type")
		c.Writer.Header().Del("Content-Disposition")
		a.fail(c, &apiError{p})
		return
	}
	c.Abort()
}

// problemCatcher passes an answer through, except a problem document,
// which it keeps for the page to show instead.
type problemCatcher struct {
	http.ResponseWriter
	problem *bytes.Buffer
	status  int
}

func (w *problemCatcher) WriteHeader(code int) {
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
		w.problem, w.status = &bytes.Buffer{}, code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *problemCatcher) Write(b []byte) (int, error) {
	if w.problem == nil && strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
		w.problem = &bytes.Buffer{}
	}
	if w.problem != nil {
		return w.problem.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *problemCatcher) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok && w.problem == nil {
		f.Flush()
	}
}
