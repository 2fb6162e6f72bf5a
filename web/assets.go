package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"sqi/internal/fonts"
)

// The stylesheet, the script, the icon and the Korean fonts
// (internal/fonts) are embedded in the binary and served under names that
// carry a hash of their content (/assets/app.3f9c1a2b.css): a browser
// keeps them a year without asking again, and a new build's pages name new
// files. The stylesheet names the fonts as @hangul-regular@ and
// @hangul-bold@, replaced by their hashed names before the stylesheet's own
// hash is taken.

//go:embed static
var staticFS embed.FS

type asset struct {
	body        []byte
	contentType string
}

type assetURLs struct {
	CSS, JS, Icon string
}

var assets = func() struct {
	byName map[string]asset
	urls   assetURLs
} {
	out := struct {
		byName map[string]asset
		urls   assetURLs
	}{byName: map[string]asset{}}
	add := func(name string, b []byte, contentType string) string {
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		out.byName[h] = asset{body: b, contentType: contentType}
		return "/assets/" + h
	}
	static := func(name string) []byte {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			panic(err) // embedded: always there
		}
		return b
	}
	css := strings.NewReplacer(
		"@hangul-regular@", add("hangul-regular.otf", fonts.Regular, "font/otf"),
		"@hangul-bold@", add("hangul-bold.otf", fonts.Bold, "font/otf"),
	).Replace(string(static("app.css")))
	out.urls = assetURLs{
		CSS:  add("app.css", []byte(css), mime.TypeByExtension(".css")),
		JS:   add("app.js", static("app.js"), mime.TypeByExtension(".js")),
		Icon: add("icon.svg", static("icon.svg"), mime.TypeByExtension(".svg")),
	}
	return out
}()

// asset serves an embedded file by its hashed name, cached for a year.
func (a *App) asset(c *gin.Context) {
	f, ok := assets.byName[c.Param("file")]
	if !ok {
		c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("no such asset: the page that named it is older than this server; reload it\n"))
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, f.contentType, f.body)
}

// favicon answers the browsers that ask for /favicon.ico with the icon.
func (a *App) favicon(c *gin.Context) {
	f := assets.byName[strings.TrimPrefix(assets.urls.Icon, "/assets/")]
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, f.contentType, f.body)
}
