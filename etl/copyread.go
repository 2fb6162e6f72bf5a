package etl

import (
	"errors"

	"sqi/internal/pgcopy"
)

// copyReader parses the binary COPY stream of the event columns (see
// eventColumns) as pgconn hands it over (pgcopy.Reader), and appends each
// row to the Arrow batch builder; when the builder holds a full batch it
// calls onBatch. Parsing the wire format directly, instead of scanning rows
// through database/sql-like machinery, keeps extraction close to the cost
// of reading the bytes (etl/bench_test.go).
type copyReader struct {
	pgcopy.Reader
	bb      *batchBuilder
	size    int
	onBatch func() error
	rows    int64
}

func newCopyReader(bb *batchBuilder, size int, onBatch func() error) *copyReader {
	c := &copyReader{bb: bb, size: size, onBatch: onBatch}
	c.Fields = numEventColumns
	c.OnTuple = c.tuple
	return c
}

func (c *copyReader) tuple(f [][]byte) error {
	if f[colEventID] == nil || f[colTenant] == nil || f[colRoom] == nil || f[colType] == nil || f[colOccurred] == nil ||
		len(f[colEventID]) != 8 || len(f[colOccurred]) != 8 || (f[colScore] != nil && len(f[colScore]) != 2) {
		return errors.New("copy: unexpected column layout of chat_events (docs/metrics.md, the event feed)")
	}
	c.bb.append(f)
	c.rows++
	if c.bb.n >= c.size {
		return c.onBatch()
	}
	return nil
}
