package web

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// Both locales have the same words.
func TestTexts(t *testing.T) {
	ko, en := slices.Sorted(maps.Keys(texts["ko"])), slices.Sorted(maps.Keys(texts["en"]))
	if !slices.Equal(ko, en) {
		for _, k := range ko {
			if _, ok := texts["en"][k]; !ok {
				t.Errorf("en has no %q", k)
			}
		}
		for _, k := range en {
			if _, ok := texts["ko"][k]; !ok {
				t.Errorf("ko has no %q", k)
			}
		}
	}
	for lang, words := range texts {
		for k, w := range words {
			if strings.TrimSpace(w) == "" {
				t.Errorf("%s %q is empty", lang, k)
			}
		}
	}
}

func TestFormat(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"seconds", formatNumber(f(155.23), kindSeconds, "ko"), "2:35"},
		{"an hour", formatNumber(f(3727), kindSeconds, "en"), "1:02:07"},
		{"just under an hour", formatNumber(f(3599.6), kindSeconds, "ko"), "60:00"},
		{"count ko", formatNumber(f(1520), kindCount, "ko"), "1,520"},
		{"count en", formatNumber(f(1234567), kindCount, "en"), "1,234,567"},
		{"percent", formatNumber(f(85.27), kindPercent, "ko"), "85.27%"},
		{"points", formatNumber(f(4.5), kindPoints, "en"), "4.50"},
		{"sqi", formatNumber(f(84.1), kindSQI, "ko"), "84.1"},
		{"null", formatNumber(nil, kindSeconds, "ko"), "–"},
		{"NaN", formatNumber(f(math.NaN()), kindCount, "ko"), "–"},
		{"date ko", formatDate(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC), "ko"), "2026-11-29 (일)"},
		{"date en", formatDate(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "en"), "2026-11-30 (Mon)"},
		{"instant", formatInstant("2026-11-30T14:03:10+09:00", "ko"), "2026-11-30 (월) 14:03:10"},
		{"change of a percentage", formatChange(-1.26, kindPercent, "ko"), "−1.26%p"},
		{"change of a duration", formatChange(4.2, kindSeconds, "ko"), "+0:04"},
		{"no change of a duration", formatChange(0.3, kindSeconds, "ko"), "0:00"},
		{"change of a count", formatChange(12, kindCount, "en"), "+12"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// A change has an arrow, a word and a class: never colour alone.
func TestChange(t *testing.T) {
	for _, tc := range []struct {
		raw, metric         string
		arrow, class, words string
	}{
		{"2.5", "service_level_pct", "▲", "better", "개선"},
		{"2.5", "wait_avg_s", "▲", "worse", "악화"},
		{"-3", "wait_avg_s", "▼", "better", "개선"},
		{"12", "rooms", "▲", "flat", ""},
		{"0.2", "wait_avg_s", "→", "flat", "변화 없음"},
		{"null", "sqi", "", "flat", ""},
	} {
		c := changeOf([]byte(tc.raw), tc.metric, "ko")
		if c.Arrow != tc.arrow || c.Class != tc.class || c.Word != tc.words {
			t.Errorf("%s %s: %+v, want %s %s %s", tc.metric, tc.raw, c, tc.arrow, tc.class, tc.words)
		}
	}
}

// The API's problems of a configuration name the form's fields.
func TestFieldOf(t *testing.T) {
	b := &built{comps: map[string]int{"wait": 4}, grades: []int{0, 2}, rules: []int{1}, hooks: []int{0}}
	for problem, want := range map[string]string{
		"components.wait.weight 1e+09: use a number from 0 to 1000":                 "comp.4.weight",
		"components.wait: target and worst are both 5; they must differ":            "comp.4.target",
		"components: every weight is 0; give at least one component a weight":       "components",
		"grades[1].min 99: grades must be in descending order":                      "grade.2.min",
		"alerts.rules[0].op \"==\": use one of < <= > >=":                           "rule.1.op",
		"alerts.rules[0].name \"\": give a name":                                    "rule.1.name",
		"alerts.webhooks[0].url \"x\": give an http:// or https:// URL":             "hook.0.url",
		"business_hours.weekly.mon[0] \"9-18\": use HH:MM-HH:MM":                    "bh.mon",
		"business_hours.weekly.tue: intervals 09:00-12:00 and 11:00-13:00 overlap":  "bh.tue",
		"business_hours.holidays[2] \"x\": use a date YYYY-MM-DD":                   "holidays",
		"report.weekly.recipients[0] \"x\": use a plain e-mail address":             "report.weekly",
		"report.send_at \"7\": use HH:MM, 24-hour local time":                       "report.send_at",
		"timezone \"Mars\": use an IANA time zone":                                  "timezone",
		"alerts.emails[3] \"x\": use a plain e-mail address":                        "alerts.emails",
		"configuration: json: unknown field \"x\"":                                  "",
		"grades[5].min 3: grades must be in descending order (a row with no field)": "",
	} {
		if got := b.fieldOf(problem); got != want {
			t.Errorf("%q: field %q, want %q", problem, got, want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/t/acme/live?x=1": "/t/acme/live?x=1", "": "/", "//evil.example": "/", "https://evil.example/": "/",
		`/\evil.example`: "/", "/ok\r\nSet-Cookie: x": "/", "relative": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for v, want := range map[float64]float64{28: 40, 100: 100, 3: 4, 0: 4, 41: 60, 1234: 1600, 9: 12} {
		if got := niceMax(v); got != want {
			t.Errorf("niceMax(%g) = %g, want %g", v, got, want)
		}
	}
}
