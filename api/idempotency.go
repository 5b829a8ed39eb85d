package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

const idempotencyHeader = "Idempotency-Key"

// maxIdempotentBody bounds the bodies hashed for Idempotency-Key; the
// largest request is a 10 MiB document upload plus its form framing.
const maxIdempotentBody = 11 << 20

var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// replayedHeaders are the response headers stored with an idempotent
// answer and sent again with its replay: they belong to the answer (where
// the accepted resource is, what the body is), unlike per-request ones
// such as X-Request-Id.
var replayedHeaders = []string{"Location", "Content-Type", "Content-Language"}

// idempotent honours Idempotency-Key on POST: the first request with a key
// runs and its response is stored; the same key and body again get that
// response; the same key with another body is 409 IDEMPOTENCY_KEY_REUSED,
// and while the first is in flight 409 IDEMPOTENCY_IN_PROGRESS (a claim in
// flight for longer than db.IdempotencyClaimStaleAfter is taken over; the
// claim's token then lets only the taker store its answer). A replay has
// the first answer's status, body and replayedHeaders, and
// Idempotent-Replayed: true. A response of 500 or more is not stored, so
// the request can be retried.
func idempotent(store *db.Store) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader(idempotencyHeader)
		if c.Request.Method != http.MethodPost || key == "" {
			c.Next()
			return
		}
		if !idempotencyKeyPattern.MatchString(key) {
			abortWithError(c, domain.Errorf(domain.CodeInvalidRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxIdempotentBody))
		if err != nil {
			abortWithError(c, domain.Errorf(domain.CodeBodyTooLarge, "the body is too large"))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		k := db.IdempotencyKey{Caller: principal(c).String(), Method: c.Request.Method, Path: c.Request.URL.Path, Key: key}
		hash := requestHash(c.GetHeader("Content-Type"), body)

		ctx := c.Request.Context()
		token, existing, err := store.ClaimIdempotencyKey(ctx, k, hash)
		if err != nil {
			abortWithError(c, err)
			return
		}
		if token == "" {
			replay(c, existing, hash)
			return
		}

		w := &capturingWriter{ResponseWriter: c.Writer}
		c.Writer = w
		// The outcome is stored even when the client has gone away
		// meanwhile (its context cancelled): the work may well have been
		// done, and a key left in flight would answer every retry with
		// IDEMPOTENCY_IN_PROGRESS until the claim goes stale.
		done := context.WithoutCancel(ctx)
		defer func() {
			if p := recover(); p != nil {
				_ = store.ReleaseIdempotencyKey(done, k, token)
				panic(p)
			}
			if w.Status() >= http.StatusInternalServerError {
				if err := store.ReleaseIdempotencyKey(done, k, token); err != nil {
					logger(c).Error("release idempotency key", "error", err)
				}
				return
			}
			stored, err := store.CompleteIdempotencyKey(done, k, token, w.Status(), headersToReplay(w.Header()), w.body.Bytes())
			switch {
			case err != nil:
				logger(c).Error("store idempotent response", "error", err)
				_ = store.ReleaseIdempotencyKey(done, k, token)
			case !stored:
				// The claim went stale and another request took it over:
				// its answer is the key's, this one is discarded.
				logger(c).Warn("idempotent response discarded: the claim was taken over", "key", k.Key)
			}
		}()
		c.Next()
	}
}

func replay(c *gin.Context, rec db.IdempotencyRecord, hash string) {
	switch {
	case rec.RequestHash != hash:
		abortWithError(c, domain.Errorf(domain.CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body"))
	case !rec.Completed:
		abortWithError(c, domain.Errorf(domain.CodeIdempotencyInProgress, "a request with this Idempotency-Key is still in flight"))
	default:
		for name, values := range headersToReplay(rec.Header) {
			c.Writer.Header()[name] = values
		}
		c.Header("Idempotent-Replayed", "true")
		c.Data(rec.StatusCode, rec.Header.Get("Content-Type"), rec.Body)
		c.Abort()
	}
}

// headersToReplay is the part of a response's headers that is stored
// with it: replayedHeaders, those that are set.
func headersToReplay(h http.Header) http.Header {
	out := http.Header{}
	for _, name := range replayedHeaders {
		if values := h.Values(name); len(values) > 0 {
			out[name] = values
		}
	}
	return out
}

func requestHash(contentType string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(contentType))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// capturingWriter keeps a copy of the response body.
type capturingWriter struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *capturingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capturingWriter) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
