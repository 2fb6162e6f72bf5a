package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/api"
	"sqi/internal/mailpit"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/store"
)

// hookCall is one request a receiver got.
type hookCall struct {
	id, sig string
	body    map[string]any
	sigOK   bool
	status  int
	at      time.Time
}

// receiver is a real webhook receiver (an HTTP server of the test's own):
// it checks each body's signature with its secret and answers status(n)
// to the nth request of a delivery id, or hangs until the test ends.
type receiver struct {
	srv    *httptest.Server
	secret string
	path   string // a Slack-like path, a credential that must never be logged
	status func(n int) int
	hang   chan struct{}
	mu     sync.Mutex
	calls  []hookCall
	byID   map[string]int
}

func newReceiver(t *testing.T, secret string, status func(n int) int, hang bool) *receiver {
	t.Helper()
	r := &receiver{secret: secret, status: status, byID: map[string]int{}, path: "/hook/T0AB12/B0CD34/" + fmt.Sprint(time.Now().UnixNano())}
	if hang {
		r.hang = make(chan struct{})
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	if hang {
		t.Cleanup(func() { close(r.hang) }) // runs first: the handlers return, then Close
	}
	return r
}

func (r *receiver) url() string { return r.srv.URL + r.path }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	c := hookCall{id: req.Header.Get("X-SQI-Delivery"), sig: req.Header.Get("X-SQI-Signature"), at: time.Now(), status: 200}
	_ = json.Unmarshal(raw, &c.body)
	if r.secret != "" {
		mac := hmac.New(sha256.New, []byte(r.secret))
		mac.Write(raw)
		c.sigOK = hmac.Equal([]byte(c.sig), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
	}
	r.mu.Lock()
	r.byID[c.id]++
	n := r.byID[c.id]
	r.mu.Unlock()
	if r.status != nil {
		c.status = r.status(n)
	}
	if r.hang != nil {
		select {
		case <-r.hang:
		case <-req.Context().Done():
		}
		c.status = 0
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if c.status != 0 {
		w.WriteHeader(c.status)
	}
}

func (r *receiver) snapshot() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookCall(nil), r.calls...)
}

// delivered returns the calls answered 2xx, by notification state.
func (r *receiver) delivered() map[string][]hookCall {
	out := map[string][]hookCall{}
	for _, c := range r.snapshot() {
		if c.status >= 200 && c.status < 300 {
			s, _ := c.body["state"].(string)
			out[s] = append(out[s], c)
		}
	}
	return out
}

func eventually(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// insertEvents writes events of room at the given instants.
func insertEvents(t *testing.T, db *store.DB, firstID int64, tenant, room string, events ...[3]any) {
	t.Helper()
	for i, e := range events {
		var agent any
		if e[2] != "" {
			agent = e[2]
		}
		if _, err := db.Pool.Exec(context.Background(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, agent_id, team_id, channel)
VALUES ($1, $2, $3, $4, $5, $6, 't1', 'web')`, firstID+int64(i), tenant, room, e[0], e[1], agent); err != nil {
			t.Fatal(err)
		}
	}
}

func readerKey(t testing.TB, db *store.DB, tenant string) string {
	t.Helper()
	key, stored, err := api.NewKey(api.RoleReader, tenant, "alerts", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIKey(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
	return key
}

func getAlerts(t *testing.T, base, key string) api.AlertsBody {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/tenants/acme/alerts", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b api.AlertsBody
	if resp.StatusCode != 200 {
		t.Fatalf("alerts: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAlertsTwoReplicas runs two `sqi serve` replicas on one database
// with real webhook receivers and a real Mailpit. A rule on waiting fires
// when a room queues and resolves when an agent takes it: each change is
// delivered exactly once to every e-mail address and every webhook, with
// a signature the receiver checks; a webhook answering 500 twice then 200
// gets its three attempts under one delivery id and is delivered once; a
// webhook that hangs times out and is retried without holding up the
// others; no secret reaches the logs.
func TestAlertsTwoReplicas(t *testing.T) {
	t.Parallel()
	db, url := pgtest.NewWithURL(t)
	mp := mailpit.Start(t, false)
	good := newReceiver(t, "good-secret", nil, false)
	flaky := newReceiver(t, "flaky-secret", func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}, false)
	hang := newReceiver(t, "hang-secret", nil, true)
	cfg, err := metrics.ParseConfig([]byte(fmt.Sprintf(`{"tenant_id": "acme", "locale": "en", "alerts": {
  "rules": [{"name": "queue", "metric": "waiting", "op": ">=", "threshold": 1},
            {"name": "sl_drop", "metric": "service_level_pct", "window": "30m", "op": "<", "threshold": 70, "min_rooms": 1000}],
  "emails": ["lead@acme.example", "ops@acme.example"],
  "webhooks": [{"url": %q, "secret": "good-secret"}, {"url": %q, "secret": "flaky-secret"}, {"url": %q, "secret": "hang-secret"}]}}`,
		good.url(), flaky.url(), hang.url())))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutTenant(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	key := readerKey(t, db, "acme")
	env := servedEnv(url, map[string]string{"ETL_INTERVAL": "1s", "WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_TIMEOUT": "1s",
		"ALERT_RETRY_BASE": "200ms", "SMTP_URL": mp.SMTPURL(t, "alerts", "smtp-pw"), "SMTP_FROM": "SQI <sqi@sqi.example>", "READY_MAX_ETL_LAG": "0"})
	baseA, logsA := startServe(t, env)
	baseB, logsB := startServe(t, env)

	queuedAt := time.Now()
	insertEvents(t, db, 1, "acme", "r1", [3]any{"room_opened", queuedAt.Add(-time.Minute), ""}, [3]any{"queued", queuedAt.Add(-30 * time.Second), ""})
	eventually(t, 20*time.Second, "the firing notification at the good webhook", func() bool { return len(good.delivered()["firing"]) > 0 })
	firedIn := time.Since(queuedAt)
	insertEvents(t, db, 10, "acme", "r1", [3]any{"agent_assigned", time.Now(), "a1"})
	eventually(t, 20*time.Second, "the resolved notification at the good webhook", func() bool { return len(good.delivered()["resolved"]) > 0 })
	eventually(t, 20*time.Second, "both notifications at the flaky webhook and in Mailpit", func() bool {
		per := mailpit.PerRecipient(mp.Messages(t))
		return len(flaky.delivered()["firing"]) > 0 && len(flaky.delivered()["resolved"]) > 0 &&
			per["lead@acme.example"] >= 2 && per["ops@acme.example"] >= 2
	})
	time.Sleep(3 * time.Second) // more ETL runs and evaluations on both replicas: nothing more is sent

	if firedIn > 10*time.Second {
		t.Errorf("the firing notification took %s with a hanging webhook beside it", firedIn)
	}
	// The good receiver: once each, signed, the body of docs/alerts.md.
	calls := good.snapshot()
	if len(calls) != 2 {
		t.Fatalf("good webhook got %d requests, want 2 (firing, resolved): %+v", len(calls), calls)
	}
	for i, c := range calls {
		want := []string{"firing", "resolved"}[i]
		if c.body["state"] != want || !c.sigOK || c.id == "" || c.body["tenant_id"] != "acme" || c.body["rule"] != "queue" ||
			c.body["metric"] != "waiting" || c.body["threshold"] != 1.0 || c.body["as_of"] == nil {
			t.Errorf("good call %d: %+v (signature ok %v)", i, c.body, c.sigOK)
		}
		if text, _ := c.body["text"].(string); !strings.Contains(text, "acme · queue") || strings.Contains(text, "\n") {
			t.Errorf("text %q", text)
		}
		if len(c.body) != 8 {
			t.Errorf("body has %d keys, want the 8 of docs/alerts.md: %v", len(c.body), c.body)
		}
	}
	if calls[0].body["value"] != 1.0 || calls[1].body["value"] != 0.0 {
		t.Errorf("values %v %v, want 1 then 0", calls[0].body["value"], calls[1].body["value"])
	}
	// The flaky receiver: 500, 500, 200 under one id, for each notification.
	fl := flaky.snapshot()
	ids := map[string][]int{}
	for _, c := range fl {
		ids[c.id] = append(ids[c.id], c.status)
		if !c.sigOK {
			t.Errorf("flaky: bad signature %q", c.sig)
		}
	}
	if len(ids) != 2 {
		t.Errorf("flaky webhook saw %d delivery ids, want 2: %v", len(ids), ids)
	}
	for id, st := range ids {
		if fmt.Sprint(st) != "[500 500 200]" {
			t.Errorf("flaky delivery %s answered %v, want [500 500 200]", id, st)
		}
	}
	// The hanging receiver: attempts time out and are retried with the same id.
	hs := hang.snapshot()
	hangIDs := map[string]int{}
	for _, c := range hs {
		hangIDs[c.id]++
	}
	if len(hs) < 2 || len(hangIDs) > 2 {
		t.Errorf("hanging webhook: %d requests over ids %v, want retries of at most 2 deliveries", len(hs), hangIDs)
	}
	// Mail: one message per change and address.
	per := mailpit.PerRecipient(mp.Messages(t))
	if per["lead@acme.example"] != 2 || per["ops@acme.example"] != 2 {
		t.Errorf("mail per recipient %v, want 2 each", per)
	}
	var subjects []string
	for _, m := range mp.Messages(t) {
		subjects = append(subjects, m.Subject)
	}
	if !strings.Contains(strings.Join(subjects, "|"), "[FIRING] acme · queue") || !strings.Contains(strings.Join(subjects, "|"), "[RESOLVED] acme · queue") {
		t.Errorf("subjects %q", subjects)
	}
	// /alerts on either replica: the rule is ok again, two notifications
	// with their deliveries.
	for _, base := range []string{baseA, baseB} {
		b := getAlerts(t, base, key)
		if len(b.Rules) != 2 || b.Rules[0].Name != "queue" || b.Rules[0].State != "ok" || b.Rules[0].Value == nil || *b.Rules[0].Value != 0 ||
			b.Rules[0].Since == nil || b.Rules[1].Value != nil || b.Rules[1].Rooms == nil {
			t.Errorf("%s rules: %+v", base, b.Rules)
		}
		if len(b.Notifications) != 2 || b.Notifications[0].State != "resolved" || b.Notifications[1].State != "firing" {
			t.Fatalf("%s notifications: %+v", base, b.Notifications)
		}
		for _, n := range b.Notifications {
			status := map[string]string{}
			for _, d := range n.Deliveries {
				status[d.Destination] = d.Status
				if strings.Contains(d.Destination, "T0AB12") {
					t.Errorf("a webhook URL shown whole: %s", d.Destination)
				}
				if strings.HasSuffix(d.Destination, "example") || d.Channel == "email" {
					continue
				}
			}
			if len(n.Deliveries) != 5 || status["lead@acme.example"] != "sent" || status["ops@acme.example"] != "sent" {
				t.Errorf("deliveries of %s: %+v", n.State, n.Deliveries)
			}
			sent, failing := 0, 0
			for _, d := range n.Deliveries {
				switch {
				case d.Channel == "webhook" && d.Status == "sent":
					sent++
					if d.Attempts != 1 && d.Attempts != 3 {
						t.Errorf("webhook sent after %d attempts", d.Attempts)
					}
				case d.Channel == "webhook" && (d.Status == "retry" || d.Status == "sending" || d.Status == "failed"):
					failing++
					if d.Status == "retry" && (d.LastError == nil || !strings.Contains(*d.LastError, "did not answer in time")) {
						t.Errorf("hanging delivery's error: %v", d.LastError)
					}
				}
			}
			if sent != 2 || failing != 1 {
				t.Errorf("%s: %d webhooks sent, %d failing; want 2 and 1 (the hanging one): %+v", n.State, sent, failing, n.Deliveries)
			}
		}
	}
	var notifications int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM alert_notifications`).Scan(&notifications); err != nil || notifications != 2 {
		t.Errorf("%d notifications recorded (%v), want 2", notifications, err)
	}
	for name, logs := range map[string]string{"A": logsA.String(), "B": logsB.String()} {
		for _, secret := range []string{"good-secret", "flaky-secret", "hang-secret", "T0AB12", "smtp-pw"} {
			if strings.Contains(logs, secret) {
				t.Errorf("replica %s logged %q", name, secret)
			}
		}
		if !strings.Contains(logs, `"service":"live"`) || !strings.Contains(logs, `"service":"alerts"`) {
			t.Errorf("replica %s did not start the live view and the alerts", name)
		}
	}
	// GET config never shows a secret, nor a webhook's path.
	req, _ := http.NewRequest("GET", baseA+"/v1/tenants/acme/config", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "secret\": \"good") || strings.Contains(string(body), "T0AB12") || !strings.Contains(string(body), metrics.SecretMask) {
		t.Errorf("GET config: %s", body)
	}
}

// TestAlertsRefusePrivate: without WEBHOOK_ALLOW_PRIVATE, webhooks that
// resolve to loopback or to the cloud metadata address are refused at
// dial time: the receiver gets nothing, the deliveries fail at once with
// a message that says why, and e-mail still goes.
func TestAlertsRefusePrivate(t *testing.T) {
	t.Parallel()
	db, url := pgtest.NewWithURL(t)
	mp := mailpit.Start(t, false)
	local := newReceiver(t, "s", nil, false)
	port := local.srv.Listener.Addr().String()[strings.LastIndexByte(local.srv.Listener.Addr().String(), ':')+1:]
	cfg, err := metrics.ParseConfig([]byte(fmt.Sprintf(`{"tenant_id": "acme", "alerts": {
  "rules": [{"name": "queue", "metric": "waiting", "op": ">=", "threshold": 1}],
  "emails": ["lead@acme.example"],
  "webhooks": [{"url": %q, "secret": "s"}, {"url": "http://localhost:%s/x"}, {"url": "http://169.254.169.254/latest/meta-data/"}]}}`, local.url(), port)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutTenant(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	key := readerKey(t, db, "acme")
	base, logs := startServe(t, servedEnv(url, map[string]string{"ETL_INTERVAL": "1s", "SMTP_URL": mp.SMTPURL(t, "a", "b"), "READY_MAX_ETL_LAG": "0"}))
	insertEvents(t, db, 1, "acme", "r1", [3]any{"room_opened", time.Now().Add(-time.Minute), ""}, [3]any{"queued", time.Now(), ""})
	var b api.AlertsBody
	eventually(t, 20*time.Second, "the firing notification's deliveries to end", func() bool {
		b = getAlerts(t, base, key)
		if len(b.Notifications) == 0 {
			return false
		}
		for _, d := range b.Notifications[0].Deliveries {
			if d.Status != "sent" && d.Status != "failed" {
				return false
			}
		}
		return true
	})
	for _, d := range b.Notifications[0].Deliveries {
		switch d.Channel {
		case "email":
			if d.Status != "sent" {
				t.Errorf("e-mail %s: %s", d.Destination, d.Status)
			}
		case "webhook":
			if d.Status != "failed" || d.Attempts != 1 || d.LastError == nil || !strings.Contains(*d.LastError, "refused") ||
				!strings.Contains(*d.LastError, "WEBHOOK_ALLOW_PRIVATE") {
				t.Errorf("webhook %s: %s after %d attempts: %v", d.Destination, d.Status, d.Attempts, d.LastError)
			}
		}
	}
	if n := len(local.snapshot()); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
	if strings.Contains(logs.String(), "T0AB12") {
		t.Error("a webhook URL was logged whole")
	}
}

// TestLiveFreshness runs `sqi serve` with the default ETL_INTERVAL and
// checks the bound of docs/api.md: an event committed to chat_events is in
// /live, and in its event stream, within 15 seconds.
func TestLiveFreshness(t *testing.T) {
	t.Parallel()
	db, url := pgtest.NewWithURL(t)
	key := readerKey(t, db, "acme")
	insertEvents(t, db, 1, "acme", "r0", [3]any{"room_opened", time.Now().Add(-time.Minute), ""}, [3]any{"queued", time.Now().Add(-time.Minute), ""})
	base, _ := startServe(t, servedEnv(url, map[string]string{"READY_MAX_ETL_LAG": "0"}))
	getLive := func() (waiting int) {
		req, _ := http.NewRequest("GET", base+"/v1/tenants/acme/live", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b struct {
			Now struct {
				Waiting int `json:"waiting"`
			} `json:"now"`
		}
		if resp.StatusCode != 200 {
			return -1
		}
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return b.Now.Waiting
	}
	eventually(t, 20*time.Second, "the first view", func() bool { return getLive() == 1 })

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/tenants/acme/live", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	streamed := make(chan time.Time, 1)
	go func() {
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"waiting":2`) {
				streamed <- time.Now()
				return
			}
		}
	}()
	committed := time.Now()
	insertEvents(t, db, 10, "acme", "r1", [3]any{"room_opened", committed, ""}, [3]any{"queued", committed, ""})
	eventually(t, 15*time.Second, "the event in /live", func() bool { return getLive() == 2 })
	polled := time.Since(committed)
	select {
	case at := <-streamed:
		t.Logf("event committed → /live %s, → stream %s (ETL_INTERVAL 10s)", polled.Round(time.Millisecond), at.Sub(committed).Round(time.Millisecond))
		if at.Sub(committed) > 15*time.Second {
			t.Errorf("the stream had the event after %s", at.Sub(committed))
		}
	case <-time.After(15*time.Second - polled):
		t.Error("the stream did not have the event within 15s")
	}
}

// TestServeSettings checks the settings of the live view and the alerts:
// their defaults and a clear error naming each bad value.
func TestServeSettings(t *testing.T) {
	t.Parallel()
	c, err := loadServeConfig(func(string) string { return "" })
	if err != nil || c.ETLInterval != 10*time.Second || c.WebhookAllowPrivate || c.WebhookTimeout != 10*time.Second || c.AlertRetryBase != 10*time.Second {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	tests := []struct {
		name, value, want string
	}{
		{"ETL_INTERVAL", "500ms", `ETL_INTERVAL "500ms": give a duration from 1s to 1h0m0s`},
		{"ETL_INTERVAL", "2h", `ETL_INTERVAL "2h": give a duration from 1s to 1h0m0s`},
		{"ETL_INTERVAL", "ten", `ETL_INTERVAL "ten"`},
		{"WEBHOOK_ALLOW_PRIVATE", "yes", `WEBHOOK_ALLOW_PRIVATE "yes": give true`},
		{"WEBHOOK_TIMEOUT", "0s", `WEBHOOK_TIMEOUT "0s": give a duration of at least 100ms`},
		{"ALERT_RETRY_BASE", "x", `ALERT_RETRY_BASE "x"`},
	}
	for _, tt := range tests {
		_, err := loadServeConfig(func(k string) string {
			if k == tt.name {
				return tt.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: %v, want %q", tt.name, tt.value, err, tt.want)
		}
	}
	c, err = loadServeConfig(func(k string) string {
		return map[string]string{"ETL_INTERVAL": "5s", "WEBHOOK_ALLOW_PRIVATE": "true"}[k]
	})
	if err != nil || c.ETLInterval != 5*time.Second || !c.WebhookAllowPrivate {
		t.Errorf("ETL_INTERVAL=5s WEBHOOK_ALLOW_PRIVATE=true: %+v %v", c, err)
	}
}
