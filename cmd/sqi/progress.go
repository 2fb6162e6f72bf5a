package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progressEvery is the least time between two progress lines: a few a
// second at most, so that a terminal keeps up and the numbers can be read.
var progressEvery = 250 * time.Millisecond // a variable for the tests

// progress shows how a long command goes on: one line on standard error,
// rewritten in place, when standard error is a terminal. Elsewhere (a
// pipe, a file, a test) it shows nothing, and the summary on standard
// output is all a script sees. A nil *progress shows nothing; its methods
// may be called from any goroutine.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	every time.Duration
	now   func() time.Time
	start time.Time
	last  time.Time
	shown bool
	ended bool // done was called: nothing more is shown
}

// progress returns the progress line of the command, or nil when standard
// error is not a terminal.
func (e *env) progress() *progress {
	f, ok := e.stderr.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return nil
	}
	return newProgress(f, progressEvery, time.Now)
}

func newProgress(w io.Writer, every time.Duration, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, every: every, now: now, start: t, last: t}
}

// elapsed is the time since the command started, for rates.
func (p *progress) elapsed() time.Duration {
	if p == nil {
		return 0
	}
	return p.now().Sub(p.start)
}

// show replaces the line with the text of format when the last one is
// older than p.every; otherwise it drops it (a later call shows newer
// numbers). The line is kept short enough for an 80-column terminal.
func (p *progress) show(format string, a ...any) { p.put(false, format, a...) }

// showNow shows a line whatever the time since the last one: a change of
// phase that stays on screen a while.
func (p *progress) showNow(format string, a ...any) { p.put(true, format, a...) }

func (p *progress) put(force bool, format string, a ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if p.ended || !force && t.Sub(p.last) < p.every {
		return
	}
	p.last = t
	line := fmt.Sprintf(format, a...)
	if r := []rune(line); len(r) > 79 {
		line = string(r[:78]) + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line) // carriage return, erase the line
	p.shown = true
}

// done erases the line, so that what follows starts on a clean line, and
// ends the progress: a late call of show (another goroutine's) shows
// nothing.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// perSecond is n per second of elapsed time, as a count.
func perSecond(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return count(int64(float64(n) / d.Seconds()))
}

// count writes n with thousands separators: 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
