package api

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
)

// Files (csv, arrow, parquet, xlsx, the reports, and any format asked for
// with HEAD) are rendered whole into a temporary file, then served from it
// with http.ServeContent, as an object store serves them: Content-Length,
// HEAD, byte ranges (206, and 416 for a range outside the file), an ETag of
// the content for If-Range and If-None-Match. DuckDB's read_parquet over
// HTTP, a download manager or a browser resuming a download read any part
// of the file, and a failure while rendering is a problem document, never
// half a file. The file is unlinked as soon as it is created, so nothing is
// left behind whatever happens to the process; memory holds what the
// format's writer holds (a page of rooms, a row group), never the file.
// Rendering runs in the request's slot (expensive); sending the file does
// not need one, so the slot is given back before the first byte goes out.

// fileETag is a strong validator of a rendered file: its SHA-256, cut to
// 128 bits.
func fileETag(sum []byte) string { return `"` + hex.EncodeToString(sum[:16]) + `"` }

// serveFile renders a download with write and serves it.
func (s *Server) serveFile(c *gin.Context, contentType string, write func(io.Writer) error) {
	f, err := os.CreateTemp("", "sqi-download-*")
	if err != nil {
		s.problem(c, fmt.Errorf("download file: %w", err))
		return
	}
	defer f.Close()
	_ = os.Remove(f.Name()) // the open file lives on; nothing is left behind
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 256<<10)
	if err := write(bw); err != nil {
		s.problem(c, err)
		return
	}
	if err := bw.Flush(); err != nil {
		s.problem(c, fmt.Errorf("download file: %w", err))
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.problem(c, fmt.Errorf("download file: %w", err))
		return
	}
	releaseSlot(c)
	hd := c.Writer.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("ETag", fileETag(h.Sum(nil)))
	// The data behind a URL changes as events arrive: a cache must ask.
	hd.Set("Cache-Control", "private, no-cache")
	rw := &rangeRefusal{ResponseWriter: c.Writer}
	http.ServeContent(rw, c.Request, "", time.Time{}, f)
	if rw.refused {
		hd.Del("Content-Type") // http.Error's text/plain
		hd.Del("X-Content-Type-Options")
		size, _ := f.Seek(0, io.SeekEnd)
		s.problem(c, &Error{Status: http.StatusRequestedRangeNotSatisfiable, Type: "range-not-satisfiable",
			Detail: fmt.Sprintf("the Range %s is not within the %d bytes of this file: ask for bytes from 0 to %d (HEAD gives the length), or leave Range out for the whole file",
				quote(c.GetHeader("Range")), size, max(size-1, 0))})
	}
}

// rangeRefusal passes a response through, except http.ServeContent's
// plain-text 416, which it keeps back so that serveFile answers with a
// problem document (its Content-Range, "bytes */<size>", stays).
type rangeRefusal struct {
	http.ResponseWriter
	refused bool
}

func (w *rangeRefusal) WriteHeader(code int) {
	if code == http.StatusRequestedRangeNotSatisfiable {
		w.refused = true
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *rangeRefusal) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
