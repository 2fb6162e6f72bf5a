package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
)

// The Live page: the tenant's /live (now, today, the last 60 minutes),
// today's rooms and service level by hour (/sqi of the day by hour) and
// the alert rules that are firing (/alerts). A script listens to the
// API's stream of /live (through /live/stream, with the session) and
// after every ETL run loads the panel again (/live/panel): the numbers are
// rendered here, once, in the page's locale.

// apiRow is a row of the API (/sqi, /live's today and last_60m): keys,
// metrics, sqi, grade, components, and with a comparison previous and
// change.
type apiRow map[string]json.RawMessage

// liveBody is the body of GET /live.
type liveBody struct {
	TenantID string                     `json:"tenant_id"`
	TimeZone string                     `json:"timezone"`
	AsOf     string                     `json:"as_of"`
	Now      map[string]json.RawMessage `json:"now"`
	Today    apiRow                     `json:"today"`
	Last60m  apiRow                     `json:"last_60m"`
}

// sqiBody is the JSON body of GET /sqi.
type sqiBody struct {
	TenantID     string   `json:"tenant_id"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	TimeZone     string   `json:"timezone"`
	Hours        string   `json:"hours"`
	GroupBy      []string `json:"group_by"`
	Compare      string   `json:"compare"`
	PreviousFrom string   `json:"previous_from"`
	PreviousTo   string   `json:"previous_to"`
	Rows         []apiRow `json:"rows"`
}

// tile is one number of the page: its name (the API's), label,
// definition, the API's value as it came (Raw, for scripts and tests) and
// as it reads.
type tile struct {
	Name, Label, Def string
	Raw, Text        string
}

// liveTiles are the metrics of today and of the last 60 minutes.
var liveTiles = []string{"rooms", "answered", "service_level_pct", "abandon_rate_pct", "wait_avg_s", "reply_avg_s", "score_avg", "csat_pct"}

type liveView struct {
	Base       string
	PanelURL   string
	StreamURL  string
	WallURL    string
	NoData     bool
	AsOf       string
	AsOfRaw    string
	Now        []tile
	SQI        tile
	Grade      string
	Today      []tile
	Last60SQI  tile
	Last60     []tile
	Components []tile
	Hourly     *chart
	Firing     []alertView
	RuleCount  int
}

type alertView struct {
	Name, Metric, Value, Op, Threshold, Since, Window string
}

// metricTile is the tile of a metric (or the SQI, or a now metric) of a
// row of the API.
func metricTile(row map[string]json.RawMessage, name, lang string) tile {
	raw := row[name]
	t := tile{Name: name, Label: metricLabel(name, lang), Def: metricDef(name, lang), Raw: string(raw), Text: formatNumber(number(raw), kindOf(name), lang)}
	if len(raw) == 0 {
		t.Raw = "null"
	}
	return t
}

// metricLabel is the label of a column of the API's rows in lang: a
// metric of the catalog, a now metric, a group key or term.
func metricLabel(name, lang string) string {
	if i, ok := metrics.MetricIndex(name); ok {
		return metrics.Catalog[i].Label(lang)
	}
	if t, ok := metrics.NowTerms[name]; ok {
		return t.Label(lang)
	}
	if t, ok := metrics.Terms[name]; ok {
		return t.Label(lang)
	}
	return name
}

// metricDef is the definition of a column in lang (docs/metrics.md).
func metricDef(name, lang string) string {
	if i, ok := metrics.MetricIndex(name); ok {
		return metrics.Catalog[i].DefinitionIn(lang)
	}
	if t, ok := metrics.NowTerms[name]; ok {
		return t.DefinitionIn(lang)
	}
	if t, ok := metrics.Terms[name]; ok {
		return t.DefinitionIn(lang)
	}
	return ""
}

// livePage is GET /t/{tenant}/live (?wall=1: for a wall screen).
func (a *App) livePage(c *gin.Context) {
	v, err := a.liveView(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	p := &page{Title: "liveTitle", Body: v, Nav: "live", Wall: c.Query("wall") == "1"}
	a.render(c, http.StatusOK, "live", p)
}

// livePanel is GET /t/{tenant}/live/panel: the numbers of the Live page
// alone, which its script puts in place after every ETL run.
func (a *App) livePanel(c *gin.Context) {
	v, err := a.liveView(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	a.render(c, http.StatusOK, "livepanel", &page{Body: v, Fragment: true})
}

func (a *App) liveView(c *gin.Context) (*liveView, error) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	v := &liveView{Base: t.Base, PanelURL: t.Base + "/live/panel", StreamURL: t.Base + "/live/stream", WallURL: t.Base + "/live?wall=1"}
	var body liveBody
	err := a.get(c, s, tenantPath(t.ID, "live"), nil, &body)
	if e, ok := asAPIError(err); ok && e.Type == "urn:sqi:problem:no-data" {
		v.NoData = true
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.AsOfRaw = body.AsOf
	v.AsOf = formatInstant(body.AsOf, lang)
	for _, n := range metrics.NowMetrics {
		v.Now = append(v.Now, metricTile(body.Now, n, lang))
	}
	v.SQI = metricTile(body.Today, "sqi", lang)
	v.Grade = text(body.Today["grade"])
	for _, n := range liveTiles {
		v.Today = append(v.Today, metricTile(body.Today, n, lang))
		v.Last60 = append(v.Last60, metricTile(body.Last60m, n, lang))
	}
	v.Last60SQI = metricTile(body.Last60m, "sqi", lang)
	v.Components = componentTiles(body.Today, &t.Config, lang)

	asOf, err := time.Parse(time.RFC3339, body.AsOf)
	if err != nil {
		return nil, fmt.Errorf("live as_of %q: %w", body.AsOf, err)
	}
	day := asOf.Format(metrics.DateLayout) // as_of carries the tenant's offset
	var hourly sqiBody
	if err := a.get(c, s, tenantPath(t.ID, "sqi"), url.Values{"from": {day}, "to": {day}, "group_by": {"hour"}}, &hourly); err != nil {
		return nil, err
	}
	v.Hourly = hourlyChart(hourly.Rows, lang)

	var alerts api.AlertsBody
	if err := a.get(c, s, tenantPath(t.ID, "alerts"), url.Values{"limit": {"1"}}, &alerts); err != nil {
		return nil, err
	}
	v.RuleCount = len(alerts.Rules)
	for _, r := range alerts.Rules {
		if r.State != "firing" {
			continue
		}
		av := alertView{Name: r.Name, Metric: ruleMetricLabel(r.Metric, lang), Op: r.Op,
			Threshold: formatNumber(&r.Threshold, kindOf(r.Metric), lang), Value: formatNumber(r.Value, kindOf(r.Metric), lang)}
		if r.Window != nil {
			av.Window = *r.Window
		}
		if r.Since != nil {
			av.Since = formatInstant(*r.Since, lang)
		}
		v.Firing = append(v.Firing, av)
	}
	return v, nil
}

func ruleMetricLabel(name, lang string) string {
	if name == metrics.MetricSQI {
		return "SQI"
	}
	return metricLabel(name, lang)
}

// componentTiles are the points of each configured component of a row.
func componentTiles(row apiRow, cfg *metrics.Config, lang string) []tile {
	var comps map[string]json.RawMessage
	_ = json.Unmarshal(row["components"], &comps)
	var out []tile
	for _, name := range cfg.ComponentNames() {
		raw := comps[name]
		comp := cfg.Components[name]
		t := tile{Name: name, Label: metrics.ComponentLabel(name, lang), Raw: string(raw), Text: formatNumber(number(raw), kindPoints, lang)}
		if len(raw) == 0 {
			t.Raw = "null"
		}
		t.Def = fmt.Sprintf("%s · %s %s", metricLabel(comp.Metric, lang), texts[lang]["weight"], printer(lang).Sprintf("%g", comp.Weight))
		out = append(out, t)
	}
	return out
}

// hourlyChart is today's rooms per hour (bars) and service level (line).
func hourlyChart(rows []apiRow, lang string) *chart {
	byHour := map[int]apiRow{}
	last := -1
	for _, r := range rows {
		h := text(r["hour"])
		if len(h) < 5 {
			continue
		}
		var hour int
		if _, err := fmt.Sscanf(h[len(h)-5:], "%02d:00", &hour); err == nil && hour >= 0 && hour < 24 {
			byHour[hour] = r
			last = max(last, hour)
		}
	}
	ch := &chart{Title: texts[lang]["hourlyTitle"], Lang: lang, RightMax: 100}
	rooms := series{Name: metricLabel("rooms", lang), Class: "bars", Kind: kindCount}
	sl := series{Name: metricLabel("service_level_pct", lang), Class: "line2", Kind: kindPercent}
	for h := 0; h <= max(last, 0); h++ {
		ch.Labels = append(ch.Labels, fmt.Sprintf("%02d", h))
		r := byHour[h]
		rooms.Values = append(rooms.Values, number(r["rooms"]))
		sl.Values = append(sl.Values, number(r["service_level_pct"]))
	}
	ch.Left, ch.Right = []series{rooms}, []series{sl}
	ch.Desc = texts[lang]["hourlyDesc"]
	return ch
}

// liveStream is GET /t/{tenant}/live/stream: the API's stream of /live
// (Server-Sent Events after every ETL run) for the session, which a
// browser's EventSource cannot authenticate with a key.
func (a *App) liveStream(c *gin.Context) {
	r, err := apiRequest(c, http.MethodGet, tenantPath(c.Param("tenant"), "live"), nil, nil)
	if err != nil {
		a.fail(c, err)
		return
	}
	r.Header.Set("Accept", "text/event-stream")
	a.api.ServeAs(sessionOf(c).principal, c.Writer, r)
	c.Abort()
}
