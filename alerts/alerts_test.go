package alerts

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sqi/live"
	"sqi/metrics"
	"sqi/store"
)

func snapAt(asOf time.Time, runID int64, now live.Now, windows map[time.Duration]metrics.Row) *live.Snapshot {
	return &live.Snapshot{TenantID: "acme", Run: store.RunRef{ID: runID, SnapshotAt: asOf}, Now: now, Windows: windows}
}

func rowOf(rooms, answeredInSL, offered float64) metrics.Row {
	var r metrics.Row
	r.Values[metrics.MRooms] = metrics.Value{V: rooms}
	if offered > 0 {
		r.Values[metrics.MServiceLevelPct] = metrics.Value{V: 100 * answeredInSL / offered}
	} else {
		r.Values[metrics.MServiceLevelPct] = metrics.Value{Null: true}
	}
	return r
}

// TestDecide walks two rules through a sequence of evaluations: a rule
// first seen ok is not notified, first seen firing is; a change notifies
// once; no verdict (too few rooms, an empty denominator) keeps the state.
func TestDecide(t *testing.T) {
	t.Parallel()
	cfg, err := metrics.ParseConfig([]byte(`{"tenant_id": "acme", "locale": "en", "alerts": {
		"rules": [{"name": "queue", "metric": "waiting", "op": ">=", "threshold": 5},
		          {"name": "sl", "metric": "service_level_pct", "window": "30m", "op": "<", "threshold": 70, "min_rooms": 10}],
		"emails": ["a@acme.example"], "webhooks": [{"url": "https://hooks.example/x", "secret": "k"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	w := 30 * time.Minute
	t0 := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		waiting int
		row     metrics.Row
		want    map[string]string // rule → state after
		notify  []string          // rule:kind notified
	}{
		{"first: ok and no verdict", 2, rowOf(5, 1, 5), map[string]string{"queue": "ok", "sl": "ok"}, nil},
		{"queue fires", 5, rowOf(20, 10, 20), map[string]string{"queue": "firing", "sl": "firing"}, []string{"queue:firing", "sl:firing"}},
		{"still firing", 9, rowOf(30, 10, 20), map[string]string{"queue": "firing", "sl": "firing"}, nil},
		{"sl without verdict (too few rooms)", 9, rowOf(9, 9, 9), map[string]string{"queue": "firing", "sl": "firing"}, nil},
		{"sl without verdict (null)", 9, rowOf(30, 0, 0), map[string]string{"queue": "firing", "sl": "firing"}, nil},
		{"both resolve", 4, rowOf(30, 15, 20), map[string]string{"queue": "ok", "sl": "ok"}, []string{"queue:resolved", "sl:resolved"}},
	}
	current := map[string]store.AlertState{}
	for i, st := range steps {
		snap := snapAt(t0.Add(time.Duration(i)*time.Minute), int64(i+1), live.Now{Waiting: st.waiting}, map[time.Duration]metrics.Row{w: st.row})
		ev, err := Decide(&cfg, snap, current)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range ev.Notifications {
			got = append(got, n.Rule+":"+n.State)
			if len(n.Deliveries) != 2 || n.Deliveries[0].ID == n.Deliveries[1].ID || n.Deliveries[1].Secret != "k" {
				t.Errorf("%s: deliveries %+v", st.name, n.Deliveries)
			}
			if !strings.Contains(n.Body, `"state":"`+n.State+`"`) || !strings.HasPrefix(n.Body, `{"tenant_id":"acme","rule":`) {
				t.Errorf("%s: body %s", st.name, n.Body)
			}
		}
		if strings.Join(got, ",") != strings.Join(st.notify, ",") {
			t.Errorf("%s: notified %v, want %v", st.name, got, st.notify)
		}
		next := map[string]store.AlertState{}
		for _, s := range ev.States {
			next[s.Rule] = s
			if s.State != st.want[s.Rule] {
				t.Errorf("%s: %s is %s, want %s", st.name, s.Rule, s.State, st.want[s.Rule])
			}
		}
		if prev, ok := current["queue"]; ok && prev.State == next["queue"].State && !next["queue"].Since.Equal(prev.Since) {
			t.Errorf("%s: since moved without a change of state", st.name)
		}
		current = next
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 11, 30, 5, 3, 10, 0, time.UTC)
	en := metrics.DefaultConfig("acme")
	en.Locale = "en"
	ko := metrics.DefaultConfig("acme")
	tests := []struct {
		cfg  metrics.Config
		rule metrics.AlertRule
		kind string
		v    float64
		want string
	}{
		{en, metrics.AlertRule{Name: "sl_drop", Metric: "service_level_pct", Window: "30m", Op: "<", Threshold: 70}, "firing", 62.5,
			"[FIRING] acme · sl_drop: Service level % over the last 30 min is 62.5% (rule: < 70%) at 2026-11-30 14:03 KST"},
		{en, metrics.AlertRule{Name: "long_wait", Metric: "longest_wait_s", Op: ">", Threshold: 180}, "resolved", 95.4,
			"[RESOLVED] acme · long_wait: Longest wait is 1:35 (rule: > 3:00) at 2026-11-30 14:03 KST"},
		{ko, metrics.AlertRule{Name: "queue", Metric: "waiting", Op: ">=", Threshold: 15}, "firing", 17,
			"[경보] acme · queue: 대기 중 고객 17 (기준 >= 15) · 2026-11-30 14:03 KST"},
		{ko, metrics.AlertRule{Name: "sqi", Metric: "sqi", Window: "1h30m", Op: "<", Threshold: 70}, "resolved", 71.2,
			"[해제] acme · sqi: 최근 1시간 30분 SQI 71.2 (기준 < 70) · 2026-11-30 14:03 KST"},
	}
	for _, tt := range tests {
		if got := Text(&tt.cfg, &tt.rule, tt.kind, tt.v, asOf); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestSignAndBackoff(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256 of RFC 4231 test case 2.
	if got := Sign("Jefe", []byte("what do ya want for nothing?")); got != "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("Sign: %s", got)
	}
	b := DefaultBackoff(10 * time.Second)
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 30 * time.Second, 3: 90 * time.Second, 7: 30 * time.Minute, 50: 30 * time.Minute} {
		if got := b(n); got != want {
			t.Errorf("backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestWebhookErrors: the failures of a webhook say what happened without
// the URL's path (a credential), and are classified for retries.
func TestWebhookErrors(t *testing.T) {
	t.Parallel()
	statuses := map[string]int{"/gone": 404, "/busy": 503, "/moved": 301, "/ok": 204, "/slow": 200}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = strings.TrimSuffix(r.URL.Path, "/T0SECRET")
		if r.URL.Path == "/slow" {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}
		if r.URL.Path == "/moved" {
			w.Header().Set("Location", "http://169.254.169.254/")
		}
		w.WriteHeader(statuses[r.URL.Path])
	}))
	defer srv.Close()
	client := NewWebhookClient(300*time.Millisecond, true)
	guarded := NewWebhookClient(300*time.Millisecond, false)
	tests := []struct {
		client    *http.Client
		path      string
		ok        bool
		permanent bool
		says      string
	}{
		{client, "/ok", true, false, ""},
		{client, "/gone", false, true, "answered 404"},
		{client, "/busy", false, false, "answered 503"},
		{client, "/moved", false, true, "a redirect, which is not followed"},
		{client, "/slow", false, false, "did not answer in time"},
		{guarded, "/ok", false, true, "refused"},
	}
	for _, tt := range tests {
		err := postWebhook(context.Background(), tt.client, srv.URL+tt.path+"/T0SECRET", "k", "id-1", []byte(`{}`))
		if (err == nil) != tt.ok || IsPermanent(err) != tt.permanent || (err != nil && !strings.Contains(err.Error(), tt.says)) {
			t.Errorf("%s: %v (permanent %v)", tt.path, err, IsPermanent(err))
		}
		if err != nil && strings.Contains(err.Error(), "T0SECRET") {
			t.Errorf("%s: the error shows the URL's path: %v", tt.path, err)
		}
	}
	// The metadata address is refused before any packet is sent.
	err := postWebhook(context.Background(), guarded, "http://169.254.169.254/latest/meta-data/", "", "id-2", []byte(`{}`))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("metadata address: %v", err)
	}
	var de *deliveryError
	if !errors.As(err, &de) {
		t.Errorf("not a delivery error: %T", err)
	}
}
