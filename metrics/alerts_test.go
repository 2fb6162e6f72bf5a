package metrics

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAlertsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		alerts string
		want   []string // substrings of the problems, every one expected
	}{
		{name: "valid", alerts: `{"rules": [
			{"name": "sl_drop", "metric": "service_level_pct", "window": "30m", "op": "<", "threshold": 70, "min_rooms": 20},
			{"name": "long_wait", "metric": "longest_wait_s", "op": ">", "threshold": 180},
			{"name": "queue", "metric": "waiting", "op": ">=", "threshold": 15},
			{"name": "score", "metric": "sqi", "window": "24h", "op": "<=", "threshold": 60}],
			"emails": ["floor-lead@acme.example"], "webhooks": [{"url": "https://hooks.example/T000/B000/xyz", "secret": "s"}]}`},
		{name: "unknown metric", alerts: `{"rules": [{"name": "a", "metric": "wait_p99_s", "window": "30m", "op": "<", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].metric "wait_p99_s": use a metric over a window`}},
		{name: "window too short", alerts: `{"rules": [{"name": "a", "metric": "wait_avg_s", "window": "4m", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].window "4m": give a duration from 5m to 24h`}},
		{name: "window too long", alerts: `{"rules": [{"name": "a", "metric": "wait_avg_s", "window": "25h", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].window "25h"`}},
		{name: "window not a duration", alerts: `{"rules": [{"name": "a", "metric": "wait_avg_s", "window": "half an hour", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].window "half an hour"`}},
		{name: "bad op", alerts: `{"rules": [{"name": "a", "metric": "waiting", "op": "=>", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].op "=>": use one of < <= > >=`}},
		{name: "window metric without window", alerts: `{"rules": [{"name": "a", "metric": "service_level_pct", "op": "<", "threshold": 70}]}`,
			want: []string{`alerts.rules[0].window: service_level_pct is computed over the rooms of a window`}},
		{name: "now metric with window", alerts: `{"rules": [{"name": "a", "metric": "waiting", "window": "30m", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].window "30m": waiting is a metric of now`}},
		{name: "now metric with min_rooms", alerts: `{"rules": [{"name": "a", "metric": "agents_busy", "op": "<", "threshold": 1, "min_rooms": 3}]}`,
			want: []string{`alerts.rules[0].min_rooms 3`}},
		{name: "duplicate names", alerts: `{"rules": [{"name": "a", "metric": "waiting", "op": ">", "threshold": 1}, {"name": "a", "metric": "in_progress", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[1].name "a": another rule has this name`}},
		{name: "empty name", alerts: `{"rules": [{"metric": "waiting", "op": ">", "threshold": 1}]}`,
			want: []string{`alerts.rules[0].name ""`}},
		{name: "webhook not http", alerts: `{"webhooks": [{"url": "ftp://hooks.example/x"}]}`,
			want: []string{`alerts.webhooks[0].url "ftp://hooks.example/********": give an http:// or https:// URL`}},
		{name: "webhook no host", alerts: `{"webhooks": [{"url": "https:///x"}]}`,
			want: []string{`alerts.webhooks[0].url`}},
		{name: "webhook with password", alerts: `{"webhooks": [{"url": "https://u:pw@hooks.example/x"}]}`,
			want: []string{`a URL with a user or password is not allowed`}},
		{name: "bad email", alerts: `{"emails": ["lead at acme"]}`, want: []string{`alerts.emails[0] "lead at acme"`}},
		{name: "every problem at once", alerts: `{"rules": [{"name": "a", "metric": "nope", "op": "?", "threshold": 1}], "webhooks": [{"url": "mailto:x@y"}], "emails": ["x"]}`,
			want: []string{`rules[0].metric`, `rules[0].op`, `webhooks[0].url`, `emails[0]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(`{"tenant_id": "acme", "alerts": ` + tt.alerts + `}`))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("valid alerts refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "T000") || strings.Contains(err.Error(), "pw@") {
				t.Errorf("error %q shows a secret part of a URL", err)
			}
		})
	}
}

func TestAlertsMaskAndRestore(t *testing.T) {
	t.Parallel()
	doc := `{"tenant_id": "acme", "alerts": {"rules": [], "emails": [], "webhooks": [
		{"url": "https://hooks.slack.com/services/T000/B000/xyz", "secret": "s3cret"},
		{"url": "https://example.com/", "secret": ""}]}}`
	stored, err := ParseConfig([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := json.Marshal(stored.Masked())
	if strings.Contains(string(shown), "s3cret") || strings.Contains(string(shown), "T000") {
		t.Fatalf("masked configuration shows a secret: %s", shown)
	}
	if stored.Alerts.Webhooks[0].Secret != "s3cret" {
		t.Fatal("Masked changed the configuration it was called on")
	}
	// What GET config shows, changed and put back, keeps the secrets.
	back, err := ParseConfig(shown)
	if err != nil {
		t.Fatalf("masked document does not parse: %v", err)
	}
	if !back.HasMasks() {
		t.Fatal("HasMasks false for a masked document")
	}
	back.SLThresholdS = 20
	if err := back.RestoreSecrets(&stored); err != nil {
		t.Fatal(err)
	}
	if back.Alerts.Webhooks[0] != stored.Alerts.Webhooks[0] || back.Alerts.Webhooks[1] != stored.Alerts.Webhooks[1] {
		t.Errorf("restored %+v, want %+v", back.Alerts.Webhooks, stored.Alerts.Webhooks)
	}
	// A mask that matches nothing is an error naming the field.
	other, _ := ParseConfig([]byte(`{"tenant_id": "acme", "alerts": {"webhooks": [{"url": "https://hooks.slack.com/********", "secret": "********"},
		{"url": "https://new.example/hook", "secret": "********"}]}}`))
	err = other.RestoreSecrets(nil)
	if err == nil || !strings.Contains(err.Error(), "alerts.webhooks[0].url") || !strings.Contains(err.Error(), "alerts.webhooks[1].secret is masked") {
		t.Errorf("restore without stored configuration: %v", err)
	}
}

func TestAlertRuleCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op    string
		v     float64
		fires bool
	}{
		{"<", 69.99, true}, {"<", 70, false}, {"<=", 70, true}, {"<=", 70.01, false},
		{">", 70.01, true}, {">", 70, false}, {">=", 70, true}, {">=", 69.99, false},
	}
	for _, tt := range tests {
		r := AlertRule{Metric: "service_level_pct", Op: tt.op, Threshold: 70}
		if got := r.Breached(tt.v); got != tt.fires {
			t.Errorf("%v %s 70: %v, want %v", tt.v, tt.op, got, tt.fires)
		}
	}
	// Shown values are compared: 69.996 shows as 70.00, which is not < 70.
	r := AlertRule{Metric: "service_level_pct", Op: "<", Threshold: 70}
	if r.Breached(r.ShownValue(69.996)) {
		t.Error("69.996 (shown 70) fired < 70")
	}
	if got := (&AlertRule{Metric: "sqi"}).ShownValue(84.06); got != 84.1 {
		t.Errorf("sqi shown %v, want 84.1", got)
	}
	if got := (&AlertRule{Metric: "waiting"}).ShownValue(7); got != 7 {
		t.Errorf("waiting shown %v", got)
	}
}
