package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Component maps one metric to 0..100 points (docs/metrics.md).
type Component struct {
	Metric string  `json:"metric"`
	Target float64 `json:"target"`
	Worst  float64 `json:"worst"`
	Weight float64 `json:"weight"`
}

// Grade is a cut-off: the first grade whose Min the SQI reaches.
type Grade struct {
	Grade string  `json:"grade"`
	Min   float64 `json:"min"`
}

// ReportConfig says when and to whom the reports go: the daily report to
// Recipients, the weekly and monthly ones (sent at the same SendAt) to
// their own recipients; none (absent or empty): not sent.
type ReportConfig struct {
	SendAt     string      `json:"send_at"`
	Recipients []string    `json:"recipients"`
	Weekly     *Recipients `json:"weekly,omitempty"`
	Monthly    *Recipients `json:"monthly,omitempty"`
}

// Recipients are the addresses of the weekly or the monthly report.
type Recipients struct {
	Recipients []string `json:"recipients"`
}

// Config is a tenant's configuration (docs/metrics.md), the same JSON through the
// CLI and the API.
type Config struct {
	TenantID      string               `json:"tenant_id"`
	Name          string               `json:"name"`
	TimeZone      string               `json:"timezone"`
	Locale        string               `json:"locale"`
	SLThresholdS  float64              `json:"sl_threshold_s"`
	ShortAbandonS float64              `json:"short_abandon_s"`
	Components    map[string]Component `json:"components"`
	Grades        []Grade              `json:"grades"`
	Report        ReportConfig         `json:"report"`
	// BusinessHours are the hours agents work (nil: every second is
	// business time); Hours says whether durations count every second
	// (all) or business seconds only (business), by default.
	BusinessHours *BusinessHours `json:"business_hours,omitempty"`
	Hours         string         `json:"hours"`
	// Alerts are the alert rules and their destinations (nil: none).
	Alerts *Alerts `json:"alerts,omitempty"`

	loc *time.Location
}

// DefaultConfig is the configuration of docs/metrics.md for a tenant that has none.
func DefaultConfig(tenantID string) Config {
	c := Config{
		TenantID:      tenantID,
		Name:          tenantID,
		TimeZone:      "Asia/Seoul",
		Locale:        "ko",
		SLThresholdS:  30,
		ShortAbandonS: 5,
		Components: map[string]Component{
			"service_level": {Metric: "service_level_pct", Target: 90, Worst: 50, Weight: 25},
			"wait":          {Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: 15},
			"response":      {Metric: "reply_avg_s", Target: 30, Worst: 180, Weight: 20},
			"satisfaction":  {Metric: "score_avg", Target: 4.8, Worst: 3.0, Weight: 30},
			"abandonment":   {Metric: "abandon_rate_pct", Target: 2, Worst: 20, Weight: 10},
		},
		Grades: []Grade{{"S", 95}, {"A", 85}, {"B", 70}, {"C", 50}, {"D", 0}},
		Report: ReportConfig{SendAt: "07:00", Recipients: []string{}},
		Hours:  HoursAll,
	}
	c.loc, _ = time.LoadLocation(c.TimeZone)
	return c
}

// Location is the tenant's time zone; Validate must have succeeded (UTC
// for a zone it would reject). It follows TimeZone even when TimeZone was
// changed after DefaultConfig or Validate (e.g. by json.Unmarshal into a
// DefaultConfig), so rooms are never grouped in a stale zone.
func (c *Config) Location() *time.Location {
	if c.loc == nil || c.loc.String() != c.TimeZone {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			return time.UTC
		}
		c.loc = loc
	}
	return c.loc
}

// Bounds of the numbers of a configuration: within them, no score or
// metric can become infinite or NaN (points divide by target − worst,
// the SQI by the sum of the weights).
const (
	MaxWeight     = 1000    // a component's weight
	MaxBound      = 1e9     // |target| and |worst|
	MaxThresholdS = 86400.0 // sl_threshold_s and short_abandon_s
)

var sendAtRe = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate checks the whole document and returns every problem at once,
// each naming the field and what to change.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !ValidTenantID(c.TenantID) {
		bad("tenant_id %q: %s", c.TenantID, TenantIDRule)
	}
	if loc, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" || strings.EqualFold(c.TimeZone, "local") {
		bad("timezone %q: use an IANA time zone such as Asia/Seoul or America/New_York", c.TimeZone)
	} else {
		c.loc = loc
	}
	if c.Locale != "ko" && c.Locale != "en" {
		bad("locale %q: use ko or en", c.Locale)
	}
	if !(c.SLThresholdS > 0 && c.SLThresholdS <= MaxThresholdS) {
		bad("sl_threshold_s %v: use a number of seconds above 0, at most %v (a day)", c.SLThresholdS, MaxThresholdS)
	}
	if !(c.ShortAbandonS >= 0 && c.ShortAbandonS <= MaxThresholdS) {
		bad("short_abandon_s %v: use a number of seconds from 0 to %v (a day)", c.ShortAbandonS, MaxThresholdS)
	}
	if len(c.Components) == 0 {
		bad("components: configure at least one component")
	}
	names := make([]string, 0, len(c.Components))
	for n := range c.Components {
		names = append(names, n)
	}
	sort.Strings(names)
	var total float64
	for _, n := range names {
		comp := c.Components[n]
		if n == "" {
			bad("components: a component needs a name")
		}
		if _, ok := MetricIndex(comp.Metric); !ok || comp.Metric == "sqi" {
			bad("components.%s.metric %q: use one of %s", n, comp.Metric, strings.Join(ScoreableMetrics(), ", "))
		}
		if !(comp.Weight >= 0 && comp.Weight <= MaxWeight) {
			bad("components.%s.weight %v: use a number from 0 to %v", n, comp.Weight, MaxWeight)
		} else {
			total += comp.Weight
		}
		targetOK, worstOK := math.Abs(comp.Target) <= MaxBound, math.Abs(comp.Worst) <= MaxBound
		if !targetOK {
			bad("components.%s.target %v: use a number from %v to %v", n, comp.Target, -MaxBound, MaxBound)
		}
		if !worstOK {
			bad("components.%s.worst %v: use a number from %v to %v", n, comp.Worst, -MaxBound, MaxBound)
		}
		if targetOK && worstOK && comp.Target == comp.Worst {
			bad("components.%s: target and worst are both %v; they must differ", n, comp.Target)
		}
	}
	if len(c.Components) > 0 && total == 0 {
		bad("components: every weight is 0; give at least one component a weight above 0")
	}
	if len(c.Grades) == 0 {
		bad("grades: configure at least one grade")
	}
	for i, g := range c.Grades {
		if g.Grade == "" {
			bad("grades[%d].grade: give the grade a name", i)
		}
		if !(g.Min >= 0 && g.Min <= 100) {
			bad("grades[%d].min %v: use a number from 0 to 100 (the range of the SQI)", i, g.Min)
		} else if i > 0 && !(g.Min < c.Grades[i-1].Min) {
			bad("grades[%d].min %v: grades must be in descending order of min (the one before has %v)", i, g.Min, c.Grades[i-1].Min)
		}
	}
	if c.Hours != HoursAll && c.Hours != HoursBusiness {
		bad("hours %q: use all (every second counts) or business (only business_hours count)", c.Hours)
	}
	if c.BusinessHours != nil {
		_, herrs := c.BusinessHours.check()
		errs = append(errs, herrs...)
	}
	if c.Report.SendAt != "" && !sendAtRe.MatchString(c.Report.SendAt) {
		bad("report.send_at %q: use HH:MM, 24-hour local time", c.Report.SendAt)
	}
	checkAddrs := func(field string, rs []string) {
		for i, r := range rs {
			if at := strings.IndexByte(r, '@'); at < 1 || at == len(r)-1 || strings.ContainsAny(r, " <>,") {
				bad("%s[%d] %q: use a plain e-mail address", field, i, r)
			}
		}
	}
	checkAddrs("report.recipients", c.Report.Recipients)
	if c.Report.Weekly != nil {
		checkAddrs("report.weekly.recipients", c.Report.Weekly.Recipients)
	}
	if c.Report.Monthly != nil {
		checkAddrs("report.monthly.recipients", c.Report.Monthly.Recipients)
	}
	if c.Alerts != nil {
		errs = append(errs, c.Alerts.check()...)
	}
	return errors.Join(errs...)
}

// ParseConfig reads a configuration document. Fields it leaves out keep
// the defaults of docs/metrics.md, except that a components object or a grades list,
// when present, replaces the default one whole (so a component can be
// dropped). Unknown fields are errors, so a typo is not silently ignored.
func ParseConfig(data []byte) (Config, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return Config{}, fmt.Errorf("configuration is not a JSON object: %w", err)
	}
	var id string
	if raw, ok := probe["tenant_id"]; ok {
		if err := json.Unmarshal(raw, &id); err != nil {
			return Config{}, fmt.Errorf("tenant_id: use a string")
		}
	}
	_, ownComponents := probe["components"]
	base := func() Config { // a new one each time: decoding fills its maps
		c := DefaultConfig(id)
		if ownComponents {
			c.Components = nil
		}
		return c
	}
	c := base()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var unknown error
	if err := dec.Decode(&c); err != nil {
		if !strings.HasPrefix(err.Error(), "json: unknown field ") {
			return Config{}, fmt.Errorf("configuration: %w", err)
		}
		// An unknown field is reported with the document's other
		// problems: the rest is read without it and checked too.
		unknown = fmt.Errorf("configuration: %w", err)
		c = base()
		if err := json.Unmarshal(data, &c); err != nil {
			return Config{}, errors.Join(unknown, fmt.Errorf("configuration: %w", err))
		}
	}
	if c.Report.Recipients == nil {
		c.Report.Recipients = []string{}
	}
	verr := c.Validate()
	if unknown == nil {
		if verr != nil {
			return Config{}, verr
		}
		return c, nil
	}
	errs := []error{unknown} // one list of problems, as Validate's
	if j, ok := verr.(interface{ Unwrap() []error }); ok {
		errs = append(errs, j.Unwrap()...)
	} else if verr != nil {
		errs = append(errs, verr)
	}
	return Config{}, errors.Join(errs...)
}

// schedule returns the checked business hours, nil when every second is
// business time (none set, or set but invalid: Validate reports those).
// It is read again each time: a clock is made per block or per request,
// never per room, and nothing can go stale when the hours change.
func (c *Config) schedule() *schedule {
	if c.BusinessHours == nil {
		return nil
	}
	s, errs := c.BusinessHours.check()
	if len(errs) > 0 {
		return nil
	}
	return &s
}

// Clock returns a new clock for the durations of c's hours setting:
// calendar time, or business time with hours=business and business hours
// set. A clock caches; use one per goroutine.
func (c *Config) Clock() Clock {
	if c.Hours == HoursBusiness {
		return c.OpenClock()
	}
	return Calendar
}

// OpenClock returns a new clock of business time whatever c.Hours says:
// the one that tells whether an instant is business time (in_hours).
// Without business hours every instant is.
func (c *Config) OpenClock() Clock {
	if s := c.schedule(); s != nil {
		return newBusinessClock(s, c.Location())
	}
	return Calendar
}

// WithHours returns a copy of c whose durations count hours (all or
// business): a request's hours= in place of the tenant's default.
func (c *Config) WithHours(hours string) Config {
	out := *c
	out.Hours = hours
	return out
}

// Fingerprint identifies everything in c that changes which group a room
// falls in and what it adds there: the time zone, the thresholds, the
// hours mode and the business hours. Components, weights and grades are
// applied to finished rows and are not part of it. Two configurations with
// the same fingerprint aggregate rooms identically.
func (c *Config) Fingerprint() string {
	bh := ""
	if s := c.schedule(); s != nil {
		b, _ := json.Marshal(c.BusinessHours)
		bh = string(b)
	}
	return fmt.Sprintf("%s|%v|%v|%s|%s", c.TimeZone, c.SLThresholdS, c.ShortAbandonS, c.Hours, bh)
}
