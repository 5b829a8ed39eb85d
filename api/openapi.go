package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPISpec is the machine-readable API contract served at /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPISpec []byte

func serveOpenAPI(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", OpenAPISpec) }
