// Package pgcopy is PostgreSQL's binary COPY format, both ways: an encoder
// for the rows that `sqi import` and `sqi generate` copy in, and a
// streaming decoder for the rows that the ETL copies out. Doing it by hand
// instead of through pgx's type map keeps a million-row copy close to the
// cost of moving its bytes. It knows the wire format only, not any table:
// it must not import any package of the service.
package pgcopy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Header is the start of a binary COPY stream with no extension area.
var Header = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

var signature = Header[:11]

// epochMicros is 2000-01-01 UTC, where timestamptz's binary form counts
// microseconds from, in Unix microseconds.
const epochMicros = 946_684_800_000_000

// Trailer is the end of a stream.
const Trailer = 0xffff

// AppendTuple starts a tuple of n fields.
func AppendTuple(b []byte, n int) []byte { return binary.BigEndian.AppendUint16(b, uint16(n)) }

// AppendTrailer ends the stream.
func AppendTrailer(b []byte) []byte { return binary.BigEndian.AppendUint16(b, Trailer) }

// AppendNull appends a NULL field.
func AppendNull(b []byte) []byte { return binary.BigEndian.AppendUint32(b, 0xffffffff) }

// AppendInt64 appends a bigint.
func AppendInt64(b []byte, v int64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// AppendInt16 appends a smallint.
func AppendInt16(b []byte, v int16) []byte {
	b = binary.BigEndian.AppendUint32(b, 2)
	return binary.BigEndian.AppendUint16(b, uint16(v))
}

// AppendText appends a text, or NULL for "".
func AppendText(b []byte, s string) []byte {
	if s == "" {
		return AppendNull(b)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// AppendTime appends a timestamptz (microseconds).
func AppendTime(b []byte, t time.Time) []byte { return AppendInt64(b, t.UnixMicro()-epochMicros) }

// Int64 decodes a bigint field.
func Int64(f []byte) int64 { return int64(binary.BigEndian.Uint64(f)) }

// Int16 decodes a smallint field.
func Int16(f []byte) int16 { return int16(binary.BigEndian.Uint16(f)) }

// Time decodes a timestamptz field. ±infinity, and anything Go cannot
// hold, is the zero time: a caller rejects it as one bad value rather than
// stopping the stream.
func Time(f []byte) time.Time {
	us := Int64(f)
	if us == math.MaxInt64 || us == math.MinInt64 || us > math.MaxInt64-epochMicros || us < math.MinInt64/2 {
		return time.Time{}
	}
	return time.UnixMicro(us + epochMicros)
}

// Reader decodes a binary COPY stream as pgconn's CopyTo writes it: Write
// takes the bytes as they come, cuts them into tuples of Fields fields
// (nil for NULL) and calls OnTuple with each. The fields are only valid
// during the call.
type Reader struct {
	Fields  int
	OnTuple func(fields [][]byte) error

	buf    []byte
	header bool
	done   bool
	fields [][]byte
}

// Write implements io.Writer.
func (r *Reader) Write(p []byte) (int, error) {
	r.buf = append(r.buf, p...)
	off := 0
	if !r.header {
		if len(r.buf) < 19 {
			return len(p), nil
		}
		if !bytes.Equal(r.buf[:11], signature) {
			return 0, errors.New("copy: not a binary COPY stream")
		}
		ext := int(binary.BigEndian.Uint32(r.buf[15:19]))
		if len(r.buf) < 19+ext {
			return len(p), nil
		}
		off = 19 + ext
		r.header = true
		r.fields = make([][]byte, r.Fields)
	}
	for {
		n, err := r.tuple(r.buf[off:])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
		off += n
	}
	r.buf = append(r.buf[:0], r.buf[off:]...)
	return len(p), nil
}

// tuple decodes one tuple at the start of b and returns its length, or 0
// when b does not hold a whole tuple yet.
func (r *Reader) tuple(b []byte) (int, error) {
	if r.done || len(b) < 2 {
		return 0, nil
	}
	n := int16(binary.BigEndian.Uint16(b))
	if n == -1 {
		r.done = true
		return 2, nil
	}
	if int(n) != r.Fields {
		return 0, fmt.Errorf("copy: tuple has %d fields, want %d", n, r.Fields)
	}
	off := 2
	for i := range r.fields {
		if len(b) < off+4 {
			return 0, nil
		}
		size := int(int32(binary.BigEndian.Uint32(b[off:])))
		off += 4
		if size < 0 {
			r.fields[i] = nil
			continue
		}
		if len(b) < off+size {
			return 0, nil
		}
		r.fields[i] = b[off : off+size : off+size]
		off += size
	}
	if err := r.OnTuple(r.fields); err != nil {
		return 0, err
	}
	return off, nil
}
