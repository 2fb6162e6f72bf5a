package source

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// copyReader encodes a stream of rows in PostgreSQL's binary COPY format
// as COPY reads it. It does by hand what pgx.CopyFrom does through its
// type map, without boxing every value: for a million-row synthetic day
// that was a second of CPU, ten times the generation itself.
//
// Binary COPY needs the column types of docs/metrics.md exactly (bigint, text,
// timestamptz, smallint). Import and InsertEvents copy into a staging
// table of their own, so only CopyEvents relies on chat_events having
// them; a table that differs refuses it with "incorrect binary data
// format".
type copyReader struct {
	next   func() (row, error) // the next row; io.EOF at the end
	err    error               // next's error, which aborted the COPY
	buf    []byte
	off    int
	header bool
	done   bool
}

// row is one event as COPY values; an empty text is NULL, and so is the
// score unless hasScore. With ord set (> 0) the row has a twelfth column,
// for the staging table.
type row struct {
	eventID                                   int64
	hasID                                     bool // for parsers: event_id was given
	tenantID, roomID, typ                     string
	occurredAt                                time.Time
	actor, agentID, teamID, channel, category string
	score                                     int16
	hasScore                                  bool
	ord                                       int64
}

var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// pgEpochMicro is 2000-01-01 UTC, where timestamptz's binary form counts
// microseconds from, in Unix microseconds.
var pgEpochMicro = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

func (c *copyReader) Read(p []byte) (int, error) {
	for c.off >= len(c.buf) {
		if c.done {
			return 0, io.EOF
		}
		if err := c.fill(len(p)); err != nil {
			c.err = err
			return 0, err // pgconn answers with CopyFail: nothing is written
		}
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

// fill encodes rows until buf holds about size bytes, or the trailer.
func (c *copyReader) fill(size int) error {
	c.buf, c.off = c.buf[:0], 0
	if !c.header {
		c.buf = append(c.buf, copyHeader...)
		c.header = true
	}
	for len(c.buf) < size {
		r, err := c.next()
		if errors.Is(err, io.EOF) {
			c.buf = binary.BigEndian.AppendUint16(c.buf, 0xffff) // trailer
			c.done = true
			return nil
		}
		if err != nil {
			return err
		}
		c.buf = r.append(c.buf)
	}
	return nil
}

func (r *row) append(b []byte) []byte {
	n := uint16(11)
	if r.ord > 0 {
		n = 12
	}
	b = binary.BigEndian.AppendUint16(b, n)
	b = appendInt64(b, r.eventID)
	b = appendText(b, r.tenantID)
	b = appendText(b, r.roomID)
	b = appendText(b, r.typ)
	b = appendInt64(b, r.occurredAt.UnixMicro()-pgEpochMicro)
	b = appendText(b, r.actor)
	b = appendText(b, r.agentID)
	b = appendText(b, r.teamID)
	b = appendText(b, r.channel)
	b = appendText(b, r.category)
	if r.hasScore {
		b = binary.BigEndian.AppendUint32(b, 2)
		b = binary.BigEndian.AppendUint16(b, uint16(r.score))
	} else {
		b = binary.BigEndian.AppendUint32(b, 0xffffffff)
	}
	if r.ord > 0 {
		b = appendInt64(b, r.ord)
	}
	return b
}

func appendInt64(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// appendText appends s, or NULL for "".
func appendText(b []byte, s string) []byte {
	if s == "" {
		return binary.BigEndian.AppendUint32(b, 0xffffffff)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// text is the text column col of r.
func (r *row) text(col int) *string {
	switch col {
	case 1:
		return &r.tenantID
	case 2:
		return &r.roomID
	case 3:
		return &r.typ
	case 5:
		return &r.actor
	case 6:
		return &r.agentID
	case 7:
		return &r.teamID
	case 8:
		return &r.channel
	case 9:
		return &r.category
	}
	panic(fmt.Sprintf("column %d is not text", col))
}
