package metrics

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Alerts are a tenant's alert rules and where their notifications go
// (docs/alerts.md): every e-mail address and every webhook gets each
// change of state of every rule.
type Alerts struct {
	Rules    []AlertRule `json:"rules"`
	Emails   []string    `json:"emails"`
	Webhooks []Webhook   `json:"webhooks"`
}

// AlertRule compares one metric with a threshold after every ETL run: a
// metric of the catalog (or sqi) over the rooms opened in the rolling
// Window before the data's instant, or one of the live view's now
// metrics (no window).
type AlertRule struct {
	Name      string  `json:"name"`
	Metric    string  `json:"metric"`
	Window    string  `json:"window,omitempty"`
	Op        string  `json:"op"`
	Threshold float64 `json:"threshold"`
	// MinRooms: with fewer rooms in the window the rule gives no verdict
	// (its state stays as it is).
	MinRooms int `json:"min_rooms,omitempty"`
}

// Webhook is a URL that gets a signed POST of every notification. Secret
// signs the body (X-SQI-Signature); it is never shown again.
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// The live view's now metrics (docs/api.md, "Live view"): what the rooms
// not closed are doing at the data's instant.
const (
	NowWaiting     = "waiting"
	NowLongestWait = "longest_wait_s"
	NowInProgress  = "in_progress"
	NowAgentsBusy  = "agents_busy"
)

// NowMetrics are the now metrics, in the order of the live view.
var NowMetrics = []string{NowWaiting, NowLongestWait, NowInProgress, NowAgentsBusy}

// IsNowMetric reports whether name is a now metric (a rule on it has no
// window).
func IsNowMetric(name string) bool { return slices.Contains(NowMetrics, name) }

// MetricSQI is the name of the SQI as a rule's metric.
const MetricSQI = "sqi"

// Bounds of alert rules.
const (
	MinAlertWindow = 5 * time.Minute
	MaxAlertWindow = 24 * time.Hour
	MaxAlertRules  = 50
	MaxAlertEmails = 20
	MaxWebhooks    = 10
	maxURLBytes    = 2048
	maxSecretBytes = 256
)

// AlertOps are the comparison operators of a rule.
var AlertOps = []string{"<", "<=", ">", ">="}

// SecretMask replaces a webhook's secret, and the path of its URL (a Slack
// URL is itself a credential), wherever a configuration is shown: GET
// config, sqi tenant get. A document put back with the mask keeps the
// stored value (Config.RestoreSecrets).
const SecretMask = "********"

var ruleNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// WindowDuration is the rule's rolling window, 0 for a now metric (and
// for a window that does not parse: Validate reports it).
func (r *AlertRule) WindowDuration() time.Duration {
	if r.Window == "" {
		return 0
	}
	d, err := time.ParseDuration(r.Window)
	if err != nil {
		return 0
	}
	return d
}

// Breached reports whether v crosses the threshold by the rule's op: the
// rule fires while it does.
func (r *AlertRule) Breached(v float64) bool {
	switch r.Op {
	case "<":
		return v < r.Threshold
	case "<=":
		return v <= r.Threshold
	case ">":
		return v > r.Threshold
	case ">=":
		return v >= r.Threshold
	}
	return false
}

// ShownValue is v as a user sees the rule's metric: rounded as the
// catalog says (counts whole, others to 2 decimals, the SQI to 1). Rules
// compare shown values, so that a value shown as 70.00 never fires a rule
// "< 70".
func (r *AlertRule) ShownValue(v float64) float64 {
	switch {
	case r.Metric == MetricSQI:
		return Round(v, 1)
	case r.Metric == NowWaiting || r.Metric == NowInProgress || r.Metric == NowAgentsBusy:
		return math.Round(v)
	case r.Metric == NowLongestWait:
		return Round(v, 2)
	}
	if i, ok := MetricIndex(r.Metric); ok {
		return RoundKind(Catalog[i].Kind, v)
	}
	return v
}

// check returns every problem of the alerts section, each naming its
// field; it gives nil lists their empty value, so that the document
// reads the same once stored.
func (a *Alerts) check() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Rules == nil {
		a.Rules = []AlertRule{}
	}
	if a.Emails == nil {
		a.Emails = []string{}
	}
	if a.Webhooks == nil {
		a.Webhooks = []Webhook{}
	}
	if len(a.Rules) > MaxAlertRules {
		bad("alerts.rules: %d rules; configure at most %d", len(a.Rules), MaxAlertRules)
	}
	windowMetrics := append(ScoreableMetrics(), MetricSQI)
	seen := map[string]bool{}
	for i := range a.Rules {
		r := &a.Rules[i]
		at := fmt.Sprintf("alerts.rules[%d]", i)
		if !ruleNameRe.MatchString(r.Name) {
			bad("%s.name %q: give a name of 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit", at, r.Name)
		} else if seen[r.Name] {
			bad("%s.name %q: another rule has this name; give each rule its own", at, r.Name)
		}
		seen[r.Name] = true
		now := IsNowMetric(r.Metric)
		_, catalog := MetricIndex(r.Metric)
		windowed := catalog || r.Metric == MetricSQI
		switch {
		case !now && !windowed:
			bad("%s.metric %q: use a metric over a window (%s) or a metric of now (%s, no window)", at, r.Metric,
				strings.Join(windowMetrics, ", "), strings.Join(NowMetrics, ", "))
		case now && r.Window != "":
			bad("%s.window %q: %s is a metric of now, counted at the data's instant: leave window out", at, r.Window, r.Metric)
		case now && r.MinRooms != 0:
			bad("%s.min_rooms %d: min_rooms applies to rules with a window; %s has none: leave min_rooms out", at, r.MinRooms, r.Metric)
		case windowed && r.Window == "":
			bad("%s.window: %s is computed over the rooms of a window: give one from 5m to 24h, e.g. \"30m\"", at, r.Metric)
		case windowed:
			d, err := time.ParseDuration(r.Window)
			if err != nil || d < MinAlertWindow || d > MaxAlertWindow {
				bad("%s.window %q: give a duration from 5m to 24h, e.g. \"30m\" or \"2h\"", at, r.Window)
			}
		}
		if !slices.Contains(AlertOps, r.Op) {
			bad("%s.op %q: use one of %s", at, r.Op, strings.Join(AlertOps, " "))
		}
		if !(math.Abs(r.Threshold) <= MaxBound) {
			bad("%s.threshold %v: use a number from %v to %v", at, r.Threshold, -MaxBound, MaxBound)
		}
		if r.MinRooms < 0 || r.MinRooms > 1_000_000 {
			bad("%s.min_rooms %d: use a number of rooms from 0 to 1000000", at, r.MinRooms)
		}
	}
	if len(a.Emails) > MaxAlertEmails {
		bad("alerts.emails: %d addresses; give at most %d", len(a.Emails), MaxAlertEmails)
	}
	seenMail := map[string]bool{}
	for i, e := range a.Emails {
		if at := strings.IndexByte(e, '@'); at < 1 || at == len(e)-1 || strings.ContainsAny(e, " <>,\r\n") {
			bad("alerts.emails[%d] %q: use a plain e-mail address", i, e)
		} else if seenMail[strings.ToLower(e)] {
			bad("alerts.emails[%d] %q: given twice; give each address once", i, e)
		}
		seenMail[strings.ToLower(e)] = true
	}
	if len(a.Webhooks) > MaxWebhooks {
		bad("alerts.webhooks: %d webhooks; give at most %d", len(a.Webhooks), MaxWebhooks)
	}
	seenURL := map[string]bool{}
	for i, w := range a.Webhooks {
		at := fmt.Sprintf("alerts.webhooks[%d]", i)
		if err := checkWebhookURL(w.URL); err != nil {
			bad("%s.url %q: %v", at, RedactURL(w.URL), err)
		} else if seenURL[w.URL] {
			bad("%s.url %q: another webhook has this url; give each once", at, RedactURL(w.URL))
		}
		seenURL[w.URL] = true
		if len(w.Secret) > maxSecretBytes || strings.ContainsAny(w.Secret, "\r\n") {
			bad("%s.secret: give a secret of at most %d bytes on one line", at, maxSecretBytes)
		}
	}
	return errs
}

func checkWebhookURL(raw string) error {
	if len(raw) > maxURLBytes {
		return fmt.Errorf("give a URL of at most %d bytes", maxURLBytes)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		return errors.New("give an http:// or https:// URL with a host, e.g. https://hooks.example.com/sqi")
	case u.User != nil:
		return errors.New("a URL with a user or password is not allowed: sign with secret instead")
	case u.Fragment != "":
		return errors.New("a URL with a #fragment is not allowed: leave it out")
	}
	return nil
}

// RedactURL is a webhook URL as it may be shown or logged: its scheme and
// host, with SecretMask for its path and query when it has any (a Slack
// incoming-webhook URL is a credential). A URL that does not parse is
// shown as the mask alone.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return SecretMask
	}
	out := u.Scheme + "://" + u.Host
	switch {
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Opaque != "":
		out += "/" + SecretMask
	case u.Path == "/":
		out += "/"
	}
	return out
}

// Masked returns a copy of c that can be shown: each webhook's secret is
// SecretMask (when it has one) and its URL is redacted (RedactURL). c is
// not changed.
func (c Config) Masked() Config {
	if c.Alerts == nil {
		return c
	}
	a := *c.Alerts
	a.Webhooks = make([]Webhook, len(c.Alerts.Webhooks))
	for i, w := range c.Alerts.Webhooks {
		a.Webhooks[i] = Webhook{URL: RedactURL(w.URL)}
		if w.Secret != "" {
			a.Webhooks[i].Secret = SecretMask
		}
	}
	c.Alerts = &a
	return c
}

// HasMasks reports whether c holds a masked webhook URL or secret (a
// document read back from GET config), to be restored from the stored
// configuration by RestoreSecrets.
func (c *Config) HasMasks() bool {
	if c.Alerts == nil {
		return false
	}
	for _, w := range c.Alerts.Webhooks {
		if w.Secret == SecretMask || strings.Contains(w.URL, SecretMask) {
			return true
		}
	}
	return false
}

// RestoreSecrets replaces the masks of c's webhooks with the stored
// values of stored (nil when the tenant has no configuration): a masked
// URL is the stored webhook whose redacted URL it is, a masked secret the
// stored secret of the webhook with that URL. So a document read with GET
// config can be changed and put back without the secrets. A mask that
// matches nothing is an error naming the field.
func (c *Config) RestoreSecrets(stored *Config) error {
	if c.Alerts == nil {
		return nil
	}
	var old []Webhook
	if stored != nil && stored.Alerts != nil {
		old = stored.Alerts.Webhooks
	}
	var errs []error
	for i := range c.Alerts.Webhooks {
		w := &c.Alerts.Webhooks[i]
		at := fmt.Sprintf("alerts.webhooks[%d]", i)
		if strings.Contains(w.URL, SecretMask) {
			var match []Webhook
			for _, o := range old {
				if RedactURL(o.URL) == w.URL {
					match = append(match, o)
				}
			}
			if len(match) != 1 {
				errs = append(errs, fmt.Errorf("%s.url %q is masked and names no single stored webhook: give the whole URL", at, w.URL))
				continue
			}
			w.URL = match[0].URL
			if w.Secret == SecretMask {
				w.Secret = match[0].Secret
			}
		}
		if w.Secret == SecretMask {
			i := slices.IndexFunc(old, func(o Webhook) bool { return o.URL == w.URL })
			if i < 0 {
				errs = append(errs, fmt.Errorf("%s.secret is masked but no stored webhook has this url: give the secret", at))
				continue
			}
			w.Secret = old[i].Secret
		}
	}
	return errors.Join(errs...)
}
