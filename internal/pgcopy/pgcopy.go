// Package pgcopy is PostgreSQL's binary COPY format, both ways: an encoder
// for the rows that `sqi import` and `sqi generate` copy in and that the
// store writes room facts with (Source), and a streaming decoder for the
// rows that the ETL copies out (Reader). Doing it by hand
// instead of through pgx's type map keeps a million-row copy close to the
// cost of moving its bytes. It knows the wire format only, not any table:
// it must not import any package of the service.
package pgcopy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
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

// AppendInt32 appends an integer.
func AppendInt32(b []byte, v int32) []byte {
	b = binary.BigEndian.AppendUint32(b, 4)
	return binary.BigEndian.AppendUint32(b, uint32(v))
}

// AppendFloat64 appends a double precision.
func AppendFloat64(b []byte, v float64) []byte {
	b = binary.BigEndian.AppendUint32(b, 8)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

// AppendBool appends a boolean.
func AppendBool(b []byte, v bool) []byte {
	b = binary.BigEndian.AppendUint32(b, 1)
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// The element types of the arrays the service writes (pg_type.oid).
const (
	OIDText        = 25
	OIDTimestamptz = 1184
)

// AppendArray starts a one-dimensional array field of n elements of the
// type oid (the column's element type: PostgreSQL refuses another). The
// caller appends the n elements as fields (AppendTime, AppendText,
// AppendNull...), then calls EndArray with the returned mark. An empty
// array is written as PostgreSQL writes '{}': no dimensions.
func AppendArray(b []byte, oid uint32, n int) (_ []byte, mark int) {
	mark = len(b)
	b = binary.BigEndian.AppendUint32(b, 0) // the field's length, set by EndArray
	if n == 0 {
		b = binary.BigEndian.AppendUint32(b, 0) // no dimensions
		b = binary.BigEndian.AppendUint32(b, 0) // no nulls
		return binary.BigEndian.AppendUint32(b, oid), mark
	}
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 0) // the has-nulls flag, set by EndArray
	b = binary.BigEndian.AppendUint32(b, oid)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return binary.BigEndian.AppendUint32(b, 1), mark // lower bound
}

// EndArray ends the array field started at mark, whose elements include a
// NULL when hasNull.
func EndArray(b []byte, mark int, hasNull bool) []byte {
	binary.BigEndian.PutUint32(b[mark:], uint32(len(b)-mark-4))
	if hasNull {
		binary.BigEndian.PutUint32(b[mark+8:], 1)
	}
	return b
}

// AppendText appends a text, or NULL for "".
func AppendText(b []byte, s string) []byte {
	if s == "" {
		return AppendNull(b)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// AppendTime appends a timestamptz (microseconds). Near the ends of
// PostgreSQL's range the Unix microseconds overflow int64; the arithmetic
// wraps back, so the result is right wherever PostgreSQL's value fits.
func AppendTime(b []byte, t time.Time) []byte { return AppendInt64(b, t.UnixMicro()-epochMicros) }

// Source is an io.Reader of a binary COPY stream for pgconn's CopyFrom:
// header, the tuples that Next appends, trailer. Next appends the next
// tuple (AppendTuple and its fields) to b and returns it, or returns
// io.EOF after the last; its other errors end the stream (pgconn answers
// with CopyFail, so nothing is written) and are kept in Err. Rows are
// encoded as COPY reads them, so memory holds a chunk, not the table.
type Source struct {
	Next func(b []byte) ([]byte, error)
	Err  error

	buf          []byte
	off          int
	header, done bool
}

// Read implements io.Reader.
func (s *Source) Read(p []byte) (int, error) {
	for s.off >= len(s.buf) {
		if s.done {
			return 0, io.EOF
		}
		if err := s.fill(len(p)); err != nil {
			s.Err = err
			return 0, err
		}
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

// fill encodes tuples until buf holds about size bytes, or the trailer.
func (s *Source) fill(size int) error {
	s.buf, s.off = s.buf[:0], 0
	if !s.header {
		s.buf = append(s.buf, Header...)
		s.header = true
	}
	for len(s.buf) < size {
		b, err := s.Next(s.buf)
		if errors.Is(err, io.EOF) {
			s.buf = AppendTrailer(s.buf)
			s.done = true
			return nil
		}
		if err != nil {
			return err
		}
		s.buf = b
	}
	return nil
}

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
	if r.header && len(r.buf) == 0 {
		// pgconn hands over one CopyData message at a time, which
		// PostgreSQL sends a tuple each: decode it where it lies.
		off, err := r.tuples(p)
		if err != nil {
			return 0, err
		}
		r.buf = append(r.buf, p[off:]...)
		return len(p), nil
	}
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
	n, err := r.tuples(r.buf[off:])
	if err != nil {
		return 0, err
	}
	r.buf = append(r.buf[:0], r.buf[off+n:]...)
	return len(p), nil
}

// tuples decodes the whole tuples at the start of b and returns their
// length.
func (r *Reader) tuples(b []byte) (int, error) {
	off := 0
	for {
		n, err := r.tuple(b[off:])
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return off, nil
		}
		off += n
	}
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
