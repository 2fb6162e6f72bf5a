package main

import (
	"bytes"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// unreachable is an environment whose databases do not answer (nothing
// listens on port 1): what needs no database must work with it, and what
// needs one must say which one failed.
func unreachable(k string) string {
	switch k {
	case "DATABASE_URL":
		return "postgres://sqi_app:s3cret-Pa55@127.0.0.1:1/sqi?sslmode=disable"
	case "SOURCE_DATABASE_URL":
		return "postgres://chat_reader:0ther-Secret@127.0.0.1:2/chat?sslmode=disable"
	}
	return ""
}

func runEnv(t *testing.T, getenv func(string) string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

// helpCases are the commands of the command line with the flags each must
// list in its help, and a default each must show. Every registered
// command must be here.
type helpCase struct {
	cmd      string
	flags    []string
	defaults []string
}

var helpCases = []helpCase{
	{"migrate", nil, nil},
	{"etl", []string{"once", "reconcile", "days", "batch"}, []string{"(default 50000)", "(default 7)"}},
	{"serve", nil, nil},
	{"stats", []string{"tenant", "from", "to", "group-by", "hours", "shape", "compare", "format"}, []string{"(default json)"}},
	{"tenant put", nil, nil},
	{"tenant get", nil, nil},
	{"tenant list", nil, nil},
	{"apikey create", []string{"tenant", "role", "name"}, []string{"(default reader)"}},
	{"apikey list", nil, nil},
	{"apikey revoke", nil, nil},
	{"report daily", []string{"tenant", "date", "out", "email"}, nil},
	{"report weekly", []string{"tenant", "week", "out", "email"}, nil},
	{"report monthly", []string{"tenant", "month", "out", "email"}, nil},
	{"generate", []string{"tenants", "days", "rooms-per-day", "seed", "start"},
		[]string{"(default 3)", "(default 7)", "(default 2000)", "(default 1)"}},
	{"import", nil, nil},
	{"login-link", []string{"tenant", "role", "ttl"}, []string{"(default reader)", "(default 15m0s)"}},
	{"version", nil, nil},
}

// Help, in its three spellings, for every command: exit 0, the usage line,
// the sentence of what it does, every flag with its default, on standard
// output, and no database needed.
func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
	for name, c := range commands {
		if c.subs != nil {
			continue
		}
		if !slices.ContainsFunc(helpCases, func(h helpCase) bool { return h.cmd == name }) {
			t.Errorf("command %q has no case in helpCases", name)
		}
	}
	for _, tc := range helpCases {
		words := strings.Fields(tc.cmd)
		for _, args := range [][]string{
			append([]string{"help"}, words...),
			append(slices.Clone(words), "--help"),
			append(slices.Clone(words), "-h"),
		} {
			code, out, errOut := runEnv(t, unreachable, "", args...)
			if code != 0 || errOut != "" {
				t.Errorf("sqi %s: exit %d, stderr %q; want 0 and nothing", strings.Join(args, " "), code, errOut)
				continue
			}
			if !strings.HasPrefix(out, "usage: sqi "+tc.cmd) {
				t.Errorf("sqi %s: help does not start with the usage line:\n%s", strings.Join(args, " "), out)
			}
			if s := commands[tc.cmd].summary; s == "" || !strings.Contains(out, "\n"+s[:min(len(s), 40)]) {
				t.Errorf("sqi %s: no summary sentence:\n%s", strings.Join(args, " "), out)
			}
			_, section, ok := strings.Cut(out, "\nflags:\n")
			if !ok {
				t.Errorf("sqi %s: no flags section:\n%s", strings.Join(args, " "), out)
				continue
			}
			listed := regexp.MustCompile(`(?m)^  --([a-z-]+)`).FindAllStringSubmatch(section, -1)
			var got []string
			for _, m := range listed {
				got = append(got, m[1])
			}
			want := tc.flags
			if want == nil {
				want = []string{}
			}
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("sqi %s lists flags %v, want %v", strings.Join(args, " "), got, want)
			}
			for _, d := range tc.defaults {
				if !strings.Contains(section, d) {
					t.Errorf("sqi %s: no %q in\n%s", strings.Join(args, " "), d, section)
				}
			}
			if !strings.Contains(section, "-h, --help") {
				t.Errorf("sqi %s: -h, --help not listed", strings.Join(args, " "))
			}
		}
	}
}

// The help of sqi lists every command; that of a group, its commands.
func TestHelpLists(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"help"}, {"--help"}, {"-h"}} {
		code, out, errOut := runEnv(t, unreachable, "", args...)
		if code != 0 || errOut != "" {
			t.Fatalf("sqi %v: exit %d, stderr %q", args, code, errOut)
		}
		for _, tc := range helpCases {
			if !regexp.MustCompile(`(?m)^  ` + tc.cmd + ` +[A-Z]`).MatchString(out) {
				t.Errorf("sqi %v does not list %q:\n%s", args, tc.cmd, out)
			}
		}
		for _, v := range []string{"DATABASE_URL", "SOURCE_DATABASE_URL", "HTTP_ADDR", "SMTP_URL", "exit status"} {
			if !strings.Contains(out, v) {
				t.Errorf("sqi %v does not mention %s", args, v)
			}
		}
	}
	for _, g := range []struct {
		name string
		subs []string
	}{{"apikey", []string{"create", "list", "revoke"}}, {"tenant", []string{"put", "get", "list"}}, {"report", []string{"daily"}}} {
		for _, args := range [][]string{{"help", g.name}, {g.name, "--help"}, {g.name, "-h"}, {g.name, "help"}} {
			code, out, errOut := runEnv(t, unreachable, "", args...)
			if code != 0 || errOut != "" {
				t.Errorf("sqi %v: exit %d, stderr %q", args, code, errOut)
			}
			for _, s := range g.subs {
				if !regexp.MustCompile(`(?m)^  ` + s + ` +[A-Z]`).MatchString(out) {
					t.Errorf("sqi %v does not list %s:\n%s", args, s, out)
				}
			}
		}
		// Without a sub-command: a usage error that lists them.
		code, _, errOut := runEnv(t, unreachable, "", g.name)
		if code != 2 || !strings.Contains(errOut, strings.Join(g.subs, ", ")) {
			t.Errorf("sqi %s: exit %d, stderr %q", g.name, code, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, errOut := runEnv(t, unreachable, "", "version")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "sqi ") || !strings.HasPrefix(lines[1], "commit: ") ||
		lines[2] != "go: "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("version printed %q", out)
	}
	if code, _, errOut := runEnv(t, unreachable, "", "version", "--bogus"); code != 2 || !strings.Contains(errOut, "unknown flag --bogus") {
		t.Errorf("version --bogus: exit %d, %q", code, errOut)
	}
}

// What the toolchain records is what version prints: a release build's
// module version, a checkout's commit, time and changes.
func TestVersionOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bi      *debug.BuildInfo
		version string
		commit  string
	}{
		{name: "no build information", bi: nil, version: "devel", commit: "unknown (built without version control information)"},
		{name: "checkout without git", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			version: "devel", commit: "unknown (built without version control information)"},
		{name: "checkout", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "867da3b1b0c1"}, {Key: "vcs.time", Value: "2026-11-30T09:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			version: "devel", commit: "867da3b1b0c1 (2026-11-30T09:00:00Z)"},
		{name: "checkout with changes", bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "867da3b1b0c1"}, {Key: "vcs.modified", Value: "true"}}},
			version: "devel", commit: "867da3b1b0c1, with uncommitted changes"},
		{name: "release", bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			version: "v1.2.3", commit: "unknown (built without version control information)"},
	}
	for _, tt := range tests {
		v := versionOf(tt.bi)
		if v.version != tt.version || v.commit != tt.commit || !strings.HasPrefix(v.goVersion, "go1.") {
			t.Errorf("%s: %+v, want version %q commit %q", tt.name, v, tt.version, tt.commit)
		}
	}
}

// An unknown flag is named as typed, a missing required flag says it is
// required, a bad value names the flag and what it takes: exit 2, one
// line, before any database is needed.
func TestFlagErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown --flag", []string{"stats", "--bogus"}, "sqi stats: unknown flag --bogus (run 'sqi stats --help' for its flags)"},
		{"unknown -flag", []string{"generate", "-bogus"}, "sqi generate: unknown flag -bogus "},
		{"unknown --flag=value", []string{"apikey", "create", "--bogus=1"}, "sqi apikey create: unknown flag --bogus "},
		{"unknown flag, no flags", []string{"tenant", "list", "--bogus"}, "sqi tenant list: unknown flag --bogus "},
		{"unknown flag after others", []string{"etl", "--once", "--batch", "2000", "--bogus"}, "sqi etl: unknown flag --bogus "},
		{"unknown flag of report", []string{"report", "daily", "--tenant", "acme", "--bogus"}, "sqi report daily: unknown flag --bogus "},
		{"flag before the command", []string{"--bogus"}, "sqi: unknown flag --bogus: give a command first"},
		{"stats without --tenant", []string{"stats", "--from", "2026-03-01", "--to", "2026-03-01"}, "sqi stats: --tenant is required: "},
		{"stats without --from", []string{"stats", "--tenant", "acme", "--to", "2026-03-01"}, "sqi stats: --from is required: "},
		{"stats without --to", []string{"stats", "--tenant", "acme", "--from", "2026-03-01"}, "sqi stats: --to is required: "},
		{"report without --tenant", []string{"report", "daily", "--date", "2026-03-01"}, "sqi report daily: --tenant is required: "},
		{"etl without --once", []string{"etl"}, "sqi etl: give --once or --reconcile: "},
		{"reader key without --tenant", []string{"apikey", "create"}, "sqi apikey create: --tenant is required for a reader key"},
		{"flag without its value", []string{"stats", "--tenant"}, "sqi stats: --tenant needs a value: "},
		{"not a number", []string{"generate", "--days", "seven"}, `sqi generate: --days "seven": give a whole number`},
		{"not a boolean", []string{"etl", "--once=maybe"}, `sqi etl: --once "maybe": give true or false`},
		{"unexpected argument", []string{"migrate", "now"}, `sqi migrate: unexpected argument "now"`},
		{"unknown command", []string{"statz"}, `sqi: unknown command "statz"; run 'sqi help' for the list`},
		{"help of an unknown command", []string{"help", "statz"}, `sqi help: unknown command "statz"`},
	}
	for _, tt := range tests {
		code, out, errOut := runEnv(t, unreachable, "", tt.args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, nothing, one line starting %q", tt.name, code, out, errOut, tt.want)
		}
	}
}

func TestTyped(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		name string
		want string
	}{
		{[]string{"--tenant", "x", "--bogus"}, "bogus", "--bogus"},
		{[]string{"-bogus=3"}, "bogus", "-bogus"},
		{[]string{"--bogusx", "--bogus=1"}, "bogus", "--bogus"},
		{[]string{"--", "--bogus"}, "bogus", "--bogus"},
		{[]string{"value"}, "bogus", "--bogus"},
	} {
		if got := typed(tt.args, tt.name); got != tt.want {
			t.Errorf("typed(%q, %q) = %q, want %q", tt.args, tt.name, got, tt.want)
		}
	}
}
