package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"sqi/source"
)

func init() {
	commands["import"] = command{
		usage:   "FILE",
		summary: "Load chat events from an NDJSON or CSV file into chat_events.",
		details: "FILE is a path, or - for standard input; its columns are those of the event feed (docs/metrics.md). An event_id already loaded is skipped and counted. A line that cannot be read is listed on standard error as FILE:LINE: reason; the other lines are loaded all the same, and the exit status is then 1. On a terminal it shows its progress on standard error.",
		env:     "SOURCE_DATABASE_URL (default: DATABASE_URL)",
		run:     runImport,
	}
}

// runImport loads a file and reports it. Bad lines are listed on stderr
// as FILE:LINE: reason; the good lines are loaded all the same, and the
// exit status is then 1 so that a script notices.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one FILE: NDJSON (.ndjson, .jsonl) or CSV (.csv) with the columns of chat_events, or - for standard input")
	}
	name := fs.Arg(0)
	var (
		r    io.Reader = e.stdin
		size int64     = -1
	)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
	}

	pool, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	p := e.progress()
	if p != nil {
		r = &progressReader{r: r, p: p, size: size}
	}
	res, err := source.Import(ctx, pool, r, name)
	p.done()
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

// progressReader shows how much of the file import has read, and that it
// is inserting once the file is read.
type progressReader struct {
	r    io.Reader
	p    *progress
	size int64 // -1: unknown (a pipe)
	n    int64
}

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.n += int64(n)
	mb := float64(pr.n) / 1e6
	rate := mb / max(pr.p.elapsed().Seconds(), 1e-3)
	switch {
	case errors.Is(err, io.EOF):
		pr.p.showNow("import: %.1f MB read; inserting the new events…", mb)
	case pr.size > 0:
		pr.p.show("import: %.1f of %.1f MB read (%.0f%%), %.1f MB/s", mb, float64(pr.size)/1e6, 100*float64(pr.n)/float64(pr.size), rate)
	default:
		pr.p.show("import: %.1f MB read, %.1f MB/s", mb, rate)
	}
	return n, err
}
