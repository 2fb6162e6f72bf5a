package export

import (
	"bufio"
	"io"
	"strings"

	"sqi/metrics"
)

// CSVOptions are the choices of a CSV download.
type CSVOptions struct {
	// Exact writes text as it is. By default a text cell that a
	// spreadsheet would take for a formula (it begins with =, +, -, @, a
	// tab or a carriage return) is written with a ' before it (OWASP's
	// advice against CSV injection); numbers are never changed.
	Exact bool
	// BOM starts the file with the UTF-8 byte-order mark, which Excel
	// needs to read UTF-8 (Korean text) rather than the system's code page.
	BOM bool
	// Lang (ko or en) adds a record of the columns' labels in that
	// language above the record of their names.
	Lang string
}

// CSVWriter writes a table as RFC 4180 CSV (CRLF between records, UTF-8)
// with a header of the column names. It quotes by hand rather than with
// encoding/csv, whose CRLF mode drops a lone carriage return inside a
// field: a cell must come back exactly as it was written.
type CSVWriter struct {
	t    Table
	opts CSVOptions
	w    *bufio.Writer
	b    []byte
}

// EscapeFormula returns s with a ' before it when a spreadsheet would read
// it as a formula.
func EscapeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// NewCSVWriter writes the header of t to w.
func NewCSVWriter(w io.Writer, t Table, opts CSVOptions) (*CSVWriter, error) {
	cw := &CSVWriter{t: t, opts: opts, w: bufio.NewWriterSize(w, 64<<10)}
	if opts.BOM {
		cw.b = append(cw.b, "\uFEFF"...)
	}
	if opts.Lang != "" {
		for i := range t.Columns {
			if i > 0 {
				cw.b = append(cw.b, ',')
			}
			cw.b = appendCSVField(cw.b, cw.text(t.Columns[i].Label(opts.Lang)))
		}
		cw.b = append(cw.b, '\r', '\n')
	}
	for i, c := range t.Columns {
		if i > 0 {
			cw.b = append(cw.b, ',')
		}
		cw.b = appendCSVField(cw.b, cw.text(c.Name))
	}
	cw.b = append(cw.b, '\r', '\n')
	return cw, cw.flush(false)
}

// WriteRow writes one record.
func (w *CSVWriter) WriteRow(cells []metrics.Cell) error {
	for i := range w.t.Columns {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		s := w.t.FormatCell(i, cells[i])
		if w.t.Columns[i].Kind == metrics.FieldText {
			s = w.text(s)
		}
		w.b = appendCSVField(w.b, s)
	}
	w.b = append(w.b, '\r', '\n')
	return w.flush(false)
}

// text is a text cell as written: escaped unless Exact.
func (w *CSVWriter) text(s string) string {
	if w.opts.Exact {
		return s
	}
	return EscapeFormula(s)
}

// Close flushes the records.
func (w *CSVWriter) Close() error { return w.flush(true) }

func (w *CSVWriter) flush(all bool) error {
	if len(w.b) < 32<<10 && !all {
		return nil
	}
	if _, err := w.w.Write(w.b); err != nil {
		return err
	}
	w.b = w.b[:0]
	if all {
		return w.w.Flush()
	}
	return nil
}

// appendCSVField appends s as one RFC 4180 field: quoted, with quotes
// doubled, when it holds a comma, a quote, a line break or leading space.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
