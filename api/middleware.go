package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/rs/cors"
	"github.com/swaggest/swgui/v5emb"
)

// precompressed are the content types not worth compressing again: xlsx
// is a zip, Parquet pages are Snappy-compressed.
var precompressed = []string{contentTypeXLSX, contentTypeParquet}

// wrap puts the routes behind compression (gzhttp: gzip when the request's
// Accept-Encoding allows it, never for HEAD, for a range of a file, for a
// body under 1 KiB or for the precompressed formats; the ETag of a
// compressed file gets -gzip) and, when CORSOrigins is set, CORS (rs/cors:
// preflights answered, the headers a reader of files needs exposed).
func (s *Server) wrap(h http.Handler) (http.Handler, error) {
	gz, err := gzhttp.NewWrapper(
		gzhttp.EnableZstd(false),
		gzhttp.SuffixETag("-gzip"),
		gzhttp.ContentTypeFilter(func(ct string) bool {
			for _, p := range precompressed {
				if strings.HasPrefix(ct, p) {
					return false
				}
			}
			return gzhttp.DefaultContentTypeFilter(ct)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("api: gzip: %w", err)
	}
	out := http.Handler(gz(h))
	if len(s.cfg.CORSOrigins) > 0 {
		if err := CheckOrigins(s.cfg.CORSOrigins); err != nil {
			return nil, err
		}
		out = cors.New(cors.Options{
			AllowedOrigins: s.cfg.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut},
			AllowedHeaders: []string{"Authorization", "Content-Type", "Range", "If-Range", "If-None-Match", "X-Request-ID"},
			ExposedHeaders: []string{"Content-Length", "Content-Range", "Accept-Ranges", "Content-Disposition", "Content-Encoding",
				"ETag", "Retry-After", "X-Request-ID"},
			MaxAge: 600,
		}).Handler(out)
	}
	return out, nil
}

// CheckOrigins checks CORS_ORIGINS: * (any origin), or origins
// scheme://host[:port] with no path.
func CheckOrigins(origins []string) error {
	for _, o := range origins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("CORS origin %q: give an origin as scheme://host[:port] (https://bi.example.com), or * for any", o)
		}
	}
	return nil
}

// docsUI is Swagger UI (swaggest/swgui's v5emb: its assets are embedded
// in that Go module, so nothing is loaded from the internet), reading
// /openapi.json.
var docsUI = v5emb.New("sqi API", "/openapi.json", "/docs/")

// docs answers GET /docs: an OpenAPI viewer of /openapi.json, and its
// assets under /docs/.
func (s *Server) docs(c *gin.Context) {
	if c.Request.URL.Path == "/docs" {
		c.Request.URL.Path = "/docs/"
	}
	docsUI.ServeHTTP(c.Writer, c.Request)
}
