package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"sqi/source"
)

func init() {
	commands["import"] = command{
		usage: "FILE: NDJSON or CSV events into chat_events (- reads standard input)",
		run:   runImport,
	}
}

// runImport loads a file and reports it. Bad lines are listed on stderr
// as FILE:LINE: reason; the good lines are loaded all the same, and the
// exit status is then 1 so that a script notices.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() != 1 {
		return usagef("give one FILE: NDJSON (.ndjson, .jsonl) or CSV (.csv) with SPEC §2 columns, or - for standard input")
	}
	name := fs.Arg(0)
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}

	pool, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := source.Import(ctx, pool, r, name)
	if err != nil {
		return err
	}
	for _, le := range res.Bad {
		fmt.Fprintf(e.stderr, "%s:%d: %s\n", name, le.Line, le.Reason)
	}
	if more := res.BadLines - int64(len(res.Bad)); more > 0 {
		fmt.Fprintf(e.stderr, "%s: %d more bad lines not listed\n", name, more)
	}
	fmt.Fprintf(e.stdout, "format: %s\nlines read: %d\ninserted: %d\nduplicates skipped: %d\nbad lines skipped: %d\n",
		res.Format, res.Lines, res.Inserted, res.Duplicates, res.BadLines)
	switch {
	case res.Lines == 0:
		return fmt.Errorf("%s: no events in the file", name)
	case res.BadLines > 0:
		return fmt.Errorf("%s: %d of %d lines could not be read and were skipped (listed above); the others were loaded", name, res.BadLines, res.Lines)
	}
	return nil
}
