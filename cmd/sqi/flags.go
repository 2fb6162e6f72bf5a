package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// flagSet is a command's flags: the standard flag package with sqi's words
// around it. Flags are written --name in help and errors (one dash works
// too, as flag allows); -h and --help print the command's help on standard
// output and end with exit status 0; an unknown flag is named as the user
// typed it; a required flag left out says that it is required. The
// definition methods are flag's, recorded in order so that the help lists
// the flags as the command defines them.
type flagSet struct {
	*flag.FlagSet
	cmd      string // the command's name: "stats", "apikey create"
	out      io.Writer
	order    []string
	required map[string]bool
}

// flags returns the flag set of the command name (as registered in
// commands); its help goes to the command's standard output.
func (e *env) flags(name string) *flagSet {
	fs := flag.NewFlagSet("sqi "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help printed by parse
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, cmd: name, out: e.stdout, required: map[string]bool{}}
}

func (f *flagSet) String(name, value, usage string) *string {
	f.order = append(f.order, name)
	return f.FlagSet.String(name, value, usage)
}

func (f *flagSet) StringVar(p *string, name, value, usage string) {
	f.order = append(f.order, name)
	f.FlagSet.StringVar(p, name, value, usage)
}

func (f *flagSet) Int(name string, value int, usage string) *int {
	f.order = append(f.order, name)
	return f.FlagSet.Int(name, value, usage)
}

func (f *flagSet) Int64(name string, value int64, usage string) *int64 {
	f.order = append(f.order, name)
	return f.FlagSet.Int64(name, value, usage)
}

func (f *flagSet) Bool(name string, value bool, usage string) *bool {
	f.order = append(f.order, name)
	return f.FlagSet.Bool(name, value, usage)
}

func (f *flagSet) Duration(name string, value time.Duration, usage string) *time.Duration {
	f.order = append(f.order, name)
	return f.FlagSet.Duration(name, value, usage)
}

// require marks flags that must be given; parse fails, naming the first
// one missing, when they are not.
func (f *flagSet) require(names ...string) {
	for _, n := range names {
		f.required[n] = true
	}
}

// errHelp is returned by parse after it printed the help: the command
// stops there and sqi exits 0.
var errHelp = errors.New("help shown")

// parse parses args. It prints the help and returns errHelp for -h or
// --help, and turns every other flag error into a one-line usage error
// that names the flag as typed. Commands that take no positional argument
// get an error for one.
func parse(fs *flagSet, args []string) error {
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (run 'sqi %s --help')", fs.Arg(0), fs.cmd)
	}
	return nil
}

// parse is parse that leaves positional arguments to the caller.
func (f *flagSet) parse(args []string) error {
	err := f.FlagSet.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(f.out, f.cmd, f)
		return errHelp
	}
	if err != nil {
		return usageError{f.explain(err, args)}
	}
	for _, name := range f.order {
		if !f.required[name] {
			continue
		}
		given := false
		f.Visit(func(g *flag.Flag) { given = given || g.Name == name })
		if !given {
			_, usage := flag.UnquoteUsage(f.Lookup(name))
			return usagef("--%s is required: %s (run 'sqi %s --help')", name, usage, f.cmd)
		}
	}
	return nil
}

// The flag package's error messages, stable since Go 1.0.
var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	reNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	reBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]+): (.*)$`)
)

// explain rewrites an error of flag.Parse in sqi's words.
func (f *flagSet) explain(err error, args []string) string {
	msg := err.Error()
	help := fmt.Sprintf("run 'sqi %s --help' for its flags", f.cmd)
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag %s (%s)", typed(args, m[1]), help)
	}
	if m := reNoValue.FindStringSubmatch(msg); m != nil {
		_, usage := flag.UnquoteUsage(f.Lookup(m[1]))
		return fmt.Sprintf("%s needs a value: %s", typed(args, m[1]), usage)
	}
	if m := reBadValue.FindStringSubmatch(msg); m != nil {
		want := "a valid value"
		if fl := f.Lookup(m[2]); fl != nil {
			if g, ok := fl.Value.(flag.Getter); ok {
				switch g.Get().(type) {
				case bool:
					want = "true or false"
				case int, int64, uint, uint64:
					want = "a whole number"
				case float64:
					want = "a number"
				case time.Duration:
					want = "a duration such as 30s or 5m"
				}
			}
		}
		return fmt.Sprintf("%s %q: give %s", typed(args, m[2]), m[1], want)
	}
	return strings.Replace(msg, " -", " --", 1)
}

// typed returns flag name as the user wrote it in args (--bogus, -bogus),
// or --name when it is not found there.
func typed(args []string, name string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		bare, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if bare == name {
			dashes := len(a) - len(strings.TrimLeft(a, "-"))
			return a[:dashes] + name
		}
	}
	return "--" + name
}

// helpWidth is the width the help is wrapped to.
const helpWidth = 80

// writeHelp prints the help of command name: its usage line, what it
// does, its flags with their defaults, and the environment it reads.
func writeHelp(w io.Writer, name string, f *flagSet) {
	c := commands[name]
	fmt.Fprintf(w, "usage: sqi %s\n\n", c.usageLine(name))
	for _, l := range wrap(c.summary, helpWidth) {
		fmt.Fprintln(w, l)
	}
	if c.details != "" {
		fmt.Fprintln(w)
		for _, l := range wrap(c.details, helpWidth) {
			fmt.Fprintln(w, l)
		}
	}
	type line struct{ left, right string }
	var lines []line
	for _, n := range f.order {
		fl := f.Lookup(n)
		arg, usage := flag.UnquoteUsage(fl)
		left := "--" + n
		if arg != "" {
			left += " " + placeholder(arg)
		}
		if f.required[n] {
			usage = "required: " + usage
		}
		if d := fl.DefValue; d != "" && d != "false" && d != "0" {
			usage += " (default " + d + ")"
		}
		lines = append(lines, line{left, usage})
	}
	lines = append(lines, line{"-h, --help", "show this help"})
	width := 0
	for _, l := range lines {
		width = max(width, len(l.left))
	}
	fmt.Fprintln(w, "\nflags:")
	indent := strings.Repeat(" ", width+4)
	for _, l := range lines {
		for i, r := range wrap(l.right, max(helpWidth-len(indent), 30)) {
			if i == 0 {
				fmt.Fprintf(w, "  %-*s  %s\n", width, l.left, r)
			} else {
				fmt.Fprintf(w, "%s%s\n", indent, r)
			}
		}
	}
	if c.env != "" {
		fmt.Fprintln(w)
		for _, l := range wrap("environment: "+c.env+" (see 'sqi help')", helpWidth) {
			fmt.Fprintln(w, l)
		}
	}
}

// wrap breaks text into lines of at most width bytes, between words.
func wrap(text string, width int) []string {
	var lines []string
	var cur string
	for _, word := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = word
		case len(cur)+1+len(word) > width:
			lines = append(lines, cur)
			cur = word
		default:
			cur += " " + word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// placeholder is the word standing for a flag's value in the help: the
// back-quoted word of its usage, else one named after its type.
func placeholder(arg string) string {
	switch arg {
	case "string", "value":
		return "TEXT"
	case "int", "uint":
		return "N"
	case "float":
		return "X"
	case "duration":
		return "DURATION"
	}
	return arg
}
