package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"sqi/api"
	"sqi/metrics"
	"sqi/store"
)

// The Data quality page: the rejects of /rejects for a range by reason,
// and by reason and day (the same route, day by day, for ranges of up to
// qualityMaxDays days).

const qualityMaxDays = 31

type qualityView struct {
	Base    string
	From    string
	To      string
	Errors  map[string]string
	Range   string
	Total   string
	Reasons []reasonView
	Days    []dayView
	ByDay   bool
	Downs   []download
}

type reasonView struct {
	Reason, Label, Kind, Count, Raw string
}

type dayView struct {
	Date   string
	Counts []string
	Total  string
	Raw    []int64
}

// qualityPage is GET /t/{tenant}/quality.
func (a *App) qualityPage(c *gin.Context) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	tx := texts[lang]
	today := a.today(&t.Config)
	v := &qualityView{Base: t.Base, From: c.Query("from"), To: c.Query("to"), Errors: map[string]string{}}
	if _, ok := c.GetQuery("from"); !ok {
		v.From, v.To = today.AddDate(0, 0, -13).Format(metrics.DateLayout), today.Format(metrics.DateLayout)
	}
	var total api.RejectsBody
	err := a.get(c, s, tenantPath(t.ID, "rejects"), url.Values{"from": {v.From}, "to": {v.To}}, &total)
	if e, ok := asAPIError(err); ok && e.Status == http.StatusBadRequest {
		v.Errors[e.Param] = e.Detail
		a.render(c, http.StatusBadRequest, "quality", &page{Title: "qualityTitle", Body: v, Nav: "quality"})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	v.Range = formatDateText(total.From, lang) + " – " + formatDateText(total.To, lang)
	v.Total = formatInt(total.Total, lang)
	type rk struct{ reason, kind string }
	var cols []rk
	for _, r := range total.Rejects {
		cols = append(cols, rk{r.Reason, r.Kind})
		v.Reasons = append(v.Reasons, reasonView{Reason: r.Reason, Label: labelOr(tx, "reason_"+r.Reason, r.Reason),
			Kind: tx["kind_"+r.Kind], Count: formatInt(r.Count, lang), Raw: formatInt(r.Count, "en")})
	}
	v.Downs = []download{{tx["dlCSV"], withQuery(t.Base+"/download/rejects", url.Values{"from": {total.From}, "to": {total.To}, "format": {"csv"}})}}
	from, _ := time.Parse(metrics.DateLayout, total.From)
	to, _ := time.Parse(metrics.DateLayout, total.To)
	days := int(to.Sub(from).Hours()/24) + 1
	if days <= qualityMaxDays && len(cols) > 0 {
		v.ByDay = true
		bodies := make([]api.RejectsBody, days)
		g, _ := errgroup.WithContext(c.Request.Context())
		g.SetLimit(4)
		for i := range days {
			d := from.AddDate(0, 0, i).Format(metrics.DateLayout)
			g.Go(func() error {
				return a.get(c, s, tenantPath(t.ID, "rejects"), url.Values{"from": {d}, "to": {d}}, &bodies[i])
			})
		}
		if err := g.Wait(); err != nil {
			a.fail(c, err)
			return
		}
		for i, b := range bodies {
			dv := dayView{Date: formatDate(from.AddDate(0, 0, i), lang), Total: formatInt(b.Total, lang)}
			for _, col := range cols {
				var n int64
				if j := slices.IndexFunc(b.Rejects, func(r store.RejectCount) bool {
					return r.Reason == col.reason && r.Kind == col.kind
				}); j >= 0 {
					n = b.Rejects[j].Count
				}
				dv.Counts = append(dv.Counts, formatInt(n, lang))
				dv.Raw = append(dv.Raw, n)
			}
			v.Days = append(v.Days, dv)
		}
	}
	a.render(c, http.StatusOK, "quality", &page{Title: "qualityTitle", Body: v, Nav: "quality"})
}
