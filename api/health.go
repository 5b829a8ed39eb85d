package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"gongji/app"
)

// Temporal is the part of the Temporal client the API uses: health for
// /readyz, and what its use cases need (starting, signalling and
// updating workflows).
type Temporal interface {
	app.Temporal
	CheckHealth(ctx context.Context, req *client.CheckHealthRequest) (*client.CheckHealthResponse, error)
}

func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 when PostgreSQL and Temporal both answer within two
// seconds, else 503 naming which one is down.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{"postgres": "ok", "temporal": "ok"}
	ready := true
	if err := s.store.Ping(ctx); err != nil {
		checks["postgres"], ready = "unreachable", false
	}
	if s.temporal == nil {
		checks["temporal"], ready = "not configured", false
	} else if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], ready = "unreachable", false
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, gin.H{"ready": ready, "checks": checks})
}
