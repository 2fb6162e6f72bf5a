package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"sqi/metrics"
	"sqi/reports/chart"
	"sqi/reports/mail"
	"sqi/store"
)

// Email is a report's e-mail: the same for every recipient but for the
// To address and the Message-ID (Message).
type Email struct {
	Subject  string
	HTML     string
	Text     string
	Inline   []mail.Part
	Workbook mail.Part
}

//go:embed email.html
var emailHTML string

var emailTemplate = template.Must(template.New("email").Parse(emailHTML))

// emailMetrics are the metrics the e-mail shows; metricDirs says which
// way their changes are better.
var emailMetrics = []string{
	"rooms", "offered", "answered", "service_level_pct", "abandon_rate_pct",
	"wait_avg_s", "wait_p90_s", "first_response_avg_s", "reply_avg_s",
	"handle_avg_s", "score_avg", "csat_pct",
}

// Colours of the e-mail: better, worse, neutral.
const (
	colorBetter = "#1a7f37"
	colorWorse  = "#c62828"
	colorFlat   = "#6b7580"
)

// emailData is what the HTML template shows; every string is ready to
// print (formatted and localized), so the template holds layout only.
type emailData struct {
	Lang                  string
	Font                  template.CSS // a font-family list: trusted, it has quotes
	Title, Heading, Meta  string
	SQI, Grade            string
	GradeColor            string
	Changes               []emailChange
	ComponentsTitle       string
	ComponentHead         [4]string
	Components            []emailComponent
	VolumeAlt, VolumeCID  string
	VolumeW, VolumeH      int
	MetricsTitle          string
	MetricHead            [4]string
	Metrics               []emailMetric
	AgentsTitle, NoAgents string
	AgentHead             [5]string
	Agents                []emailAgent
	TrendAlt, TrendCID    string
	TrendW, TrendH        int
	Attached, Footer      string
}

type emailChange struct{ Label, Value, Color string }

type emailComponent struct {
	Name, Metric, Points, Change, ChangeColor string
	Bar                                       int // 0..100
	BarColor                                  string
}

type emailMetric struct{ Label, Key, Day, Prev, Change, ChangeColor string }

type emailAgent struct{ Agent, Rooms, SQI, Grade, Weakest string }

// Email composes the report's e-mail around the workbook (already
// written): the HTML summary with two inline PNG charts, the plain-text
// alternative and the attachment, all in the tenant's language.
func (g *Generator) Email(d *Report, workbook []byte) (*Email, error) {
	t := textsFor(d.Config.Locale)
	volume, trend, err := charts(d, t)
	if err != nil {
		return nil, err
	}
	sqi, grade := formatSQI(d.Total), d.Total.Grade
	if grade == "" {
		grade = "-"
	}
	volumeName := "hourly.png"
	if d.Kind != KindDaily {
		volumeName = "daily.png"
	}
	e := &Email{
		Subject: fmt.Sprintf(t.Kind[d.Kind].Subject, d.Config.Name, d.Label(), sqi, grade),
		Inline: []mail.Part{
			{Name: volumeName, ContentType: "image/png", ContentID: volumeName, Data: volume},
			{Name: "trend.png", ContentType: "image/png", ContentID: "trend.png", Data: trend},
		},
		Workbook: mail.Part{Name: d.FileName(d.Tenant()), ContentType: ContentType, Data: workbook},
	}
	data := emailDataOf(d, t)
	var buf bytes.Buffer
	if err := emailTemplate.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("e-mail html: %w", err)
	}
	e.HTML = buf.String()
	e.Text = emailText(data)
	return e, nil
}

// Message is the e-mail of report r to one recipient. Its Message-ID is
// derived from the report and the recipient: the same report to the same
// address always has the same id.
func (e *Email) Message(r store.ReportKey, to string, at time.Time, domain string) *mail.Message {
	return &mail.Message{
		To: to, Subject: e.Subject, Text: e.Text, HTML: e.HTML,
		Inline: e.Inline, Attachments: []mail.Part{e.Workbook},
		MessageID: MessageID(r, to, domain),
		Date:      at,
	}
}

// charts draws the two PNG charts of the e-mail: the volume with the
// service level by hour (daily) or by day, and the SQI by day.
func charts(d *Report, t *texts) (volume, trend []byte, err error) {
	k := t.Kind[d.Kind]
	v := chart.Volume{
		Title:      fmt.Sprintf("%s, %s", k.Volume, d.Label()),
		VolumeName: t.ChartVolume, LevelName: t.ChartLevel,
	}
	add := func(r *metrics.Row) {
		v.Volume = append(v.Volume, r.Values[metrics.MRooms].V)
		sl := math.NaN()
		if x := r.Rounded(metrics.MServiceLevelPct); !x.Null {
			sl = x.V
		}
		v.Level = append(v.Level, sl)
	}
	if d.Kind == KindDaily {
		v.LabelEvery = 3
		for i := range d.Hourly {
			v.Labels = append(v.Labels, fmt.Sprintf("%02d", i))
			add(&d.Hourly[i])
		}
	} else {
		for _, td := range d.Days {
			l := td.Date.Format("01-02")
			if d.Kind == KindWeekly {
				l += " (" + t.Weekdays[td.Date.Weekday()] + ")"
			}
			v.Labels = append(v.Labels, l)
			add(&td.Row)
		}
	}
	var vb, tb bytes.Buffer
	if err := v.WritePNG(&vb); err != nil {
		return nil, nil, fmt.Errorf("volume chart: %w", err)
	}
	tr := chart.Trend{Title: k.Trend}
	for _, td := range d.Trend {
		tr.Labels = append(tr.Labels, td.Date.Format("01-02"))
		x := math.NaN()
		if !td.Row.SQI.Null {
			x = metrics.Round(td.Row.SQI.V, 1)
		}
		tr.Values = append(tr.Values, x)
	}
	if err := tr.WritePNG(&tb); err != nil {
		return nil, nil, fmt.Errorf("trend chart: %w", err)
	}
	return vb.Bytes(), tb.Bytes(), nil
}

func emailDataOf(d *Report, t *texts) emailData {
	k := t.Kind[d.Kind]
	when := d.Label()
	if d.Kind == KindDaily {
		when += " (" + t.Weekdays[d.First.Weekday()] + ")"
	}
	data := emailData{
		Lang:            d.Config.Locale,
		Font:            "Arial,Helvetica,sans-serif",
		Title:           fmt.Sprintf("%s · %s %s", d.Config.Name, k.Title, d.Label()),
		Heading:         k.Title,
		Meta:            fmt.Sprintf("%s · %s · %s", d.Config.Name, when, d.Config.TimeZone),
		SQI:             formatSQI(d.Total),
		Grade:           d.Total.Grade,
		GradeColor:      gradeColor(d.Total),
		ComponentsTitle: t.Components,
		ComponentHead:   [4]string{t.Component, t.Key, t.Points, k.Change},
		VolumeAlt:       k.Volume,
		VolumeCID:       "hourly.png",
		TrendAlt:        k.Trend,
		TrendCID:        "trend.png",
		MetricsTitle:    t.KeyMetrics,
		MetricHead:      [4]string{t.Label, k.Cur, k.Prev, k.Change},
		AgentsTitle:     t.WorstAgents,
		NoAgents:        t.NoAgent,
		AgentHead:       [5]string{t.GroupKey["agent_id"], t.Rooms, t.SQI, t.Grade, t.Weakest},
		Attached:        k.Attached,
		Footer:          t.Footer,
	}
	if d.Kind != KindDaily {
		data.VolumeCID = "daily.png"
	}
	if t.ko {
		data.Font = template.CSS("'Malgun Gothic','맑은 고딕','Apple SD Gothic Neo','Noto Sans KR',Arial,sans-serif")
	}
	var v chart.Volume
	data.VolumeW, data.VolumeH = v.Size()
	var tr chart.Trend
	data.TrendW, data.TrendH = tr.Size()

	cur, prev := sqiValue(&d.Total), sqiValue(&d.Prev)
	data.Changes = []emailChange{change(k.VsPrev, diff(cur, prev, 1), +1, oneDecimal, t)}
	if d.Kind == KindDaily {
		data.Changes = append(data.Changes, change(t.VsWeek, diff(cur, sqiValue(&d.Week), 1), +1, oneDecimal, t))
	}

	for _, name := range d.Config.ComponentNames() {
		c := d.Config.Components[name]
		p := rounded(points(&d.Total, name), 2)
		ec := emailComponent{Name: t.componentLabel(name), Metric: c.Metric, Points: "-", Change: "", BarColor: chart.Hex(chart.Blue)}
		if !p.Null {
			ec.Points = strconv.FormatFloat(p.V, 'f', 2, 64)
			ec.Bar = int(math.Round(p.V))
			if p.V < 50 {
				ec.BarColor = colorWorse
			}
		}
		ch := change("", diff(p, rounded(points(&d.Prev, name), 2), 2), +1, metrics.Points, t)
		ec.Change, ec.ChangeColor = ch.Value, ch.Color
		if c.Weight == 0 {
			ec.Metric += " · 0"
		}
		data.Components = append(data.Components, ec)
	}

	for _, name := range emailMetrics {
		i, _ := metrics.MetricIndex(name)
		kind := metrics.Catalog[i].Kind
		dv, pv := d.Total.Rounded(i), d.Prev.Rounded(i)
		ch := change("", diff(dv, pv, 2), metricDirs(name), kind, t)
		data.Metrics = append(data.Metrics, emailMetric{
			Label: t.metricLabel(i), Key: name,
			Day: formatValue(dv, kind, t), Prev: formatValue(pv, kind, t),
			Change: ch.Value, ChangeColor: ch.Color,
		})
	}

	for _, r := range worstAgents(d.Agents, 5) {
		a := emailAgent{Agent: r.Keys[0].String(), Rooms: formatValue(r.Values[metrics.MRooms], metrics.Count, t),
			SQI: formatSQI(r), Grade: r.Grade}
		if n, p := weakest(&r); n != "" {
			a.Weakest = fmt.Sprintf("%s %.2f", t.componentLabel(n), metrics.Round(p, 2))
		}
		data.Agents = append(data.Agents, a)
	}
	return data
}

// worstAgents returns the n agents with the lowest SQI, lowest first;
// the group of rooms without an agent is not an agent.
func worstAgents(rows []metrics.Row, n int) []metrics.Row {
	var out []metrics.Row
	for i := len(rows) - 1; i >= 0 && len(out) < n; i-- {
		r := rows[i]
		if r.SQI.Null || len(r.Keys) == 0 || r.Keys[0].Null {
			continue
		}
		out = append(out, r)
	}
	return out
}

// weakest is the weighted component with the fewest points.
func weakest(r *metrics.Row) (string, float64) {
	name, low := "", math.Inf(1)
	for _, c := range r.Components {
		if !c.Points.Null && c.Points.V < low {
			name, low = c.Name, c.Points.V
		}
	}
	return name, low
}

func formatSQI(r metrics.Row) string {
	if r.SQI.Null {
		return "-"
	}
	return strconv.FormatFloat(metrics.Round(r.SQI.V, 1), 'f', 1, 64)
}

func gradeColor(r metrics.Row) string {
	switch {
	case r.SQI.Null:
		return colorFlat
	case r.SQI.V >= 85:
		return colorBetter
	case r.SQI.V >= 70:
		return chart.Hex(chart.Blue)
	case r.SQI.V >= 50:
		return chart.Hex(chart.Orange)
	}
	return colorWorse
}

// change formats a change v of a value of kind k as the e-mail shows it,
// with an arrow, coloured: dir says whether up is better (+1), worse (-1)
// or neither (0). The colours are the workbook's (changeColour).
func change(label string, v metrics.Value, dir int, k metrics.Kind, t *texts) emailChange {
	c := emailChange{Label: label, Value: "-", Color: colorFlat}
	if v.Null {
		return c
	}
	v.V = shownChange(v.V, k)
	arrow := "▲ "
	if v.V < 0 {
		arrow = "▼ "
	} else if v.V == 0 {
		arrow = ""
	}
	c.Value = arrow + formatChange(v.V, k, t)
	c.Color = map[string]string{"better": colorBetter, "worse": colorWorse, "flat": colorFlat}[changeColour(v.V, dir)]
	return c
}

// oneDecimal is the kind of the changes of the SQI, which the e-mail
// shows with one decimal as the SQI itself (component points have two).
const oneDecimal = metrics.Kind(-1)

// formatChange is a change as the workbook's change columns show it:
// +1,234, +0.5 (points), +1.25%p (percentage points), +0:04 (durations),
// with a minus sign (−) when it fell.
func formatChange(v float64, k metrics.Kind, t *texts) string {
	var s string
	switch k {
	case metrics.Count:
		s = addThousands(strconv.FormatFloat(math.Abs(v), 'f', 0, 64))
	case metrics.Seconds:
		return signedDuration(v)
	case oneDecimal:
		s = strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	case metrics.Percent:
		s = strconv.FormatFloat(math.Abs(v), 'f', 2, 64) + "%p"
		if !t.ko {
			s = strconv.FormatFloat(math.Abs(v), 'f', 2, 64) + " pp"
		}
	default:
		s = strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	}
	switch {
	case v > 0:
		return "+" + s
	case v < 0:
		return "−" + s
	}
	return s
}

// formatValue is a metric value as the e-mail shows it; a duration as
// m:ss or h:mm:ss, the workbook's text for it.
func formatValue(v metrics.Value, k metrics.Kind, t *texts) string {
	if v.Null {
		return "-"
	}
	switch k {
	case metrics.Count:
		return addThousands(strconv.FormatFloat(v.V, 'f', 0, 64))
	case metrics.Seconds:
		return metrics.DurationText(v.V)
	case metrics.Percent:
		return strconv.FormatFloat(v.V, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(v.V, 'f', 2, 64)
}

// addThousands puts thousands separators into the integer part of a
// formatted number.
func addThousands(s string) string {
	start := strings.IndexAny(s, "0123456789")
	if start < 0 {
		return s
	}
	end := start
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	digits := s[start:end]
	if len(digits) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return s[:start] + b.String() + s[end:]
}

// emailText is the plain-text alternative: the same content, in columns
// that survive a monospace or proportional font alike (one item a line).
func emailText(e emailData) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("%s", e.Heading)
	line("%s", e.Meta)
	line("")
	grade := e.Grade
	if grade == "" {
		grade = "-"
	}
	line("SQI %s (%s)", e.SQI, grade)
	for _, c := range e.Changes {
		line("  %s: %s", c.Label, c.Value)
	}
	line("")
	line("%s", e.ComponentsTitle)
	for _, c := range e.Components {
		ch := ""
		if c.Change != "-" && c.Change != "" {
			ch = " (" + c.Change + ")"
		}
		line("  - %s [%s]: %s%s", c.Name, c.Metric, c.Points, ch)
	}
	line("")
	line("%s (%s / %s / %s)", e.MetricsTitle, e.MetricHead[1], e.MetricHead[2], e.MetricHead[3])
	for _, m := range e.Metrics {
		line("  - %s [%s]: %s / %s / %s", m.Label, m.Key, m.Day, m.Prev, m.Change)
	}
	line("")
	line("%s", e.AgentsTitle)
	if len(e.Agents) == 0 {
		line("  %s", e.NoAgents)
	}
	for i, a := range e.Agents {
		line("  %d. %s: SQI %s (%s), %s %s, %s", i+1, a.Agent, a.SQI, a.Grade, e.AgentHead[1], a.Rooms, a.Weakest)
	}
	line("")
	line("%s", e.Attached)
	line("-- ")
	line("%s", e.Footer)
	return b.String()
}
