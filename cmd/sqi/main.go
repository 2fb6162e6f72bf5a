// Command sqi is the statistics and daily-reporting service of the chat
// consultation platform: see README.md and docs/. Each command is a file
// beside this one; `sqi help` lists them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one command of sqi, or a group of them (apikey, tenant,
// report), whose sub-commands are registered as "group sub".
type command struct {
	// usage is what follows "sqi <name>" in the usage line: the flags and
	// arguments, e.g. "--tenant T --from D --to D [--format F]".
	usage string
	// summary says in one sentence what the command does.
	summary string
	// details, when set, is a paragraph more for the command's help.
	details string
	// env lists the environment variables the command reads.
	env string
	// run gets the arguments after the command name.
	run func(ctx context.Context, env *env, args []string) error
	// subs are the sub-commands of a group, in the order of its help.
	subs []string
}

func (c command) usageLine(name string) string {
	if c.usage == "" {
		return name
	}
	return name + " " + c.usage
}

// commands is filled by the init functions of the files beside this one,
// one file per command.
var commands = map[string]command{}

// usageError is bad input: printed as one line, exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command failed: the database, a file, the network
	exitUsage = 2 // bad input: a flag, an argument, an environment variable
)

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer e.close()
	name, err := dispatch(ctx, e, args)
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	}
	prefix := "sqi"
	if name != "" {
		prefix = "sqi " + name
	}
	fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFail
}

// dispatch finds the command of args and runs it; it returns the name of
// the command it ran, for the error line.
func dispatch(ctx context.Context, e *env, args []string) (string, error) {
	if len(args) == 0 {
		printUsage(e.stdout)
		return "", nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return "help", help(ctx, e, args[1:])
	}
	name := args[0]
	c, ok := commands[name]
	if !ok || strings.Contains(name, " ") {
		if strings.HasPrefix(name, "-") {
			return "", usagef("unknown flag %s: give a command first; run 'sqi help' for the list", name)
		}
		return "", usagef("unknown command %q; run 'sqi help' for the list", name)
	}
	args = args[1:]
	if c.subs != nil {
		if len(args) == 0 {
			return name, usagef("give a command: %s (run 'sqi help %s')", strings.Join(c.subs, ", "), name)
		}
		switch args[0] {
		case "help", "-h", "-help", "--help":
			return name, help(ctx, e, append([]string{name}, args[1:]...))
		}
		sub := name + " " + args[0]
		if _, ok := commands[sub]; !ok {
			return name, usagef("unknown command %q: give %s (run 'sqi help %s')", args[0], strings.Join(c.subs, ", "), name)
		}
		name, c, args = sub, commands[sub], args[1:]
	}
	return name, c.run(ctx, e, args)
}

// help prints the usage of sqi, of a group, or of one command: for a
// command, the command itself prints it on --help, after defining its
// flags, so the help lists exactly the flags it parses.
func help(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printUsage(e.stdout)
		return nil
	}
	name := args[0]
	c, ok := commands[name]
	if !ok || strings.Contains(name, " ") {
		return usagef("unknown command %q; run 'sqi help' for the list", name)
	}
	if c.subs != nil {
		if len(args) == 1 {
			printGroup(e.stdout, name, c)
			return nil
		}
		name += " " + args[1]
		if c, ok = commands[name]; !ok {
			return usagef("unknown command %q; run 'sqi help %s'", name, args[0])
		}
	}
	err := c.run(ctx, e, []string{"--help"})
	if !errors.Is(err, errHelp) {
		return fmt.Errorf("%s printed no help: %w", name, err)
	}
	return errHelp
}

// printUsage is `sqi help`: every command with what it does, and the
// environment.
func printUsage(w io.Writer) {
	fmt.Fprint(w, `sqi: statistics, SQI scores and daily reports of a chat-consultation platform.

usage: sqi <command> [flags]
       sqi help <command>       a command's flags and their defaults (or: sqi <command> --help)

commands:
`)
	var names []string
	for n, c := range commands {
		if c.subs == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintf(w, `
environment:
  DATABASE_URL         the service's PostgreSQL database
                       (default %s)
  SOURCE_DATABASE_URL  the database holding chat_events (default: DATABASE_URL)
  HTTP_ADDR            where sqi serve listens (default :8080); more settings in docs/api.md
  SMTP_URL, SMTP_FROM  the mail server and sender of the daily reports (docs/reports.md)

exit status: 0 done, 1 failed (the message says what failed), 2 bad input
(the message names the flag, argument or variable to change).
`, defaultDatabaseURL)
}

// printGroup is the help of a group of commands (sqi help apikey).
func printGroup(w io.Writer, name string, c command) {
	fmt.Fprintf(w, "usage: sqi %s <%s> [flags]\n\n%s\n\ncommands:\n", name, strings.Join(c.subs, "|"), c.summary)
	width := 0
	for _, s := range c.subs {
		width = max(width, len(s))
	}
	for _, s := range c.subs {
		fmt.Fprintf(w, "  %-*s  %s\n", width, s, commands[name+" "+s].summary)
	}
	fmt.Fprintf(w, "\nRun 'sqi %s <command> --help' for a command's flags.\n", name)
}
