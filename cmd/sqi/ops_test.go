package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"sqi/internal/mailpit"
	"sqi/internal/pgtest"
	"sqi/store"
)

// startServe runs `sqi serve` in this process on a free port until the
// test ends, with the logs in the returned buffer.
func startServe(t *testing.T, getenv func(string) string) (base string, logs *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan int, 1)
	env := func(k string) string {
		if k == "HTTP_ADDR" {
			return addr
		}
		return getenv(k)
	}
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, logs, env) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Error("serve did not stop")
		}
	})
	base = "http://" + addr
	waitUp(t, base+"/healthz", done)
	return base, logs
}

// TestServeSendsCaughtUpReport is the case: yesterday's events
// are in the feed, no ETL has run, the report's send_at has passed, and
// `sqi serve` starts with Mailpit. The report must wait for the backlog:
// the e-mail carries the SQI of the whole day (before, it went out at once
// with "SQI - (-)"). The report's ETL run and the e-mail happen within
// seconds, not at the next minute.
func TestServeSendsCaughtUpReport(t *testing.T) {
	t.Parallel()
	db, dbURL := pgtest.NewWithURL(t)
	seoul, _ := time.LoadLocation("Asia/Seoul")
	now := time.Now().In(seoul)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	getenv := servedEnv(dbURL, nil)
	for _, args := range [][]string{
		{"generate", "--tenants", "1", "--days", "1", "--rooms-per-day", "1500", "--start", yesterday},
		{"tenant", "put"},
	} {
		stdin := `{"tenant_id": "acme", "name": "Acme", "locale": "en", "report": {"send_at": "00:00", "recipients": ["lead@acme.example"]}}`
		var out, errOut strings.Builder
		if code := run(t.Context(), args, strings.NewReader(stdin), &out, &errOut, getenv); code != 0 {
			t.Fatalf("%v: %s", args, errOut.String())
		}
	}
	if _, found, _ := db.LastETLRun(t.Context()); found {
		t.Fatal("an ETL run before serve: the test would not test the backlog")
	}
	mp := mailpit.Start(t, false)
	started := time.Now()
	_, logs := startServe(t, servedEnv(dbURL, map[string]string{"SMTP_URL": mp.SMTPURL(t, "reports", "pw"), "READY_MAX_ETL_LAG": "0"}))

	var msgs []mailpit.Summary
	for time.Since(started) < 40*time.Second && len(msgs) == 0 {
		time.Sleep(100 * time.Millisecond)
		msgs = mp.Messages(t)
	}
	if len(msgs) != 1 {
		t.Fatalf("mailpit has %d messages %v after %s; log:\n%s", len(msgs), msgs, time.Since(started), logs)
	}
	t.Logf("the report went out %s after serve started", time.Since(started).Round(time.Millisecond))

	code, out, errOut := runWith(t, t.Context(), getenv, "stats", "--tenant", "acme", "--from", yesterday, "--to", yesterday)
	if code != 0 {
		t.Fatalf("stats: %s", errOut)
	}
	var body struct {
		Rows []struct {
			Rooms int      `json:"rooms"`
			SQI   *float64 `json:"sqi"`
			Grade string   `json:"grade"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil || len(body.Rows) != 1 || body.Rows[0].SQI == nil || body.Rows[0].Rooms < 1000 {
		t.Fatalf("stats of %s: %v %s", yesterday, err, out)
	}
	want := fmt.Sprintf("SQI %.1f (%s)", *body.Rows[0].SQI, body.Rows[0].Grade)
	if !strings.Contains(msgs[0].Subject, want) || !strings.Contains(msgs[0].Subject, yesterday) {
		t.Errorf("subject %q, want the day's %q", msgs[0].Subject, want)
	}
	// Mailpit has the message a moment before the delivery is recorded.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := db.AllDeliveries(t.Context())
		if err == nil && len(ds) == 1 && ds[0].Status == store.DeliverySent {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("deliveries %+v (%v)", ds, err)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(logs.String(), "without a fresh etl run") {
		t.Error("the log says a report went out without a fresh ETL run")
	}
}

// TestReconcileCommand: `sqi etl --reconcile` finds rows written with an
// old created_at, repairs them and says what it repaired.
func TestReconcileCommand(t *testing.T) {
	t.Parallel()
	db, dbURL := pgtest.NewWithURL(t)
	start := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	for _, args := range [][]string{{"generate", "--tenants", "2", "--days", "1", "--rooms-per-day", "50", "--start", start}, {"etl", "--once"}} {
		if code, _, errOut := runSQI(t, dbURL, "", args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	// A restore writes back rows with their original created_at: here,
	// three rooms of globex copied under new ids, written two days ago.
	if _, err := db.Pool.Exec(t.Context(), `INSERT INTO chat_events (event_id, tenant_id, room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score, created_at)
SELECT event_id + 900000000, tenant_id, 'restored-' || room_id, type, occurred_at, actor, agent_id, team_id, channel, category, score, now() - interval '2 days'
FROM chat_events WHERE tenant_id = 'globex' AND room_id IN (SELECT DISTINCT room_id FROM chat_events WHERE tenant_id = 'globex' ORDER BY room_id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := runSQI(t, dbURL, "", "etl", "--once"); !strings.Contains(out, "rooms recomputed: 0") {
		t.Fatalf("the incremental ETL saw the restored rows:\n%s", out)
	}
	code, out, errOut := runSQI(t, dbURL, "", "etl", "--reconcile", "--days", "7")
	if code != 0 {
		t.Fatalf("reconcile: %s", errOut)
	}
	for _, want := range []string{"rooms checked: 103", "rooms repaired: 3 (missing: 3, changed: 0, removed: 0)", "  globex: 3 rooms", "seconds: "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, out, _ = runSQI(t, dbURL, "", "etl", "--reconcile"); !strings.Contains(out, "rooms repaired: 0") {
		t.Errorf("second reconcile:\n%s", out)
	}
	for _, tc := range []struct{ args, want string }{
		{"etl --reconcile --days 0", "--days 0: use 1 to 3660"},
		{"etl --once --reconcile", "give --once or --reconcile"},
	} {
		if code, _, errOut := runSQI(t, dbURL, "", strings.Fields(tc.args)...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q", tc.args, code, errOut)
		}
	}
}

// TestBrokenTenantIsAlone: a stored configuration that no longer
// validates shows in `sqi tenant list` beside the others instead of
// failing the list, and names its field.
func TestBrokenTenantIsAlone(t *testing.T) {
	t.Parallel()
	db, dbURL := pgtest.NewWithURL(t)
	if _, err := db.Pool.Exec(t.Context(), `INSERT INTO tenants (tenant_id, config) VALUES
  ('acme', '{"tenant_id": "acme", "name": "Acme"}'),
  ('broken', '{"tenant_id": "broken", "components": {"wait": {"metric": "wait_avg_s", "target": 15, "worst": 120, "weight": 1e308}}}')`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runSQI(t, dbURL, "", "tenant", "list")
	if code != 0 || !strings.Contains(out, "Acme") || !strings.Contains(out, "INVALID: components.wait.weight 1e+308") ||
		!strings.Contains(errOut, "1 stored configurations are not valid") {
		t.Errorf("tenant list: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runSQI(t, dbURL, "", "tenant", "get", "broken"); code == 0 || !strings.Contains(errOut, "components.wait.weight") {
		t.Errorf("tenant get broken: exit %d %s", code, errOut)
	}
	if code, _, errOut := runSQI(t, dbURL, `{"tenant_id": "broken"}`, "tenant", "put"); code != 0 {
		t.Errorf("a valid put repairs: %s", errOut)
	}
	if _, out, errOut := runSQI(t, dbURL, "", "tenant", "list"); strings.Contains(out, "INVALID") || errOut != "" {
		t.Errorf("after the repair: %s %s", out, errOut)
	}
}

// TestSecretsStayOut runs the service end to end with secrets in every
// place they can be — a database password, an SMTP password (also in
// SMTP_URLs that do not parse), API keys good and bad — and greps
// everything it printed and answered for them.
func TestSecretsStayOut(t *testing.T) {
	t.Parallel()
	_, plain := pgtest.NewWithURL(t)
	const dbPass, smtpPass = "db-pw-5ecret-71", "smtp-pw-5ecret-42"
	u, _ := url.Parse(plain)
	u.User = url.UserPassword(u.User.Username(), dbPass) // trust auth: accepted, never needed
	dbURL := u.String()
	mp := mailpit.Start(t, false)
	smtpURL := mp.SMTPURL(t, "reports", smtpPass)
	var seen strings.Builder
	record := func(parts ...string) {
		for _, p := range parts {
			seen.WriteString(p)
			seen.WriteString("\n")
		}
	}
	sqi := func(env map[string]string, stdin string, args ...string) (int, string) {
		getenv := servedEnv(dbURL, env)
		var out, errOut strings.Builder
		code := run(t.Context(), args, strings.NewReader(stdin), &out, &errOut, getenv)
		if args[0] == "apikey" {
			record(errOut.String()) // the key itself is printed once, on purpose
		} else {
			record(out.String(), errOut.String())
		}
		return code, out.String()
	}
	yesterday := time.Now().In(time.FixedZone("KST", 9*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	sqi(nil, "", "generate", "--tenants", "1", "--days", "1", "--rooms-per-day", "100", "--start", yesterday)
	sqi(nil, "", "etl", "--once")
	sqi(nil, `{"tenant_id": "acme", "report": {"send_at": "00:00", "recipients": ["lead@acme.example"]}}`, "tenant", "put")
	_, key := sqi(nil, "", "apikey", "create", "--tenant", "acme")
	key = strings.TrimSpace(key)
	_, admin := sqi(nil, "", "apikey", "create", "--role", "admin")
	admin = strings.TrimSpace(admin)
	if !strings.HasPrefix(key, "sqi_") || !strings.HasPrefix(admin, "sqi_") {
		t.Fatalf("keys %q %q", key, admin)
	}
	secrets := []string{dbPass, smtpPass, key, admin, key[17:], admin[17:]}
	badSMTP := []string{
		"smtp://reports:" + smtpPass + "@127.0.0.1:notaport",
		"smtp://reports:" + smtpPass + "%zz@127.0.0.1:25",
		"smtp://reports:" + smtpPass + "@127.0.0.1:25?tls=maybe",
	}
	for _, bad := range badSMTP {
		if code, _ := sqi(map[string]string{"SMTP_URL": bad}, "", "serve"); code != 2 {
			t.Errorf("serve with SMTP_URL %s: exit %d, want 2", bad, code)
		}
		if code, _ := sqi(map[string]string{"SMTP_URL": bad}, "", "report", "daily", "--tenant", "acme", "--date", yesterday, "--email"); code != 2 {
			t.Errorf("report --email with a bad SMTP_URL: exit %d, want 2", code)
		}
	}
	for _, bad := range []string{dbURL + "&sslmode=bogus", strings.Replace(dbURL, u.Host, "127.0.0.1:notaport", 1), strings.Replace(dbURL, u.Host, "127.0.0.1:1", 1)} {
		var out, errOut strings.Builder
		code := run(t.Context(), []string{"tenant", "list"}, strings.NewReader(""), &out, &errOut, servedEnv(bad, nil))
		record(out.String(), errOut.String())
		if code == 0 {
			t.Errorf("DATABASE_URL %s: exit 0", bad)
		}
	}
	sqi(map[string]string{"SMTP_URL": smtpURL}, "", "report", "daily", "--tenant", "acme", "--date", yesterday, "--email", "--out", t.TempDir()+"/r.xlsx")

	base, logs := startServe(t, servedEnv(dbURL, map[string]string{"SMTP_URL": smtpURL, "READY_MAX_ETL_LAG": "0", "AUTH_FAIL_RATE": "0"}))
	get := func(path, k string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if k != "" {
			req.Header.Set("Authorization", "Bearer "+k)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		record(string(b), fmt.Sprint(resp.Header))
	}
	wrong := key[:17] + strings.Repeat("A", len(key)-17) // the right id, a wrong secret
	for _, k := range []string{key, admin, wrong, "sqi_" + strings.Repeat("0", 12) + "_" + key[17:], key + "x"} {
		for _, p := range []string{"/v1/tenants", "/v1/tenants/acme/sqi?from=" + yesterday + "&to=" + yesterday, "/v1/tenants/acme/config", "/v1/feed-rejects"} {
			get(p, k)
		}
	}
	get("/readyz", "")
	get("/metrics", "")
	deadline := time.Now().Add(30 * time.Second)
	for len(mp.Messages(t)) < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range mp.Messages(t) {
		record(string(mp.Get(t, "/api/v1/message/"+m.ID+"/raw")))
	}
	time.Sleep(200 * time.Millisecond)
	record(logs.String())
	all := seen.String()
	if !strings.Contains(all, "sqi serve started") || !strings.Contains(all, `"status":401`) {
		t.Fatalf("the run did not happen as planned:\n%.3000s", all)
	}
	for _, s := range secrets {
		if i := strings.Index(all, s); i >= 0 {
			t.Errorf("secret %.12s... found in the output: ...%s...", s, all[max(0, i-200):min(len(all), i+len(s)+50)])
		}
	}
}
