package web

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"sqi/metrics"
)

// How a number reads on a page, in the page's locale: counts with the
// locale's grouping (1,520), durations as m:ss or h:mm:ss (2:35, 1:02:07:
// the reports' way), percentages and the SQI with one decimal, scores
// and points with two, dates as 2026-11-29 (일). The values are the API's,
// already rounded by it (docs/metrics.md); formatting only chooses how
// many of its decimals to show.

// printers format numbers as each locale writes them.
var printers = map[string]*message.Printer{
	"ko": message.NewPrinter(language.Korean),
	"en": message.NewPrinter(language.English),
}

func printer(lang string) *message.Printer {
	if p, ok := printers[lang]; ok {
		return p
	}
	return printers["ko"]
}

// valueKind is how a value reads: a metric's kind, the SQI, or a plain
// number.
type valueKind int

const (
	kindCount valueKind = iota
	kindSeconds
	kindPercent
	kindPoints
	kindSQI
)

// kindOf is the kind of a column of the API's rows: a metric of the
// catalog, a now metric, the SQI or a component's points.
func kindOf(name string) valueKind {
	if i, ok := metrics.MetricIndex(name); ok {
		switch metrics.Catalog[i].Kind {
		case metrics.Seconds:
			return kindSeconds
		case metrics.Percent:
			return kindPercent
		case metrics.Points:
			return kindPoints
		}
		return kindCount
	}
	switch name {
	case metrics.NowLongestWait:
		return kindSeconds
	case "sqi":
		return kindSQI
	}
	return kindCount
}

// formatNumber shows v of kind k in lang; a null value is an en dash.
func formatNumber(v *float64, k valueKind, lang string) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "–"
	}
	p := printer(lang)
	switch k {
	case kindSeconds:
		return metrics.DurationText(*v)
	case kindPercent:
		return p.Sprintf("%.2f%%", *v)
	case kindPoints:
		return p.Sprintf("%.2f", *v)
	case kindSQI:
		return p.Sprintf("%.1f", *v)
	}
	if *v == math.Trunc(*v) {
		return p.Sprintf("%d", int64(*v))
	}
	return p.Sprintf("%.2f", *v)
}

// formatChange shows a change of kind k with its sign: +1.2%p, −0:04, +12.
// Percentages change by percentage points.
func formatChange(v float64, k valueKind, lang string) string {
	sign := "+"
	if v < 0 {
		sign = "−"
	}
	a := math.Abs(v)
	p := printer(lang)
	switch k {
	case kindSeconds:
		if math.Round(a) == 0 {
			return "0:00"
		}
		return sign + metrics.DurationText(a)
	case kindPercent:
		return sign + p.Sprintf("%.2f", a) + "%p"
	case kindPoints:
		return sign + p.Sprintf("%.2f", a)
	case kindSQI:
		return sign + p.Sprintf("%.1f", a)
	}
	if a == math.Trunc(a) {
		return sign + p.Sprintf("%d", int64(a))
	}
	return sign + p.Sprintf("%.2f", a)
}

// shownZero reports whether a change reads as no change at the precision
// it is shown with.
func shownZero(v float64, k valueKind) bool {
	switch k {
	case kindSeconds:
		return math.Round(v) == 0
	case kindSQI:
		return math.Round(v*10) == 0
	case kindPercent, kindPoints:
		return math.Round(v*100) == 0
	}
	return v == 0
}

// formatInt shows an integer with the locale's grouping.
func formatInt(n int64, lang string) string { return printer(lang).Sprintf("%d", n) }

// weekdays are the short names of the days, Sunday first, as time.Weekday.
var weekdays = map[string][7]string{
	"ko": {"일", "월", "화", "수", "목", "금", "토"},
	"en": {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
}

// formatDate shows a local date as 2026-11-29 (일).
func formatDate(d time.Time, lang string) string {
	w, ok := weekdays[lang]
	if !ok {
		w = weekdays["ko"]
	}
	return d.Format(metrics.DateLayout) + " (" + w[d.Weekday()] + ")"
}

// formatDateText shows a date given as YYYY-MM-DD; anything else as it is.
func formatDateText(s, lang string) string {
	d, err := time.Parse(metrics.DateLayout, s)
	if err != nil {
		return s
	}
	return formatDate(d, lang)
}

// formatInstant shows an RFC 3339 instant (the API's, in the tenant's
// offset) as 2026-11-29 (일) 14:03:10, in the offset it carries.
func formatInstant(s, lang string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return formatDate(t, lang) + " " + t.Format("15:04:05")
}

// number reads a JSON number of the API's (nil for null or absent).
func number(raw json.RawMessage) *float64 {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil
	}
	return &f
}

// text reads a JSON string of the API's ("" for null, absent, or another
// type: true and false read as they are).
func text(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw)
	}
	return s
}
