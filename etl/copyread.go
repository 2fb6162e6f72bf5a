package etl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// copyReader parses the binary COPY stream of the event columns (see
// eventColumns) as pgconn hands it over, and appends each row to the
// Arrow batch builder; when the builder holds a full batch it calls
// onBatch. Parsing the wire format directly, instead of scanning rows
// through database/sql-like machinery, keeps extraction close to the cost
// of reading the bytes (etl/bench_test.go).
type copyReader struct {
	bb      *batchBuilder
	size    int
	onBatch func() error

	buf      []byte
	header   bool
	done     bool
	rows     int64
	fieldBuf [11][]byte
}

var copySignature = []byte("PGCOPY\n\377\r\n\x00")

// pgEpoch is 2000-01-01 in Unix microseconds: binary timestamps count
// from it.
const pgEpoch = 946_684_800_000_000

func (c *copyReader) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	off := 0
	if !c.header {
		if len(c.buf) < 19 {
			return len(p), nil
		}
		if !bytes.Equal(c.buf[:11], copySignature) {
			return 0, errors.New("copy: not a binary COPY stream")
		}
		ext := int(binary.BigEndian.Uint32(c.buf[15:19]))
		if len(c.buf) < 19+ext {
			return len(p), nil
		}
		off = 19 + ext
		c.header = true
	}
	for {
		n, err := c.row(c.buf[off:])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		off += n
		if c.bb.n >= c.size {
			if err := c.onBatch(); err != nil {
				return 0, err
			}
		}
	}
	c.buf = append(c.buf[:0], c.buf[off:]...)
	return len(p), nil
}

// row parses one tuple at the start of b and returns its length, or 0 when
// b does not hold a whole tuple yet.
func (c *copyReader) row(b []byte) (int, error) {
	if c.done || len(b) < 2 {
		return 0, nil
	}
	fields := int16(binary.BigEndian.Uint16(b))
	if fields == -1 {
		c.done = true
		return 2, nil
	}
	if int(fields) != len(c.fieldBuf) {
		return 0, fmt.Errorf("copy: row has %d fields, want %d", fields, len(c.fieldBuf))
	}
	off := 2
	for i := range c.fieldBuf {
		if len(b) < off+4 {
			return 0, nil
		}
		n := int(int32(binary.BigEndian.Uint32(b[off:])))
		off += 4
		if n < 0 {
			c.fieldBuf[i] = nil
			continue
		}
		if len(b) < off+n {
			return 0, nil
		}
		c.fieldBuf[i] = b[off : off+n : off+n]
		off += n
	}
	f := &c.fieldBuf
	if f[colEventID] == nil || f[colTenant] == nil || f[colRoom] == nil || f[colType] == nil || f[colOccurred] == nil ||
		len(f[colEventID]) != 8 || len(f[colOccurred]) != 8 || (f[colScore] != nil && len(f[colScore]) != 2) {
		return 0, errors.New("copy: unexpected column layout of chat_events (see SPEC §2)")
	}
	var r row
	r.eventID = int64(binary.BigEndian.Uint64(f[colEventID]))
	r.tenant, r.room, r.typ = f[colTenant], f[colRoom], f[colType]
	r.occurred = pgTime(int64(binary.BigEndian.Uint64(f[colOccurred])))
	for i := range r.nullable {
		r.nullable[i] = f[colActor+i]
	}
	if f[colScore] != nil {
		s := int16(binary.BigEndian.Uint16(f[colScore]))
		r.score = &s
	}
	c.bb.append(&r)
	c.rows++
	return off, nil
}

// pgTime converts a binary timestamptz. ±infinity (and anything Go cannot
// hold) becomes the zero time, which metrics.Check rejects as
// occurred_at_out_of_range: one bad row must not stop the run.
func pgTime(us int64) time.Time {
	if us == math.MaxInt64 || us == math.MinInt64 || us > math.MaxInt64-pgEpoch || us < math.MinInt64/2 {
		return time.Time{}
	}
	return time.UnixMicro(us + pgEpoch)
}
