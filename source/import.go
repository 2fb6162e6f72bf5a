package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// File formats that Import reads.
const (
	NDJSON = "ndjson" // one JSON object a line, keys = docs/metrics.md column names
	CSV    = "csv"    // a header row of docs/metrics.md column names, any order
)

// MaxLineErrors is how many bad lines an ImportResult lists; the rest are
// only counted, so that memory does not grow with the file.
const MaxLineErrors = 1000

// ImportResult is what Import did. Lines = Inserted + Duplicates + BadLines.
type ImportResult struct {
	Format     string      // NDJSON or CSV
	Lines      int64       // records read: blank lines and the CSV header excluded
	Inserted   int64       // rows written to chat_events
	Duplicates int64       // event_ids already in chat_events or earlier in the file
	BadLines   int64       // records that could not be parsed, not written
	Bad        []LineError // the first MaxLineErrors of them, in file order
}

// LineError is a record of the file that could not be parsed.
type LineError struct {
	Line   int // 1-based line of the file where the record starts
	Reason string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Import loads the events of r into chat_events and reports what it did.
// The format is NDJSON or CSV, by the extension of name (.ndjson, .jsonl,
// .json or .csv), else by the first non-blank byte ('{' is NDJSON).
//
// The file is streamed through COPY into a staging table and inserted in
// one transaction, so memory does not grow with its size and a database
// error leaves nothing behind. An event_id already in chat_events, or seen
// earlier in the file, is skipped and counted as a duplicate. A record that
// cannot be stored (bad JSON, a missing required column, a non-integer
// event_id or score, a timestamp without a zone, ...) is skipped and listed
// with its line and reason; the others are still loaded. Events that are
// merely wrong (unknown type or actor, score 7, a room closed before it was
// queued) are loaded: the ETL counts them in its rejects. A created_at
// column is ignored: rows are written now (see the package comment).
//
// An error is returned only when the file cannot be read as a whole (an
// unreadable CSV header, an I/O error) or the database fails; then nothing
// is written.
func Import(ctx context.Context, pool *pgxpool.Pool, r io.Reader, name string) (ImportResult, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	format, err := detect(br, name)
	if err != nil {
		return ImportResult{}, fmt.Errorf("read %s: %w", name, err)
	}
	res := ImportResult{Format: format}
	var p parser
	switch format {
	case NDJSON:
		p = newJSONParser(br)
	default:
		if p, err = newCSVParser(br); err != nil {
			return res, fmt.Errorf("read %s: %w", name, err)
		}
	}

	copied, inserted, err := insertNew(ctx, pool, goodRows(p, &res))
	if err != nil {
		return ImportResult{Format: format}, fmt.Errorf("import %s: %w", name, err)
	}
	res.Inserted = inserted
	res.Duplicates = copied - inserted
	return res, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// detect drops a UTF-8 byte order mark (spreadsheets write one) and names
// the format of the rest.
func detect(br *bufio.Reader, name string) (string, error) {
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return "", err
		}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl", ".json":
		return NDJSON, nil
	case ".csv":
		return CSV, nil
	}
	b, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	if i := bytes.IndexFunc(b, func(r rune) bool { return !strings.ContainsRune(" \t\r\n", r) }); i >= 0 && b[i] != '{' {
		return CSV, nil
	}
	return NDJSON, nil
}

// A parser reads the records of one format.
type parser interface {
	// next parses the next record into r, which is zero (all NULL), and
	// returns its line. It returns io.EOF at the end, a LineError for a
	// record to skip, or another error that ends the import.
	next(r *row) (line int, err error)
}

// goodRows reads the good records of p as staging rows (ord = line),
// counting all records in res and listing the bad ones.
func goodRows(p parser, res *ImportResult) func() (row, error) {
	return func() (row, error) {
		for {
			var r row
			line, err := p.next(&r)
			if errors.Is(err, io.EOF) {
				return row{}, io.EOF
			}
			var le LineError
			switch {
			case errors.As(err, &le):
				res.Lines++
				res.BadLines++
				if len(res.Bad) < MaxLineErrors {
					res.Bad = append(res.Bad, le)
				}
				continue
			case err != nil:
				return row{}, err
			}
			res.Lines++
			r.ord = int64(line)
			return r, nil
		}
	}
}
