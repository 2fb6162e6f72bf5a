package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// specExample is the configuration document of docs/metrics.md, verbatim.
const specExample = `{
  "tenant_id": "acme",
  "name": "Acme",
  "timezone": "Asia/Seoul",
  "locale": "ko",
  "sl_threshold_s": 30,
  "short_abandon_s": 5,
  "components": {
    "service_level": {"metric": "service_level_pct", "target": 90,  "worst": 50,  "weight": 25},
    "wait":          {"metric": "wait_avg_s",        "target": 15,  "worst": 120, "weight": 15},
    "response":      {"metric": "reply_avg_s",       "target": 30,  "worst": 180, "weight": 20},
    "satisfaction":  {"metric": "score_avg",         "target": 4.8, "worst": 3.0, "weight": 30},
    "abandonment":   {"metric": "abandon_rate_pct",  "target": 2,   "worst": 20,  "weight": 10}
  },
  "grades": [{"grade": "S", "min": 95}, {"grade": "A", "min": 85}, {"grade": "B", "min": 70}, {"grade": "C", "min": 50}, {"grade": "D", "min": 0}],
  "report": {"send_at": "07:00", "recipients": ["supervisor@acme.example"]}
}`

func sameConfig(a, b Config) bool {
	a.loc, b.loc = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestDefaultConfigIsTheSpecs(t *testing.T) {
	got, err := ParseConfig([]byte(specExample))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig("acme")
	want.Name = "Acme"
	want.Report.Recipients = []string{"supervisor@acme.example"}
	if !sameConfig(got, want) {
		t.Errorf("SPEC example = %+v\nDefaultConfig = %+v", got, want)
	}
	d := DefaultConfig("t1")
	if err := d.Validate(); err != nil {
		t.Errorf("DefaultConfig does not validate: %v", err)
	}
	if d.Location().String() != "Asia/Seoul" || d.SLThresholdS != 30 || d.ShortAbandonS != 5 ||
		d.Locale != "ko" || d.Report.SendAt != "07:00" || d.Report.Recipients == nil {
		t.Errorf("DefaultConfig = %+v", d)
	}
}

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name  string
		json  string
		check func(t *testing.T, c Config)
	}{
		{"only tenant_id: every default", `{"tenant_id":"acme"}`, func(t *testing.T, c Config) {
			want := DefaultConfig("acme")
			if !sameConfig(c, want) {
				t.Errorf("= %+v, want the defaults %+v", c, want)
			}
		}},
		{"components replace the default ones whole", `{"tenant_id":"acme","components":{
			"sl":{"metric":"service_level_pct","target":80,"worst":40,"weight":1}}}`, func(t *testing.T, c Config) {
			want := map[string]Component{"sl": {Metric: "service_level_pct", Target: 80, Worst: 40, Weight: 1}}
			if !reflect.DeepEqual(c.Components, want) {
				t.Errorf("components = %+v, want %+v", c.Components, want)
			}
			if len(c.Grades) != 5 {
				t.Errorf("grades %+v, want the defaults", c.Grades)
			}
		}},
		{"a component dropped with weight 0 stays listed", `{"tenant_id":"acme","components":{
			"sl":{"metric":"service_level_pct","target":90,"worst":50,"weight":1},
			"wait":{"metric":"wait_avg_s","target":15,"worst":120,"weight":0}}}`, func(t *testing.T, c Config) {
			if len(c.Components) != 2 || c.Components["wait"].Weight != 0 {
				t.Errorf("components = %+v", c.Components)
			}
		}},
		{"grades replace the default ones whole", `{"tenant_id":"acme","grades":[{"grade":"pass","min":60},{"grade":"fail","min":0}]}`,
			func(t *testing.T, c Config) {
				if want := []Grade{{"pass", 60}, {"fail", 0}}; !reflect.DeepEqual(c.Grades, want) {
					t.Errorf("grades = %+v, want %+v", c.Grades, want)
				}
				if len(c.Components) != 5 {
					t.Errorf("components %+v, want the defaults", c.Components)
				}
			}},
		{"numbers and time zone changed", `{"tenant_id":"acme","timezone":"America/New_York","locale":"en",
			"sl_threshold_s":20,"short_abandon_s":0}`, func(t *testing.T, c Config) {
			if c.SLThresholdS != 20 || c.ShortAbandonS != 0 || c.Locale != "en" || c.TimeZone != "America/New_York" {
				t.Errorf("= %+v", c)
			}
			if c.Location().String() != "America/New_York" {
				t.Errorf("Location = %s", c.Location())
			}
		}},
		{"report.recipients alone keeps send_at", `{"tenant_id":"acme","report":{"recipients":["a@b.example"]}}`,
			func(t *testing.T, c Config) {
				if c.Report.SendAt != "07:00" || len(c.Report.Recipients) != 1 {
					t.Errorf("report = %+v", c.Report)
				}
			}},
		{"weekly and monthly recipients", `{"tenant_id":"acme","report":{"weekly":{"recipients":["w@b.example"]},"monthly":{"recipients":[]}}}`,
			func(t *testing.T, c Config) {
				if c.Report.Weekly == nil || len(c.Report.Weekly.Recipients) != 1 || c.Report.Monthly == nil || len(c.Report.Monthly.Recipients) != 0 {
					t.Errorf("report = %+v", c.Report)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name, json string
		errParts   []string
	}{
		{"unknown top-level field", `{"tenant_id":"acme","sl_treshold_s":20}`, []string{"sl_treshold_s"}},
		{"unknown component field", `{"tenant_id":"acme","components":{"sl":{"metric":"service_level_pct","target":90,"worst":50,"wieght":1}}}`, []string{"wieght"}},
		{"unknown report field", `{"tenant_id":"acme","report":{"sendat":"07:00"}}`, []string{"sendat"}},
		{"not an object", `[1,2]`, []string{"not a JSON object"}},
		{"not JSON", `{"tenant_id":`, []string{"not a JSON object"}},
		{"tenant_id not a string", `{"tenant_id":5}`, []string{"tenant_id"}},
		{"no tenant_id", `{}`, []string{"tenant_id"}},
		{"wrong type", `{"tenant_id":"acme","sl_threshold_s":"30"}`, []string{"sl_threshold_s"}},
		{"invalid after parsing", `{"tenant_id":"acme","timezone":"Mars/Olympus"}`, []string{"timezone"}},
		{"replacing components with none", `{"tenant_id":"acme","components":{}}`, []string{"at least one component"}},
		// An unknown field does not hide the document's other problems.
		{"unknown field and a bad zone", `{"tenant_id":"acme","timezone":"Mars/X","weird":1}`, []string{`"weird"`, "timezone"}},
		{"unknown field and a wrong type", `{"tenant_id":"acme","weird":1,"sl_threshold_s":"30"}`, []string{`"weird"`, "sl_threshold_s"}},
		{"unknown component field and a bad weight", `{"tenant_id":"acme","components":{"sl":{"metric":"service_level_pct","target":90,"worst":50,"weight":-1,"wieght":1}}}`, []string{"wieght", "weight"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.json))
			if err == nil {
				t.Fatal("no error")
			}
			for _, p := range tc.errParts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name %q", err, p)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name     string
		change   func(c *Config)
		errParts []string // "" : valid
	}{
		{"default", func(c *Config) {}, nil},
		{"target below worst is fine", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 10, Worst: 300, Weight: 1}
		}, nil},
		{"a component on any metric", func(c *Config) {
			c.Components["drops"] = Component{Metric: "drop_rate_pct", Target: 0, Worst: 30, Weight: 5}
		}, nil},
		{"UTC", func(c *Config) { c.TimeZone = "UTC" }, nil},
		{"every weight 0", func(c *Config) {
			for n, comp := range c.Components {
				comp.Weight = 0
				c.Components[n] = comp
			}
		}, []string{"every weight is 0"}},
		{"negative weight", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: -1}
		}, []string{"components.wait.weight"}},
		{"target == worst", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 60, Worst: 60, Weight: 1}
		}, []string{"components.wait", "must differ"}},
		{"unknown metric", func(c *Config) {
			c.Components["x"] = Component{Metric: "wait_average", Target: 1, Worst: 2, Weight: 1}
		}, []string{`components.x.metric "wait_average"`}},
		{"sqi is not a component metric", func(c *Config) {
			c.Components["x"] = Component{Metric: "sqi", Target: 100, Worst: 0, Weight: 1}
		}, []string{`components.x.metric "sqi"`}},
		{"bad time zone", func(c *Config) { c.TimeZone = "Mars/Olympus" }, []string{`timezone "Mars/Olympus"`}},
		{"empty time zone", func(c *Config) { c.TimeZone = "" }, []string{`timezone ""`}},
		{"Local time zone", func(c *Config) { c.TimeZone = "Local" }, []string{`timezone "Local"`}},
		{"grades ascending", func(c *Config) { c.Grades = []Grade{{"D", 0}, {"C", 50}} }, []string{"grades[1].min", "descending"}},
		{"grades equal", func(c *Config) { c.Grades = []Grade{{"A", 50}, {"B", 50}} }, []string{"grades[1].min"}},
		{"no grades", func(c *Config) { c.Grades = nil }, []string{"grades"}},
		{"grade without a name", func(c *Config) { c.Grades = []Grade{{"", 0}} }, []string{"grades[0].grade"}},
		{"no components", func(c *Config) { c.Components = nil }, []string{"at least one component"}},
		{"sl_threshold_s 0", func(c *Config) { c.SLThresholdS = 0 }, []string{"sl_threshold_s"}},
		{"short_abandon_s negative", func(c *Config) { c.ShortAbandonS = -1 }, []string{"short_abandon_s"}},
		{"locale", func(c *Config) { c.Locale = "fr" }, []string{`locale "fr"`}},
		{"tenant_id", func(c *Config) { c.TenantID = "a b" }, []string{"tenant_id"}},
		{"send_at", func(c *Config) { c.Report.SendAt = "7:00" }, []string{"report.send_at"}},
		{"recipient", func(c *Config) { c.Report.Recipients = []string{"supervisor"} }, []string{"report.recipients[0]"}},
		{"weekly recipient", func(c *Config) { c.Report.Weekly = &Recipients{[]string{"a@b.example", "x y@b.example"}} }, []string{"report.weekly.recipients[1]"}},
		{"monthly recipient", func(c *Config) { c.Report.Monthly = &Recipients{[]string{"@b.example"}} }, []string{"report.monthly.recipients[0]"}},
		{"weight beyond the sane range", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: 1e308}
		}, []string{"components.wait.weight 1e+308"}},
		{"weight at the bound", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 15, Worst: 120, Weight: MaxWeight}
		}, nil},
		{"infinite target", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: math.Inf(1), Worst: 120, Weight: 1}
		}, []string{"components.wait.target +Inf"}},
		{"NaN worst", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 15, Worst: math.NaN(), Weight: 1}
		}, []string{"components.wait.worst NaN"}},
		{"huge target and worst", func(c *Config) {
			c.Components["wait"] = Component{Metric: "wait_avg_s", Target: 1e300, Worst: -1e300, Weight: 1}
		}, []string{"components.wait.target", "components.wait.worst"}},
		{"sl_threshold_s over a day", func(c *Config) { c.SLThresholdS = 1e308 }, []string{"sl_threshold_s 1e+308"}},
		{"sl_threshold_s NaN", func(c *Config) { c.SLThresholdS = math.NaN() }, []string{"sl_threshold_s NaN"}},
		{"short_abandon_s infinite", func(c *Config) { c.ShortAbandonS = math.Inf(1) }, []string{"short_abandon_s"}},
		{"grade min above 100", func(c *Config) { c.Grades = []Grade{{"A", 1e308}, {"B", 0}} }, []string{"grades[0].min 1e+308"}},
		{"grade min NaN", func(c *Config) { c.Grades = []Grade{{"A", math.NaN()}} }, []string{"grades[0].min NaN"}},
		{"every problem at once", func(c *Config) {
			c.Locale, c.TimeZone, c.SLThresholdS = "fr", "Nowhere/City", -3
		}, []string{"locale", "timezone", "sl_threshold_s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig("acme")
			comps := make(map[string]Component, len(c.Components))
			for k, v := range c.Components {
				comps[k] = v
			}
			c.Components = comps
			tc.change(&c)
			err := c.Validate()
			if len(tc.errParts) == 0 {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, p := range tc.errParts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not name %q", err, p)
				}
			}
		})
	}
}

// TestLocationFollowsTimeZone: the location used to group rooms is always
// the configured time zone, even when the configuration was changed after
// it was first asked for.
func TestLocationFollowsTimeZone(t *testing.T) {
	c := DefaultConfig("acme")
	if c.Location().String() != "Asia/Seoul" {
		t.Fatalf("default location %s", c.Location())
	}
	c.TimeZone = "America/New_York"
	if got := c.Location().String(); got != "America/New_York" {
		t.Errorf("Location after changing timezone = %s, want America/New_York", got)
	}
	var z Config
	z.TimeZone = "Europe/Paris"
	if got := z.Location().String(); got != "Europe/Paris" {
		t.Errorf("Location of a literal config = %s", got)
	}
}
