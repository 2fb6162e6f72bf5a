package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"sqi/internal/pgtest"
)

// A progress line at most every `every`; done erases it; nil shows nothing.
func TestProgressThrottle(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	now := time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := newProgress(&buf, 250*time.Millisecond, clock)
	for _, ms := range []int{0, 100, 249, 250, 300, 499, 520, 900} {
		now = time.Date(2026, 3, 7, 9, 0, 0, ms*1e6, time.UTC)
		p.show("at %d ms", ms)
	}
	want := "\r\x1b[Kat 250 ms\r\x1b[Kat 520 ms\r\x1b[Kat 900 ms"
	if buf.String() != want {
		t.Errorf("shown %q, want %q", buf.String(), want)
	}
	p.showNow("at once")
	p.done()
	p.done() // once erased, nothing more
	p.showNow("too late")
	if want += "\r\x1b[Kat once\r\x1b[K"; buf.String() != want {
		t.Errorf("shown %q, want %q", buf.String(), want)
	}
	if got := p.elapsed(); got != 900*time.Millisecond {
		t.Errorf("elapsed %v", got)
	}
	var none *progress
	none.show("x")
	none.done()
	long := newProgress(&buf, 0, clock)
	buf.Reset()
	long.show("%s", strings.Repeat("가", 100))
	if n := len([]rune(strings.TrimPrefix(buf.String(), "\r\x1b[K"))); n != 79 {
		t.Errorf("a long line is cut to %d runes, want 79", n)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// On a terminal (a real pseudo-terminal), the long commands show their
// progress on standard error, and standard output holds the same summary
// lines as in a pipe. Not parallel: it shortens progressEvery so that the
// small data set shows every step.
func TestProgressOnTerminal(t *testing.T) {
	_, url := pgtest.NewWithURL(t)
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0

	file := filepath.Join(t.TempDir(), "events.csv")
	var csv strings.Builder
	csv.WriteString("event_id,tenant_id,room_id,type,occurred_at\n")
	for i := range 2000 {
		fmt.Fprintf(&csv, "9%06d,acme,imported-%d,room_opened,2026-03-06T10:00:00+09:00\n", i, i)
	}
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		args     []string
		progress []string // on the terminal
		summary  string   // on standard output
	}{
		{[]string{"generate", "--tenants", "1", "--days", "3", "--rooms-per-day", "60", "--start", "2026-03-05"},
			[]string{"generate: tenant-day 1 of 3, ", "generate: tenant-day 3 of 3, ", " events/s"}, "rooms: 180\n"},
		{[]string{"import", file}, []string{"import: 0.1 of 0.1 MB read (100%)", "import: 0.1 MB read; inserting the new events…"}, "inserted: 2000\n"},
		{[]string{"etl", "--once", "--batch", "1000"}, []string{"etl: 1,000 events read, ", " rooms computed, ", " events/s"}, "rooms recomputed: 2180"},
		{[]string{"report", "daily", "--tenant", "acme", "--date", "2026-03-06", "--out", filepath.Join(t.TempDir(), "acme.xlsx")},
			[]string{"report acme: computing the numbers", "report acme: sheet 1 of ", "report acme: writing the file"}, "wrote "},
	}
	for _, s := range steps {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Fatalf("open a pseudo-terminal: %v", err)
		}
		var (
			term bytes.Buffer
			wg   sync.WaitGroup
		)
		wg.Go(func() { _, _ = io.Copy(&term, ptmx) }) // ends with EIO once tty is closed
		var out bytes.Buffer
		getenv := func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		}
		code := run(t.Context(), s.args, strings.NewReader(""), &out, tty, getenv)
		tty.Close()
		wg.Wait()
		ptmx.Close()
		if code != 0 {
			t.Fatalf("%v: exit %d; terminal: %q", s.args, code, term.String())
		}
		screen := term.String()
		for _, w := range s.progress {
			if !strings.Contains(screen, w) {
				t.Errorf("%v: the terminal lacks %q: %q", s.args, w, screen)
			}
		}
		if !strings.HasPrefix(screen, "\r\x1b[K") || !strings.HasSuffix(screen, "\r\x1b[K") {
			t.Errorf("%v: progress not drawn in place and erased at the end: %q", s.args, screen)
		}
		if !strings.Contains(out.String(), s.summary) || strings.ContainsAny(out.String(), "\r\x1b") {
			t.Errorf("%v: stdout %q; want the summary %q and no terminal control", s.args, out.String(), s.summary)
		}

		// Again where stderr is not a terminal: nothing on it (a second
		// generate, import or etl finds nothing new, but goes through
		// the same steps).
		var errOut bytes.Buffer
		out.Reset()
		if code := run(t.Context(), s.args, strings.NewReader(""), &out, &errOut, getenv); code != 0 || errOut.Len() != 0 {
			t.Errorf("%v without a terminal: exit %d, stderr %q", s.args, code, errOut.String())
		}
	}
}
