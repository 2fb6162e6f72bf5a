package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// Paging of the room export.
const (
	defaultRoomLimit = 1000
	maxRoomLimit     = 10000
	// exportPage is how many rooms one query of a whole-range export
	// reads: memory holds one page (and one Arrow batch or Parquet row
	// group), however many rooms the range has.
	exportPage = 10000
)

// getRooms answers GET and HEAD /v1/tenants/{t}/rooms: the room facts of
// a range (export.RoomTable), those that match the filters
// (parseRoomFilter). JSON pages through the rooms with limit and an opaque
// cursor; csv, arrow, parquet and xlsx hold the whole range, rendered into
// a file and served from it (serveFile).
func (s *Server) getRooms(c *gin.Context) {
	v, err := queryParams(c, append([]string{"from", "to", "format", "cursor", "limit", "escape", "bom", "lang", "hours"}, roomFilterParams...)...)
	if err != nil {
		s.problem(c, err)
		return
	}
	format, err := parseFormat(v, tableFormats)
	if err != nil {
		s.problem(c, err)
		return
	}
	opts, err := parseFileOptions(v, format)
	if err != nil {
		s.problem(c, err)
		return
	}
	t := tenantOf(c)
	q, err := parseRange(c.Param("tenant"), v, "")
	if err != nil {
		s.problem(c, err)
		return
	}
	filter, err := parseRoomFilter(v)
	if err != nil {
		s.problem(c, err)
		return
	}
	cfg := &t.Config
	if q.Hours != "" {
		c := cfg.WithHours(q.Hours)
		cfg = &c
	}
	start, end := metrics.DayBounds(q.From, q.To, cfg.Location())
	from, to := q.From.Format(metrics.DateLayout), q.To.Format(metrics.DateLayout)
	if format != formatJSON {
		for _, p := range []string{"cursor", "limit"} {
			if _, ok := v[p]; ok {
				s.problem(c, &query.ParamError{Param: p, Detail: p + " pages through format=json only; csv, arrow, parquet and xlsx export the whole range: leave out " + p})
				return
			}
		}
		attachment(c, q.Tenant, "rooms", from, to, format)
		table := export.RoomTable(cfg)
		rows := s.roomStream(c, cfg, q.Tenant, start, end, filter)
		s.serveFile(c, contentTypes[format], func(w io.Writer) error { return writeTable(w, format, "rooms", table, opts, rows) })
		return
	}
	limit, err := parseLimit(v)
	if err != nil {
		s.problem(c, err)
		return
	}
	after, err := decodeCursor(v, start, end)
	if err != nil {
		s.problem(c, err)
		return
	}
	if c.Request.Method == http.MethodHead {
		s.serveFile(c, contentTypeJSON, func(w io.Writer) error { return s.roomsJSON(c, w, cfg, q, start, end, after, limit, filter) })
		return
	}
	c.Header("Content-Type", contentTypeJSON)
	c.Status(http.StatusOK)
	if err := s.roomsJSON(c, c.Writer, cfg, q, start, end, after, limit, filter); err != nil {
		s.problem(c, err)
	}
}

// writeTable writes a table in one of the binary or CSV formats.
func writeTable(w io.Writer, format, sheet string, t export.Table, opts fileOptions, rows rowWriter) error {
	switch format {
	case formatCSV:
		cw, err := export.NewCSVWriter(w, t, opts.csv)
		if err != nil {
			return err
		}
		return rows(cw)
	case formatArrow:
		return rows(export.NewArrowWriter(w, t))
	case formatParquet:
		pw, err := export.NewParquetWriter(w, t)
		if err != nil {
			return err
		}
		return rows(pw)
	case formatXLSX:
		return export.WriteXLSX(w, sheet, t, opts.xlsx, rows)
	}
	return fmt.Errorf("write table: no format %q", format)
}

// errStop ends a walk through the rooms early.
var errStop = errors.New("stop")

// eachRoom calls fn with each room of tenantID opened in [start, end),
// after the cursor, that matches the filter, in (opened_at, room_id) order,
// until fn returns errStop. Rooms are read exportPage at a time (keyset
// pagination): memory holds one page, however many rooms the range has.
func (s *Server) eachRoom(ctx context.Context, tenantID string, start, end time.Time, after store.RoomCursor, f roomFilter, view *metrics.View, fn func(*metrics.Room) error) error {
	for {
		n := 0
		err := s.read.RoomsPageWhere(ctx, tenantID, start, end, after, f.store, exportPage, func(r *metrics.Room) error {
			n++
			after = store.RoomCursor{OpenedAt: r.OpenedAt, RoomID: r.RoomID}
			if !f.match(r, view) {
				return nil
			}
			return fn(r)
		})
		if errors.Is(err, errStop) {
			return nil
		}
		if err != nil {
			return err
		}
		if n < exportPage {
			return nil
		}
	}
}

// roomStream writes every room of [start, end) that matches the filter,
// then closes the writer. A file holds the whole range, so it reads the
// room blocks (store.RoomsFromBlocks), which decode a month of rooms
// several times faster than its room_facts rows and hold one day in
// memory; the blocks are those the /sqi rows are computed from.
func (s *Server) roomStream(c *gin.Context, cfg *metrics.Config, tenantID string, start, end time.Time, f roomFilter) rowWriter {
	return func(tw export.Writer) error {
		view := metrics.NewView(cfg)
		var cells []metrics.Cell
		err := s.read.RoomsFromBlocks(c.Request.Context(), tenantID, start, end, func(r *metrics.Room) error {
			if !f.store.Match(r) || !f.match(r, view) {
				return nil
			}
			cells = export.RoomCells(cells, view, r)
			return tw.WriteRow(cells)
		})
		if err != nil {
			return err
		}
		return tw.Close()
	}
}

// roomsJSON writes one page: {"tenant_id", "from", "to", "timezone",
// "limit", "rooms": [...], "next_cursor"}; next_cursor is null on the last
// page.
func (s *Server) roomsJSON(c *gin.Context, w io.Writer, cfg *metrics.Config, q query.Query, start, end time.Time, after store.RoomCursor, limit int, f roomFilter) error {
	t := export.RoomTable(cfg)
	view := metrics.NewView(cfg)
	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 4096)
	b = append(b, `{"tenant_id":`...)
	b = appendJSONString(b, q.Tenant)
	b = append(b, `,"from":`...)
	b = appendJSONString(b, q.From.Format(metrics.DateLayout))
	b = append(b, `,"to":`...)
	b = appendJSONString(b, q.To.Format(metrics.DateLayout))
	b = append(b, `,"timezone":`...)
	b = appendJSONString(b, cfg.TimeZone)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, `,"rooms":[`...)
	var (
		cells []metrics.Cell
		n     int
		last  store.RoomCursor
		more  bool
	)
	err := s.eachRoom(c.Request.Context(), q.Tenant, start, end, after, f, view, func(r *metrics.Room) error {
		if n == limit {
			more = true
			return errStop
		}
		if n > 0 {
			b = append(b, ',')
		}
		cells = export.RoomCells(cells, view, r)
		b = t.AppendJSON(b, cells)
		last = store.RoomCursor{OpenedAt: r.OpenedAt, RoomID: r.RoomID}
		n++
		if len(b) > 32<<10 {
			if _, err := bw.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
		return nil
	})
	if err != nil {
		return err
	}
	b = append(b, `],"next_cursor":`...)
	if more {
		b = appendJSONString(b, encodeCursor(last, cursorQuery(c.Request.URL.Query())))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, "}\n"...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

func appendJSONString(b []byte, s string) []byte {
	enc, _ := json.Marshal(s)
	return append(b, enc...)
}

func parseLimit(v url.Values) (int, error) {
	if _, ok := v["limit"]; !ok {
		return defaultRoomLimit, nil
	}
	n, err := strconv.Atoi(v.Get("limit"))
	if err != nil || n < 1 || n > maxRoomLimit {
		return 0, &query.ParamError{Param: "limit", Detail: fmt.Sprintf("limit %s: give a number of rooms from 1 to %d (default %d)", quote(v.Get("limit")), maxRoomLimit, defaultRoomLimit)}
	}
	return n, nil
}

// A cursor is the position after the last room of a page, (opened_at,
// room_id), and the query it belongs to, as base64url("2|<unix
// microseconds>|<query fingerprint>|<room_id>"). Callers treat it as
// opaque. The fingerprint ties it to the from, to, hours and filters that
// produced it: the same position under another query would skip rooms
// silently, so that is refused.
const cursorVersion = "2"

// cursorQuery is the fingerprint of the parameters a cursor belongs to.
func cursorQuery(v url.Values) string {
	h := sha256.New()
	for _, p := range append([]string{"from", "to", "hours"}, roomFilterParams...) {
		if vals, ok := v[p]; ok { // agent_id= (rooms without an agent) is not agent_id left out
			fmt.Fprintf(h, "%s=%q&", p, vals[0])
		} else {
			fmt.Fprintf(h, "%s!&", p)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func encodeCursor(c store.RoomCursor, fingerprint string) string {
	raw := cursorVersion + "|" + strconv.FormatInt(c.OpenedAt.UnixMicro(), 10) + "|" + fingerprint + "|" + c.RoomID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeCursor reads the cursor parameter; it must come from a page of
// the same query.
func decodeCursor(v url.Values, start, end time.Time) (store.RoomCursor, error) {
	if _, ok := v["cursor"]; !ok {
		return store.RoomCursor{}, nil
	}
	bad := &query.ParamError{Param: "cursor", Detail: "cursor is not a next_cursor of this query: leave it out for the first page and pass the next_cursor of the page before, with the same from, to, hours and filters"}
	raw, err := base64.RawURLEncoding.DecodeString(v.Get("cursor"))
	if err != nil {
		return store.RoomCursor{}, bad
	}
	parts := strings.SplitN(string(raw), "|", 4)
	if len(parts) != 4 || parts[0] != cursorVersion || parts[2] != cursorQuery(v) {
		return store.RoomCursor{}, bad
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return store.RoomCursor{}, bad
	}
	at := time.UnixMicro(us)
	room := parts[3]
	if at.Before(start) || !at.Before(end) || !utf8.ValidString(room) || strings.ContainsRune(room, 0) {
		return store.RoomCursor{}, bad
	}
	return store.RoomCursor{OpenedAt: at, RoomID: room}, nil
}
