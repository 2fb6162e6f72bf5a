package alerts

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"sqi/metrics"
	"sqi/store"
)

// metricLabel is the label of a rule's metric in the tenant's locale.
func metricLabel(name, locale string) string {
	k := 0
	if locale == "ko" {
		k = 1
	}
	if l, ok := metrics.NowTerms[name]; ok {
		return l.Label(locale)
	}
	if name == metrics.MetricSQI {
		return "SQI"
	}
	if i, ok := metrics.MetricIndex(name); ok {
		if k == 1 {
			return metrics.Catalog[i].LabelKO
		}
		return metrics.Catalog[i].LabelEN
	}
	return name
}

// isDuration reports whether the metric is a duration in seconds, shown
// as people read one (2:35, 1:02:07).
func isDuration(name string) bool {
	if name == metrics.NowLongestWait {
		return true
	}
	i, ok := metrics.MetricIndex(name)
	return ok && metrics.Catalog[i].Kind == metrics.Seconds
}

// formatValue shows a value of the metric: a duration as m:ss or h:mm:ss,
// a percentage with %, a count or a score as a number.
func formatValue(name string, v float64) string {
	if isDuration(name) {
		return metrics.DurationText(v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i, ok := metrics.MetricIndex(name); ok && metrics.Catalog[i].Kind == metrics.Percent {
		return s + "%"
	}
	return s
}

// windowText is a window as people say it: 30 min, 2 h, 1 h 30 min.
func windowText(w time.Duration, locale string) string {
	h, m := int(w/time.Hour), int(w%time.Hour/time.Minute)
	hu, mu := " h", " min"
	if locale == "ko" {
		hu, mu = "시간", "분"
	}
	var parts []string
	if h > 0 {
		parts = append(parts, strconv.Itoa(h)+hu)
	}
	if m > 0 || h == 0 {
		parts = append(parts, strconv.Itoa(m)+mu)
	}
	return strings.Join(parts, " ")
}

// Text is the one readable line of a notification, in the tenant's
// locale: what changed, the value against the threshold, and when. A
// Slack-compatible incoming webhook shows it as it is.
//
//	[FIRING] acme · sl_drop: Service level % over the last 30 min is 62.5% (< 70%) at 2026-11-30 14:03 KST
//	[해제] acme · queue: 대기 중 고객 3 (기준 >= 15) · 2026-11-30 14:10 KST
func Text(cfg *metrics.Config, r *metrics.AlertRule, kind string, v float64, asOf time.Time) string {
	ko := cfg.Locale == "ko"
	label := metricLabel(r.Metric, cfg.Locale)
	at := asOf.In(cfg.Location()).Format("2006-01-02 15:04 MST")
	value, threshold := formatValue(r.Metric, v), formatValue(r.Metric, r.Threshold)
	w := r.WindowDuration()
	if ko {
		tag := "[경보]"
		if kind == store.AlertResolved {
			tag = "[해제]"
		}
		subject := label
		if w > 0 {
			subject = "최근 " + windowText(w, "ko") + " " + label
		}
		return fmt.Sprintf("%s %s · %s: %s %s (기준 %s %s) · %s", tag, cfg.TenantID, r.Name, subject, value, r.Op, threshold, at)
	}
	tag := "[FIRING]"
	if kind == store.AlertResolved {
		tag = "[RESOLVED]"
	}
	subject := label
	if w > 0 {
		subject = label + " over the last " + windowText(w, "en")
	}
	return fmt.Sprintf("%s %s · %s: %s is %s (rule: %s %s) at %s", tag, cfg.TenantID, r.Name, subject, value, r.Op, threshold, at)
}
