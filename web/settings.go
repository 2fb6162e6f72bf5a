package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
)

// The Settings page (a manager of the tenant, or an admin): every part of
// the configuration in one form that works without a script. Its
// numbers are checked by the API (PUT config), whose problems are shown
// beside their fields; before saving, the page shows what the SQI of the
// last 30 days would become (POST config/preview), and it saves only the
// document it previewed.

// Blank rows the form offers for adding a component, grade, rule or
// webhook.
const (
	blankComponents = 2
	blankGrades     = 1
	blankRules      = 2
	blankWebhooks   = 1
	maxFormRows     = 60
)

var dayKeys = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// field is one input of the form: its name (what it posts), label, value
// as typed, and the problem with it.
type field struct {
	ID, Name, Label, Value, Error, Help string
	Type                                string // text, number, textarea, select, checkbox
	Options                             []option
	Checked                             bool
	Step                                string
	Hidden                              bool // label shown to screen readers only (table cells)
}

type formRow struct {
	Fields []field
}

type formTable struct {
	Title, Help, Error string
	Heads              []string
	Rows               []formRow
}

type settingsView struct {
	Base      string
	CSRF      string
	General   []field
	Tables    []formTable
	BHEnabled field
	BH        []field
	Holidays  field
	Report    []field
	Alerts    []field
	Errors    []string // problems that name no field
	Preview   *previewView
	Previewed string
	Saved     bool
	Notice    string
	HasErrors bool
}

// settingsForm is the form as posted.
type settingsForm struct {
	v url.Values
}

func (f settingsForm) get(name string) string { return strings.TrimSpace(f.v.Get(name)) }

// rowsOf counts the rows of a table of the form (prefix.N.*).
func (f settingsForm) rowsOf(prefix string) int {
	n := 0
	for i := range maxFormRows {
		p := fmt.Sprintf("%s.%d.", prefix, i)
		for k := range f.v {
			if strings.HasPrefix(k, p) {
				n = i + 1
				break
			}
		}
	}
	return n
}

// tableFields are the fields of each table of the form; a row whose text
// fields (the first list) are all empty is blank.
var tableFields = map[string][2][]string{
	"comp":  {{"name", "target", "worst", "weight"}, {"metric"}},
	"grade": {{"grade", "min"}, nil},
	"rule":  {{"name", "window", "threshold", "min_rooms"}, {"metric", "op"}},
	"hook":  {{"url", "secret"}, nil},
}

// compact drops the blank rows of the form's tables and numbers the
// others from 0, so that the page shows them, and its problems, in order.
func (f settingsForm) compact() settingsForm {
	out := url.Values{}
	for k, v := range f.v {
		prefix, _, _ := strings.Cut(k, ".")
		if _, ok := tableFields[prefix]; !ok {
			out[k] = v
		}
	}
	for prefix, fields := range tableFields {
		n := 0
		for i := range f.rowsOf(prefix) {
			p := fmt.Sprintf("%s.%d.", prefix, i)
			blank := true
			for _, name := range fields[0] {
				if f.get(p+name) != "" {
					blank = false
				}
			}
			if blank {
				continue
			}
			q := fmt.Sprintf("%s.%d.", prefix, n)
			for _, name := range append(slices.Clone(fields[0]), fields[1]...) {
				out.Set(q+name, f.v.Get(p+name))
			}
			n++
		}
	}
	return settingsForm{out}
}

// formFromConfig is the form of a configuration (GET config's: webhook
// URLs and secrets masked).
func formFromConfig(cfg *metrics.Config) settingsForm {
	v := url.Values{}
	g := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	v.Set("name", cfg.Name)
	v.Set("timezone", cfg.TimeZone)
	v.Set("locale", cfg.Locale)
	v.Set("sl_threshold_s", g(cfg.SLThresholdS))
	v.Set("short_abandon_s", g(cfg.ShortAbandonS))
	v.Set("hours", cfg.Hours)
	for i, name := range cfg.ComponentNames() {
		c := cfg.Components[name]
		p := fmt.Sprintf("comp.%d.", i)
		v.Set(p+"name", name)
		v.Set(p+"metric", c.Metric)
		v.Set(p+"target", g(c.Target))
		v.Set(p+"worst", g(c.Worst))
		v.Set(p+"weight", g(c.Weight))
	}
	for i, gr := range cfg.Grades {
		p := fmt.Sprintf("grade.%d.", i)
		v.Set(p+"grade", gr.Grade)
		v.Set(p+"min", g(gr.Min))
	}
	if cfg.BusinessHours != nil {
		v.Set("bh_enabled", "on")
		for _, d := range dayKeys {
			v.Set("bh."+d, strings.Join(cfg.BusinessHours.Weekly[d], ", "))
		}
		v.Set("holidays", strings.Join(cfg.BusinessHours.Holidays, "\n"))
	}
	v.Set("report.send_at", cfg.Report.SendAt)
	v.Set("report.recipients", strings.Join(cfg.Report.Recipients, "\n"))
	if cfg.Report.Weekly != nil {
		v.Set("report.weekly", strings.Join(cfg.Report.Weekly.Recipients, "\n"))
	}
	if cfg.Report.Monthly != nil {
		v.Set("report.monthly", strings.Join(cfg.Report.Monthly.Recipients, "\n"))
	}
	if cfg.Alerts != nil {
		for i, r := range cfg.Alerts.Rules {
			p := fmt.Sprintf("rule.%d.", i)
			v.Set(p+"name", r.Name)
			v.Set(p+"metric", r.Metric)
			v.Set(p+"window", r.Window)
			v.Set(p+"op", r.Op)
			v.Set(p+"threshold", g(r.Threshold))
			if r.MinRooms != 0 {
				v.Set(p+"min_rooms", strconv.Itoa(r.MinRooms))
			}
		}
		v.Set("alerts.emails", strings.Join(cfg.Alerts.Emails, "\n"))
		for i, w := range cfg.Alerts.Webhooks {
			p := fmt.Sprintf("hook.%d.", i)
			v.Set(p+"url", w.URL)
			v.Set(p+"secret", w.Secret)
		}
	}
	return settingsForm{v}
}

// lines splits a list typed one per line (or separated by commas).
func lines(s string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// built is the configuration made of a form, with what maps the API's
// field paths back to the form's fields.
type built struct {
	cfg     metrics.Config
	errs    map[string]string // local problems (a number that is not one)
	comps   map[string]int    // component name → form row
	grades  []int             // grades[i] → form row
	rules   []int
	hooks   []int
	general []string
}

// build makes the configuration document of a form; numbers that do not
// parse are problems of their fields, everything else the API checks.
func (f settingsForm) build(tenantID, lang string) *built {
	tx := texts[lang]
	b := &built{errs: map[string]string{}, comps: map[string]int{}}
	num := func(name string) float64 {
		s := f.get(name)
		x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			b.errs[name] = tx["notANumber"]
		}
		return x
	}
	c := metrics.Config{TenantID: tenantID, Name: f.get("name"), TimeZone: f.get("timezone"), Locale: f.get("locale"),
		Hours: f.get("hours"), Components: map[string]metrics.Component{}}
	c.SLThresholdS = num("sl_threshold_s")
	c.ShortAbandonS = num("short_abandon_s")
	for i := range f.rowsOf("comp") {
		p := fmt.Sprintf("comp.%d.", i)
		name := f.get(p + "name")
		if name == "" {
			if f.get(p+"target") != "" || f.get(p+"worst") != "" || f.get(p+"weight") != "" {
				b.errs[p+"name"] = tx["nameNeeded"]
			}
			continue
		}
		if _, dup := b.comps[name]; dup {
			b.errs[p+"name"] = tx["nameTwice"]
			continue
		}
		b.comps[name] = i
		c.Components[name] = metrics.Component{Metric: f.get(p + "metric"), Target: num(p + "target"), Worst: num(p + "worst"), Weight: num(p + "weight")}
	}
	for i := range f.rowsOf("grade") {
		p := fmt.Sprintf("grade.%d.", i)
		if f.get(p+"grade") == "" && f.get(p+"min") == "" {
			continue
		}
		c.Grades = append(c.Grades, metrics.Grade{Grade: f.get(p + "grade"), Min: num(p + "min")})
		b.grades = append(b.grades, i)
	}
	if f.v.Get("bh_enabled") != "" {
		bh := &metrics.BusinessHours{Weekly: map[string][]string{}, Holidays: lines(f.get("holidays"))}
		for _, d := range dayKeys {
			bh.Weekly[d] = lines(f.get("bh." + d))
		}
		c.BusinessHours = bh
	}
	c.Report = metrics.ReportConfig{SendAt: f.get("report.send_at"), Recipients: lines(f.get("report.recipients"))}
	if l := lines(f.get("report.weekly")); len(l) > 0 {
		c.Report.Weekly = &metrics.Recipients{Recipients: l}
	}
	if l := lines(f.get("report.monthly")); len(l) > 0 {
		c.Report.Monthly = &metrics.Recipients{Recipients: l}
	}
	al := &metrics.Alerts{Rules: []metrics.AlertRule{}, Emails: lines(f.get("alerts.emails")), Webhooks: []metrics.Webhook{}}
	for i := range f.rowsOf("rule") {
		p := fmt.Sprintf("rule.%d.", i)
		if f.get(p+"name") == "" && f.get(p+"threshold") == "" && f.get(p+"window") == "" {
			continue
		}
		r := metrics.AlertRule{Name: f.get(p + "name"), Metric: f.get(p + "metric"), Op: f.get(p + "op"), Threshold: num(p + "threshold")}
		if !metrics.IsNowMetric(r.Metric) {
			r.Window = f.get(p + "window")
		}
		if s := f.get(p + "min_rooms"); s != "" && !metrics.IsNowMetric(r.Metric) {
			n, err := strconv.Atoi(s)
			if err != nil {
				b.errs[p+"min_rooms"] = tx["notANumber"]
			}
			r.MinRooms = n
		}
		al.Rules = append(al.Rules, r)
		b.rules = append(b.rules, i)
	}
	for i := range f.rowsOf("hook") {
		p := fmt.Sprintf("hook.%d.", i)
		if f.get(p+"url") == "" {
			continue
		}
		al.Webhooks = append(al.Webhooks, metrics.Webhook{URL: f.get(p + "url"), Secret: f.get(p + "secret")})
		b.hooks = append(b.hooks, i)
	}
	if len(al.Rules) > 0 || len(al.Emails) > 0 || len(al.Webhooks) > 0 {
		c.Alerts = al
	}
	b.cfg = c
	return b
}

var (
	reIndexed = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\](?:\.([a-z_]+))?`)
)

// fieldOf is the form field an API problem names ("components.wait.weight
// 1e9: use …", "alerts.rules[1].op …"), "" for none.
func (b *built) fieldOf(problem string) string {
	path, _, _ := strings.Cut(problem, " ")
	path = strings.TrimSuffix(path, ":")
	switch path {
	case "name", "timezone", "locale", "sl_threshold_s", "short_abandon_s", "hours", "report.send_at":
		return path
	case "components":
		return "components"
	case "grades":
		return "grades"
	case "alerts.rules":
		return "rules"
	}
	if rest, ok := strings.CutPrefix(path, "components."); ok {
		name, attr, _ := strings.Cut(rest, ".")
		if row, ok := b.comps[name]; ok {
			if attr == "" {
				attr = "target"
			}
			return fmt.Sprintf("comp.%d.%s", row, attr)
		}
		return "components"
	}
	if rest, ok := strings.CutPrefix(path, "business_hours.weekly."); ok {
		day, _, _ := strings.Cut(rest, "[")
		return "bh." + strings.TrimSuffix(day, ":")
	}
	if strings.HasPrefix(path, "business_hours.holidays") {
		return "holidays"
	}
	m := reIndexed.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[2])
	row := func(rows []int, prefix string) string {
		if i < len(rows) {
			attr := m[3]
			if attr == "" {
				attr = "name"
			}
			return fmt.Sprintf("%s.%d.%s", prefix, rows[i], attr)
		}
		return ""
	}
	switch m[1] {
	case "grades":
		return row(b.grades, "grade")
	case "alerts.rules":
		return row(b.rules, "rule")
	case "alerts.webhooks":
		return row(b.hooks, "hook")
	case "alerts.emails":
		return "alerts.emails"
	case "report.recipients":
		return "report.recipients"
	case "report.weekly.recipients":
		return "report.weekly"
	case "report.monthly.recipients":
		return "report.monthly"
	}
	return ""
}

// settingsPage is GET /t/{tenant}/settings.
func (a *App) settingsPage(c *gin.Context) {
	t := tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	v := a.settingsView(c, formFromConfig(&t.Config), nil, lang)
	v.Saved = c.Query("saved") == "1"
	a.render(c, http.StatusOK, "settings", &page{Title: "settingsTitle", Body: v, Nav: "settings"})
}

// saveSettings is POST /t/{tenant}/settings: action=preview shows what
// the last 30 days' SQI would become; action=save saves the previewed
// document (a document changed since its preview is previewed again).
func (a *App) saveSettings(c *gin.Context) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	if err := c.Request.ParseForm(); err != nil {
		a.errorPage(c, http.StatusBadRequest, "apiProblem", err.Error())
		return
	}
	form := settingsForm{c.Request.PostForm}.compact()
	b := form.build(t.ID, lang)
	if len(b.errs) > 0 {
		v := a.settingsView(c, form, b.errs, lang)
		a.render(c, http.StatusBadRequest, "settings", &page{Title: "settingsTitle", Body: v, Nav: "settings"})
		return
	}
	doc, err := json.Marshal(b.cfg)
	if err != nil {
		a.fail(c, err)
		return
	}
	sum := sha256.Sum256(doc)
	hash := hex.EncodeToString(sum[:])
	// problems shows the API's problems of the document beside their
	// fields (those that name none above the form).
	problems := func(list []string) *settingsView {
		errs := map[string]string{}
		var general []string
		for _, p := range list {
			if f := b.fieldOf(p); f != "" {
				if errs[f] != "" {
					errs[f] += "; "
				}
				errs[f] += p
			} else {
				general = append(general, p)
			}
		}
		v := a.settingsView(c, form, errs, lang)
		v.Errors = append(v.Errors, general...)
		v.HasErrors = true
		return v
	}
	// refused is the status and the problems of a document the API
	// refuses (its check, PUT or preview).
	refused := func(err error) (int, []string, bool) {
		status, list, detail := 0, []string(nil), ""
		var ae *api.Error
		if errors.As(err, &ae) {
			status, list, detail = ae.Status, ae.Errors, ae.Detail
		} else if e, ok := asAPIError(err); ok {
			status, list, detail = e.Status, e.Errors, e.Detail
		}
		if status != http.StatusBadRequest && status != http.StatusConflict {
			return 0, nil, false
		}
		if len(list) == 0 {
			list = []string{detail}
		}
		return status, list, true
	}
	if err := api.CheckConfig(t.ID, doc); err != nil {
		status, list, ok := refused(err)
		if !ok {
			a.fail(c, err)
			return
		}
		a.render(c, status, "settings", &page{Title: "settingsTitle", Body: problems(list), Nav: "settings"})
		return
	}
	action := c.PostForm("action")
	notice := ""
	if action == "save" && c.PostForm("previewed") != hash {
		action, notice = "preview", "changedSincePreview"
	}
	if action == "save" {
		err := a.call(c, s, http.MethodPut, tenantPath(t.ID, "config"), nil, doc, nil)
		if status, list, ok := refused(err); ok {
			a.render(c, status, "settings", &page{Title: "settingsTitle", Body: problems(list), Nav: "settings"})
			return
		}
		if err != nil {
			a.fail(c, err)
			return
		}
		a.redirect(c, t.Base+"/settings?saved=1")
		return
	}
	// The preview computes the range twice (a configuration never seen is
	// computed cold): the page is sent first, the preview when it is done.
	v := a.settingsView(c, form, nil, lang)
	v.Notice = notice
	p := &page{Title: "settingsTitle", Body: v, Nav: "settings"}
	today := a.today(&t.Config)
	q := url.Values{"from": {today.AddDate(0, 0, -30).Format("2006-01-02")}, "to": {today.AddDate(0, 0, -1).Format("2006-01-02")}}
	a.renderStream(c, "settings", p, func() error {
		var pb api.PreviewBody
		err := a.call(c, s, http.MethodPost, tenantPath(t.ID, "config", "preview"), q, doc, &pb)
		if _, list, ok := refused(err); ok {
			p.Body = problems(list)
			return nil
		}
		if err != nil {
			return err
		}
		if v.Preview, err = previewOf(&pb, lang); err != nil {
			return err
		}
		v.Previewed = hash
		return nil
	})
}

// previewView is what the posted configuration would make of the last
// 30 days' SQI, beside what it is.
type previewView struct {
	Range              string
	Current, Proposed  tile
	CurGrade, NewGrade string
	Change             *changeView
	Days               []previewDay
	Chart              *chart
}

type previewDay struct {
	Date, Cur, New, CurRaw, NewRaw string
	Change                         *changeView
}

func previewOf(pb *api.PreviewBody, lang string) (*previewView, error) {
	var ct, pt, cd, pd sqiBody
	for _, x := range []struct {
		raw json.RawMessage
		out *sqiBody
	}{{pb.Current.Total, &ct}, {pb.Preview.Total, &pt}, {pb.Current.ByDay, &cd}, {pb.Preview.ByDay, &pd}} {
		if err := json.Unmarshal(x.raw, x.out); err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
	}
	tx := texts[lang]
	v := &previewView{Range: formatDateText(pb.From, lang) + " – " + formatDateText(pb.To, lang)}
	if len(ct.Rows) > 0 && len(pt.Rows) > 0 {
		v.Current = metricTile(ct.Rows[0], "sqi", lang)
		v.Proposed = metricTile(pt.Rows[0], "sqi", lang)
		v.CurGrade, v.NewGrade = text(ct.Rows[0]["grade"]), text(pt.Rows[0]["grade"])
		v.Change = sqiChange(number(ct.Rows[0]["sqi"]), number(pt.Rows[0]["sqi"]), lang)
	}
	newByDay := map[string]apiRow{}
	for _, r := range pd.Rows {
		newByDay[text(r["day"])] = r
	}
	ch := &chart{Title: tx["previewChart"], Desc: tx["previewDesc"], Lang: lang, LeftMax: 100}
	cur := series{Name: tx["current"], Class: "line1", Kind: kindSQI}
	nw := series{Name: tx["proposed"], Class: "line2", Kind: kindSQI}
	for _, r := range cd.Rows {
		day := text(r["day"])
		n := newByDay[day]
		v.Days = append(v.Days, previewDay{Date: formatDateText(day, lang), CurRaw: cellRaw(r["sqi"]), NewRaw: cellRaw(n["sqi"]),
			Cur: formatNumber(number(r["sqi"]), kindSQI, lang), New: formatNumber(number(n["sqi"]), kindSQI, lang),
			Change: sqiChange(number(r["sqi"]), number(n["sqi"]), lang)})
		ch.Labels = append(ch.Labels, shortKey("day", day))
		cur.Values = append(cur.Values, number(r["sqi"]))
		nw.Values = append(nw.Values, number(n["sqi"]))
	}
	ch.Left = []series{cur, nw}
	v.Chart = ch
	return v, nil
}

// sqiChange is the change from the current SQI to the proposed one.
func sqiChange(cur, proposed *float64, lang string) *changeView {
	if cur == nil || proposed == nil {
		return changeOf(nil, "sqi", lang)
	}
	d := *proposed - *cur
	raw, _ := json.Marshal(d)
	return changeOf(raw, "sqi", lang)
}

// settingsView lays the form out: its values as posted (or as stored),
// each problem beside its field.
func (a *App) settingsView(c *gin.Context, f settingsForm, errs map[string]string, lang string) *settingsView {
	t := tenantOf(c)
	tx := texts[lang]
	v := &settingsView{Base: t.Base, CSRF: sessionOf(c).row.CSRFToken, HasErrors: len(errs) > 0}
	mk := func(name, label, typ string) field {
		fl := field{ID: "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name), Name: name, Label: label, Type: typ,
			Value: f.v.Get(name), Error: errs[name]}
		if typ == "number" {
			fl.Step = "any"
		}
		return fl
	}
	sel := func(fl field, values []string, labels func(string) string) field {
		fl.Type = "select"
		if fl.Value == "" {
			fl.Options = append(fl.Options, option{"", "–", true})
		}
		for _, val := range values {
			fl.Options = append(fl.Options, option{val, labels(val), fl.Value == val})
		}
		if fl.Value != "" && !slices.Contains(values, fl.Value) {
			fl.Options = append(fl.Options, option{fl.Value, fl.Value, true})
		}
		return fl
	}
	v.General = []field{
		mk("name", tx["tenantName"], "text"),
		mk("timezone", tx["timezone"], "text"),
		sel(mk("locale", tx["locale"], ""), []string{"ko", "en"}, func(s string) string { return langLabels[s] }),
		mk("sl_threshold_s", tx["slThreshold"], "number"),
		mk("short_abandon_s", tx["shortAbandon"], "number"),
		sel(mk("hours", tx["hoursSetting"], ""), []string{metrics.HoursAll, metrics.HoursBusiness}, func(s string) string { return tx["hours_"+s] }),
	}
	v.General[1].Help = tx["timezoneHelp"]
	metricLabelOf := func(s string) string { return metricLabel(s, lang) + " (" + s + ")" }

	comps := formTable{Title: tx["componentsTitle"], Help: tx["componentsHelp"], Error: errs["components"],
		Heads: []string{tx["compName"], tx["compMetric"], tx["target"], tx["worst"], tx["weight"]}}
	for i := range f.rowsOf("comp") + blankComponents {
		p := fmt.Sprintf("comp.%d.", i)
		row := formRow{Fields: []field{
			mk(p+"name", tx["compName"], "text"),
			sel(mk(p+"metric", tx["compMetric"], ""), metrics.ScoreableMetrics(), metricLabelOf),
			mk(p+"target", tx["target"], "number"),
			mk(p+"worst", tx["worst"], "number"),
			mk(p+"weight", tx["weight"], "number"),
		}}
		comps.Rows = append(comps.Rows, row)
	}
	grades := formTable{Title: tx["gradesTitle"], Help: tx["gradesHelp"], Error: errs["grades"], Heads: []string{tx["gradeName"], tx["gradeMin"]}}
	for i := range f.rowsOf("grade") + blankGrades {
		p := fmt.Sprintf("grade.%d.", i)
		grades.Rows = append(grades.Rows, formRow{Fields: []field{mk(p+"grade", tx["gradeName"], "text"), mk(p+"min", tx["gradeMin"], "number")}})
	}
	ruleMetrics := append(append(slices.Clone(metrics.NowMetrics), metrics.MetricSQI), metrics.ScoreableMetrics()...)
	rules := formTable{Title: tx["rulesTitle"], Help: tx["rulesHelp"], Error: errs["rules"],
		Heads: []string{tx["ruleName"], tx["ruleMetric"], tx["ruleWindow"], tx["ruleOp"], tx["ruleThreshold"], tx["ruleMinRooms"]}}
	for i := range f.rowsOf("rule") + blankRules {
		p := fmt.Sprintf("rule.%d.", i)
		rules.Rows = append(rules.Rows, formRow{Fields: []field{
			mk(p+"name", tx["ruleName"], "text"),
			sel(mk(p+"metric", tx["ruleMetric"], ""), ruleMetrics, func(s string) string { return ruleMetricLabel(s, lang) + " (" + s + ")" }),
			mk(p+"window", tx["ruleWindow"], "text"),
			sel(mk(p+"op", tx["ruleOp"], ""), metrics.AlertOps, func(s string) string { return s }),
			mk(p+"threshold", tx["ruleThreshold"], "number"),
			mk(p+"min_rooms", tx["ruleMinRooms"], "number"),
		}})
	}
	hooks := formTable{Title: tx["webhooksTitle"], Help: tx["webhooksHelp"], Heads: []string{tx["webhookURL"], tx["webhookSecret"]}}
	for i := range f.rowsOf("hook") + blankWebhooks {
		p := fmt.Sprintf("hook.%d.", i)
		hooks.Rows = append(hooks.Rows, formRow{Fields: []field{mk(p+"url", tx["webhookURL"], "text"), mk(p+"secret", tx["webhookSecret"], "text")}})
	}
	for _, tb := range []*formTable{&comps, &grades, &rules, &hooks} {
		for i := range tb.Rows {
			for j := range tb.Rows[i].Fields {
				tb.Rows[i].Fields[j].Hidden = true
				tb.Rows[i].Fields[j].Label = fmt.Sprintf("%s %d: %s", tb.Title, i+1, tb.Rows[i].Fields[j].Label)
			}
		}
	}
	v.Tables = []formTable{comps, grades, rules, hooks}

	v.BHEnabled = mk("bh_enabled", tx["bhEnabled"], "checkbox")
	v.BHEnabled.Checked = f.v.Get("bh_enabled") != ""
	for _, d := range dayKeys {
		fl := mk("bh."+d, tx["day_"+d], "text")
		v.BH = append(v.BH, fl)
	}
	v.Holidays = mk("holidays", tx["holidays"], "textarea")
	v.Report = []field{
		mk("report.send_at", tx["sendAt"], "text"),
		mk("report.recipients", tx["recipients"], "textarea"),
		mk("report.weekly", tx["weeklyRecipients"], "textarea"),
		mk("report.monthly", tx["monthlyRecipients"], "textarea"),
	}
	v.Alerts = []field{mk("alerts.emails", tx["alertEmails"], "textarea")}
	return v
}
