package api

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// gzipResponses compresses a response with gzip when the request's
// Accept-Encoding allows it, except for formats that are compressed
// already (xlsx is a zip, Parquet pages are Snappy-compressed). The
// decision is taken at the first write, when the handler has set the
// Content-Type.
func gzipResponses(c *gin.Context) {
	if !acceptsGzip(c.GetHeader("Accept-Encoding")) || c.Request.Method == "HEAD" {
		c.Next()
		return
	}
	w := &gzipWriter{ResponseWriter: c.Writer}
	c.Writer = w
	defer func() {
		w.close()
		c.Writer = w.ResponseWriter
	}()
	c.Next()
}

// acceptsGzip reports whether an Accept-Encoding header value accepts
// gzip: listed (or "*") with a q-value above 0.
func acceptsGzip(header string) bool {
	star, gz := false, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch name {
		case "gzip", "x-gzip":
			gz = max(gz, q)
		case "*":
			star = star || q > 0
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star
}

// precompressed are the content types not worth compressing again.
var precompressed = []string{contentTypeXLSX, contentTypeParquet}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

type gzipWriter struct {
	gin.ResponseWriter
	decided bool
	gz      *gzip.Writer
}

// decide is called before the first byte of the body.
func (w *gzipWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if !slices.ContainsFunc(h.Values("Vary"), func(v string) bool { return strings.Contains(v, "Accept-Encoding") }) {
		h.Add("Vary", "Accept-Encoding")
	}
	status := w.Status()
	ct := h.Get("Content-Type")
	if status < 200 || status == 204 || status == 304 || h.Get("Content-Encoding") != "" {
		return
	}
	for _, p := range precompressed {
		if strings.HasPrefix(ct, p) {
			return
		}
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	w.gz = gzipPool.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	w.decide()
	if w.gz == nil {
		return w.ResponseWriter.Write(b)
	}
	return w.gz.Write(b)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush sends what is compressed so far (streaming exports).
func (w *gzipWriter) Flush() {
	if w.gz != nil {
		_ = w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

// close ends the gzip stream; a response with no body stays uncompressed.
func (w *gzipWriter) close() {
	if w.gz == nil {
		return
	}
	_ = w.gz.Close()
	w.gz.Reset(nil)
	gzipPool.Put(w.gz)
	w.gz = nil
}
