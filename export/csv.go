package export

import (
	"encoding/csv"
	"io"

	"sqi/metrics"
)

// CSVWriter writes a table as RFC 4180 CSV (CRLF, UTF-8) with a header of
// the column names.
type CSVWriter struct {
	t   Table
	cw  *csv.Writer
	rec []string
}

// NewCSVWriter writes the header of t to w.
func NewCSVWriter(w io.Writer, t Table) (*CSVWriter, error) {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = c.Name
	}
	if err := cw.Write(h); err != nil {
		return nil, err
	}
	return &CSVWriter{t: t, cw: cw, rec: make([]string, len(t.Columns))}, nil
}

// WriteRow writes one record.
func (w *CSVWriter) WriteRow(cells []metrics.Cell) error {
	for i := range w.rec {
		w.rec[i] = w.t.FormatCell(i, cells[i])
	}
	return w.cw.Write(w.rec)
}

// Close flushes the records.
func (w *CSVWriter) Close() error {
	w.cw.Flush()
	return w.cw.Error()
}
