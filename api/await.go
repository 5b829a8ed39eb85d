package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

// awaitFinal re-reads a resource every 50 ms until load says it is final
// or wait has passed, and returns it as it then stands.
func awaitFinal[T any](c *gin.Context, wait time.Duration, load func() (T, bool, error)) (T, bool, error) {
	deadline := time.Now().Add(wait)
	for {
		v, final, err := load()
		if err != nil || final || time.Now().After(deadline) {
			return v, final, err
		}
		select {
		case <-c.Request.Context().Done():
			return v, false, domain.Errorf(domain.CodeUnavailable, "the request was cancelled")
		case <-time.After(50 * time.Millisecond):
		}
	}
}
