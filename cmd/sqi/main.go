// Command sqi is the statistics and daily-reporting service of the chat
// consultation platform: see README.md and ../shared/SPEC.md §6.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one sub-command of sqi. run gets the arguments after the
// command name and writes its result to out.
type command struct {
	usage string
	run   func(ctx context.Context, env *env, args []string) error
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

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sqi: unknown command %q; run 'sqi help' for the list\n", args[0])
		return 2
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer e.close()
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		fmt.Fprintf(stderr, "sqi %s: %v\n", args[0], err)
		var ue usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: sqi <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].usage)
	}
	fmt.Fprintln(w, "\nenvironment: DATABASE_URL, SOURCE_DATABASE_URL (default DATABASE_URL),")
	fmt.Fprintln(w, "  HTTP_ADDR (serve; more in docs/api.md), SMTP_URL and SMTP_FROM (reports; docs/reports.md)")
}
