package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiJSON is the OpenAPI 3.1 document of the API, written by hand;
// TestOpenAPI checks it against the routes and validates responses.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the OpenAPI 3.1 document served at /openapi.json.
func OpenAPI() []byte { return openapiJSON }

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, contentTypeJSON, openapiJSON)
}
