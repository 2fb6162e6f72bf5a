package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxRecordBytes bounds one record of an imported file (an NDJSON line, a
// CSV record with its quoted line breaks): a longer one is skipped and
// reported, so that memory stays bounded whatever the file holds.
const MaxRecordBytes = 1 << 20

// csvGuard stands between a CSV file and encoding/csv, which would hold a
// record of any size in memory and whose input PostgreSQL would refuse
// whole for one NUL or invalid UTF-8 byte. It splits the stream into
// records as RFC 4180 does (a line break inside a quoted field continues
// the record) and passes each on unless it is longer than MaxRecordBytes,
// holds a NUL byte or is not valid UTF-8; such a record is replaced by as
// many empty lines as it spans, which encoding/csv skips while counting
// them, so the line numbers of the records after it stay right. The
// records it dropped are in bad, in file order.
type csvGuard struct {
	r    *bufio.Reader
	line int    // lines read so far
	rec  []byte // the record being read
	out  []byte // what Read hands on next
	bad  []LineError
	err  error // of the underlying reader, once it is done
}

func newCSVGuard(r *bufio.Reader) *csvGuard { return &csvGuard{r: r} }

func (g *csvGuard) Read(p []byte) (int, error) {
	for len(g.out) == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.next()
	}
	n := copy(p, g.out)
	g.out = g.out[n:]
	return n, nil
}

// CSV field states of the record scanner.
const (
	fieldStart = iota
	unquoted
	quoted
	quoteInQuoted // a quote in a quoted field: its end, or the first of ""
)

// next reads one record into out (or its replacement).
func (g *csvGuard) next() {
	first := g.line + 1
	g.rec = g.rec[:0]
	size, lines := 0, 0
	state := fieldStart
	for {
		chunk, err := g.r.ReadSlice('\n')
		size += len(chunk)
		if size <= MaxRecordBytes {
			g.rec = append(g.rec, chunk...)
		}
		ended := false
		for i, c := range chunk {
			switch state {
			case fieldStart:
				switch c {
				case '"':
					state = quoted
				case ',':
				case '\n':
					ended = i == len(chunk)-1
				default:
					state = unquoted
				}
			case unquoted:
				switch c {
				case ',':
					state = fieldStart
				case '\n':
					ended = i == len(chunk)-1
				}
			case quoted:
				if c == '"' {
					state = quoteInQuoted
				}
			case quoteInQuoted:
				switch c {
				case '"':
					state = quoted
				case ',':
					state = fieldStart
				case '\n':
					ended = i == len(chunk)-1
				default:
					state = unquoted
				}
			}
			if c == '\n' {
				lines++
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			g.err = err
			ended = true
		}
		if ended {
			break
		}
	}
	g.line += lines
	reason := ""
	switch {
	case size > MaxRecordBytes:
		reason = fmt.Sprintf("the record is %d bytes long, more than %d: split it or shorten its fields", size, MaxRecordBytes)
	default:
		reason = badBytes(g.rec)
	}
	if reason == "" {
		g.out = g.rec
		return
	}
	g.bad = append(g.bad, LineError{Line: first, Reason: reason})
	g.out = bytes.Repeat([]byte{'\n'}, max(lines, 1))
	if g.err != nil && lines == 0 {
		g.out = nil // the last record, unterminated: nothing follows it
	}
}

// badBytes names the first byte that PostgreSQL text cannot hold: a NUL,
// or one that is not valid UTF-8; "" when there is none.
func badBytes(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Sprintf("a NUL byte at byte %d of the record: remove it", i+1)
	}
	if !utf8.Valid(b) {
		i := 0
		for i < len(b) {
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Sprintf("invalid UTF-8 at byte %d of the record (0x%02x): save the file as UTF-8", i+1, b[i])
	}
	return ""
}

// pop returns the first dropped record that comes before line (any, when
// line is 0).
func (g *csvGuard) pop(line int) (LineError, bool) {
	if len(g.bad) == 0 || (line > 0 && g.bad[0].Line >= line) {
		return LineError{}, false
	}
	le := g.bad[0]
	g.bad = g.bad[1:]
	return le, true
}

var _ io.Reader = (*csvGuard)(nil)
