package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sqi/metrics"
)

// Positions in columns of the columns that are not plain text.
const (
	colEventID    = 0
	colOccurredAt = 4
	colScore      = 10
)

// required are the columns that a record must have (docs/metrics.md NOT NULL).
var required = [...]int{0, 1, 2, 3, 4}

// MaxFieldBytes bounds a text value of an imported event: ids, types,
// channels and categories are short; a longer value is a broken export.
const MaxFieldBytes = 1024

// setField stores the value s of column col in r; null is SQL NULL. It
// returns the reason when s is not a value of the column.
func setField(r *row, col int, s string, null bool) error {
	if null || s == "" {
		return nil // r starts as all NULL
	}
	if len(s) > MaxFieldBytes {
		return fmt.Errorf("%s is %d bytes long, more than %d: shorten it", columns[col], len(s), MaxFieldBytes)
	}
	if reason := badBytes([]byte(s)); reason != "" {
		return fmt.Errorf("%s: %s", columns[col], strings.Replace(reason, "of the record", "of the value", 1))
	}
	switch col {
	case colEventID:
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("event_id %q is not an integer", s)
		}
		r.eventID, r.hasID = id, true
	case colScore:
		// Any integer that fits the column is stored, 7 and 0 included:
		// the ETL rejects scores outside 1..5 and must see them to count
		// them.
		n, err := strconv.ParseInt(s, 10, 16)
		if err != nil {
			return fmt.Errorf("score %q is not a small integer", s)
		}
		r.score, r.hasScore = int16(n), true
	case colOccurredAt:
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		r.occurredAt = t
	default:
		*r.text(col) = s
	}
	return nil
}

// checkRequired reports the first required column that is NULL, then an
// id that the API could not address (metrics.ValidTenantID, ValidRoomID):
// such an event would be processed but unreachable.
func checkRequired(r *row) error {
	if err := checkPresent(r); err != nil {
		return err
	}
	if !metrics.ValidTenantID(r.tenantID) {
		return fmt.Errorf("tenant_id %s cannot name a tenant of the API: %s", quoteValue(r.tenantID), metrics.TenantIDRule)
	}
	if !metrics.ValidRoomID(r.roomID) {
		return fmt.Errorf("room_id %s cannot name a room of the API: %s", quoteValue(r.roomID), metrics.RoomIDRule)
	}
	return nil
}

// quoteValue quotes a value for a message, cut to 80 bytes.
func quoteValue(s string) string {
	if len(s) > 80 {
		return strconv.Quote(strings.ToValidUTF8(s[:80], "")) + "..."
	}
	return strconv.Quote(s)
}

func checkPresent(r *row) error {
	for _, c := range required {
		missing := false
		switch c {
		case colEventID:
			missing = !r.hasID
		case colOccurredAt:
			missing = r.occurredAt.IsZero()
		default:
			missing = *r.text(c) == ""
		}
		if missing {
			return fmt.Errorf("%s is missing", columns[c])
		}
	}
	return nil
}

// Timestamp layouts accepted besides RFC 3339: PostgreSQL's text output
// ("2025-03-01 09:00:00.123+09", what psql's \copy writes) and its
// variants.
var zonedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07",
}

var zonelessLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// parseTime reads an occurred_at. A time without a zone is refused rather
// than guessed: the feed's instants are absolute, and the tenant's zone is
// applied later, by the ETL.
func parseTime(s string) (time.Time, error) {
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range zonelessLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return time.Time{}, fmt.Errorf("occurred_at %q has no time zone: add an offset such as +09:00 or Z (RFC 3339)", s)
		}
	}
	return time.Time{}, fmt.Errorf("occurred_at %q is not an RFC 3339 timestamp such as 2025-03-01T09:30:00.123+09:00", s)
}

// maxLine bounds an NDJSON line, so that a file without newlines cannot
// exhaust memory.
const maxLine = MaxRecordBytes

// jsonParser reads NDJSON. Keys other than the columns (created_at
// included) are ignored: exports often carry more than the feed needs.
type jsonParser struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newJSONParser(r *bufio.Reader) *jsonParser { return &jsonParser{r: r} }

// jsonEvent holds the raw values, so that an id may be a number or a
// string and a wrong type is reported per column.
type jsonEvent struct {
	EventID    json.RawMessage `json:"event_id"`
	TenantID   json.RawMessage `json:"tenant_id"`
	RoomID     json.RawMessage `json:"room_id"`
	Type       json.RawMessage `json:"type"`
	OccurredAt json.RawMessage `json:"occurred_at"`
	Actor      json.RawMessage `json:"actor"`
	AgentID    json.RawMessage `json:"agent_id"`
	TeamID     json.RawMessage `json:"team_id"`
	Channel    json.RawMessage `json:"channel"`
	Category   json.RawMessage `json:"category"`
	Score      json.RawMessage `json:"score"`
}

func (p *jsonParser) next(r *row) (int, error) {
	for {
		line, tooLong, err := p.readLine()
		if err != nil && (len(line) == 0 || !errors.Is(err, io.EOF)) {
			return p.line, err
		}
		if tooLong {
			return p.line, LineError{p.line, fmt.Sprintf("the line is longer than %d bytes: split it or shorten its fields", maxLine)}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if reason := badBytes(line); reason != "" {
			// encoding/json would turn invalid UTF-8 into U+FFFD silently.
			return p.line, LineError{p.line, strings.Replace(reason, "of the record", "of the line", 1)}
		}
		if err := p.parse(line, r); err != nil {
			return p.line, LineError{p.line, err.Error()}
		}
		return p.line, nil
	}
}

func (p *jsonParser) parse(line []byte, r *row) error {
	if line[0] != '{' {
		return errors.New("not a JSON object")
	}
	var ev jsonEvent
	if err := json.Unmarshal(line, &ev); err != nil {
		return fmt.Errorf("bad JSON: %v", err)
	}
	raws := [...]json.RawMessage{ev.EventID, ev.TenantID, ev.RoomID, ev.Type, ev.OccurredAt,
		ev.Actor, ev.AgentID, ev.TeamID, ev.Channel, ev.Category, ev.Score}
	for c, raw := range raws {
		s, null, err := jsonScalar(raw)
		if err != nil {
			return fmt.Errorf("%s: %v", columns[c], err)
		}
		if err := setField(r, c, s, null); err != nil {
			return err
		}
	}
	return checkRequired(r)
}

// jsonScalar is the text of a JSON string or number; null for null or an
// absent key.
func jsonScalar(raw json.RawMessage) (s string, null bool, err error) {
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", true, nil
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		// A lone surrogate escape (\ud800) decodes to U+FFFD silently.
		if strings.ContainsRune(s, utf8.RuneError) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) &&
			!bytes.Contains(raw, []byte(string(utf8.RuneError))) {
			return "", false, errors.New("a \\u escape is not a character (a lone UTF-16 surrogate)")
		}
		return s, false, nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return string(raw), false, nil
	}
	return "", false, fmt.Errorf("want a string or a number, got %s", raw)
}

// readLine returns the next line without its newline, counting lines. A
// line longer than maxLine is skipped to its end and reported as tooLong.
func (p *jsonParser) readLine() (line []byte, tooLong bool, err error) {
	p.line++
	p.buf = p.buf[:0]
	for {
		chunk, err := p.r.ReadSlice('\n')
		if len(p.buf)+len(chunk) <= maxLine {
			p.buf = append(p.buf, chunk...)
		} else {
			tooLong = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(p.buf, []byte("\n")), tooLong, err
	}
}

// csvParser reads CSV with a header row of column names, through a
// csvGuard: a record too long, with a NUL byte or invalid UTF-8 is
// reported in its place and skipped.
type csvParser struct {
	r     *csv.Reader
	guard *csvGuard
	index []int // column of each field; -1: ignored

	held     []string // the record read ahead, while the guard's earlier drops are reported
	heldLine int
	heldErr  error
	has, eof bool
}

func newCSVParser(br *bufio.Reader) (*csvParser, error) {
	g := newCSVGuard(br)
	cr := csv.NewReader(g)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if le, dropped := g.pop(2); dropped {
		return nil, fmt.Errorf("csv header (line %d): %s", le.Line, le.Reason)
	}
	if errors.Is(err, io.EOF) {
		return nil, errors.New("csv: no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	p := &csvParser{r: cr, guard: g, index: make([]int, len(header))}
	seen := map[int]bool{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		c := columnIndex(name)
		switch {
		case name == "created_at":
			c = -1 // written now: see the package comment
		case c < 0:
			return nil, fmt.Errorf("csv header: unknown column %q (columns are %s)", name, strings.Join(columns, ", "))
		case seen[c]:
			return nil, fmt.Errorf("csv header: column %q twice", name)
		}
		seen[c] = true
		p.index[i] = c
	}
	for _, c := range required {
		if !seen[c] {
			return nil, fmt.Errorf("csv header: required column %q missing", columns[c])
		}
	}
	return p, nil
}

func columnIndex(name string) int {
	for i, c := range columns {
		if c == name {
			return i
		}
	}
	return -1
}

func (p *csvParser) next(r *row) (int, error) {
	if !p.has && !p.eof {
		p.held, p.heldErr = p.r.Read()
		p.eof = errors.Is(p.heldErr, io.EOF)
		p.has = !p.eof
		if p.has {
			p.heldLine, _ = p.r.FieldPos(0)
			var pe *csv.ParseError
			if errors.As(p.heldErr, &pe) {
				p.heldLine = pe.StartLine
			}
		}
	}
	// The records the guard dropped before the one read come first.
	limit := p.heldLine
	if p.eof {
		limit = 0
	}
	if le, ok := p.guard.pop(limit); ok {
		return le.Line, le
	}
	if p.eof {
		return 0, io.EOF
	}
	p.has = false
	return p.parseRecord(r, p.held, p.heldLine, p.heldErr)
}

func (p *csvParser) parseRecord(r *row, rec []string, line int, err error) (int, error) {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, csv.ErrFieldCount):
		return line, LineError{line, fmt.Sprintf("%d fields, the header has %d", len(rec), len(p.index))}
	case errors.As(err, &pe):
		return pe.StartLine, LineError{pe.StartLine, fmt.Sprintf("bad CSV: %v (column %d)", pe.Err, pe.Column)}
	case err != nil:
		return line, err
	}
	for i, s := range rec {
		if c := p.index[i]; c >= 0 {
			if err := setField(r, c, strings.TrimSpace(s), false); err != nil {
				return line, LineError{line, err.Error()}
			}
		}
	}
	if err := checkRequired(r); err != nil {
		return line, LineError{line, err.Error()}
	}
	return line, nil
}
