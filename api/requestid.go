package api

import (
	"log/slog"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"gongji/app"
)

const (
	requestIDHeader = "X-Request-ID"
	requestIDKey    = "request_id"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an id (the caller's X-Request-ID when it
// is sane, else a new one), echoes it, and logs the request when it ends.
func withRequestID(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !requestIDPattern.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Header(requestIDHeader, id)
		l := base.With("request_id", id)
		c.Request = c.Request.WithContext(app.WithLogger(c.Request.Context(), l))
		start := time.Now()
		c.Next()
		l.Info("request", "method", c.Request.Method, "route", c.FullPath(), "status", c.Writer.Status(),
			"duration_ms", time.Since(start).Milliseconds())
	}
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }
