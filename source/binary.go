package source

import (
	"errors"
	"fmt"
	"io"
	"time"

	"sqi/internal/pgcopy"
)

// rowEncoder encodes a stream of rows in PostgreSQL's binary COPY format
// (pgcopy) as COPY reads it. It does by hand what pgx.CopyFrom does through its
// type map, without boxing every value: for a million-row synthetic day
// that was a second of CPU, ten times the generation itself.
//
// Binary COPY needs the column types of docs/metrics.md exactly (bigint, text,
// timestamptz, smallint). Import and InsertEvents copy into a staging
// table of their own, so only CopyEvents relies on chat_events having
// them; a table that differs refuses it with "incorrect binary data
// format".
type rowEncoder struct {
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

func (c *rowEncoder) Read(p []byte) (int, error) {
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
func (c *rowEncoder) fill(size int) error {
	c.buf, c.off = c.buf[:0], 0
	if !c.header {
		c.buf = append(c.buf, pgcopy.Header...)
		c.header = true
	}
	for len(c.buf) < size {
		r, err := c.next()
		if errors.Is(err, io.EOF) {
			c.buf = pgcopy.AppendTrailer(c.buf)
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
	n := 11
	if r.ord > 0 {
		n = 12
	}
	b = pgcopy.AppendTuple(b, n)
	b = pgcopy.AppendInt64(b, r.eventID)
	b = pgcopy.AppendText(b, r.tenantID)
	b = pgcopy.AppendText(b, r.roomID)
	b = pgcopy.AppendText(b, r.typ)
	b = pgcopy.AppendTime(b, r.occurredAt)
	b = pgcopy.AppendText(b, r.actor)
	b = pgcopy.AppendText(b, r.agentID)
	b = pgcopy.AppendText(b, r.teamID)
	b = pgcopy.AppendText(b, r.channel)
	b = pgcopy.AppendText(b, r.category)
	if r.hasScore {
		b = pgcopy.AppendInt16(b, r.score)
	} else {
		b = pgcopy.AppendNull(b)
	}
	if r.ord > 0 {
		b = pgcopy.AppendInt64(b, r.ord)
	}
	return b
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
