package db

import (
	"context"
	"database/sql"
	"time"
)

// IdempotencyKey names one Idempotency-Key use: the key is scoped to the
// caller and the method and path.
type IdempotencyKey struct {
	Caller string
	Method string
	Path   string
	Key    string
}

// IdempotencyRecord is what was stored for a key. Completed is false while
// the first request with the key is still in flight.
type IdempotencyRecord struct {
	RequestHash string
	Completed   bool
	StatusCode  int
	Body        []byte
	ContentType string
}

// IdempotencyClaimStaleAfter is how long a claimed key may stay in flight:
// a claim older than this that never completed (its process died, or its
// answer could not be stored) is taken over by the next request with the
// key.
const IdempotencyClaimStaleAfter = 5 * time.Minute

// ClaimIdempotencyKey records the key with the request's hash. claimed is
// true when this call stored it, or took over a stale claim (in flight for
// longer than IdempotencyClaimStaleAfter); otherwise existing is what
// another request stored before.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, k IdempotencyKey, requestHash string) (claimed bool, existing IdempotencyRecord, err error) {
	const claim = `
		INSERT INTO idempotency_keys (caller, method, path, key, request_hash) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (caller, method, path, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, created_at = now()
			WHERE idempotency_keys.completed_at IS NULL
				AND idempotency_keys.created_at < now() - make_interval(secs => $6)`
	res, err := s.db.ExecContext(ctx, claim, k.Caller, k.Method, k.Path, k.Key, requestHash, IdempotencyClaimStaleAfter.Seconds())
	if err != nil {
		return false, IdempotencyRecord{}, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, IdempotencyRecord{}, nil
	}
	const q = `
		SELECT request_hash, completed_at IS NOT NULL, COALESCE(status_code, 0), COALESCE(response_body, ''), COALESCE(content_type, '')
		FROM idempotency_keys WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4`
	var rec IdempotencyRecord
	err = s.db.QueryRowContext(ctx, q, k.Caller, k.Method, k.Path, k.Key).
		Scan(&rec.RequestHash, &rec.Completed, &rec.StatusCode, &rec.Body, &rec.ContentType)
	if err == sql.ErrNoRows {
		// Released between our insert and select: let the caller try again.
		return s.ClaimIdempotencyKey(ctx, k, requestHash)
	}
	return false, rec, err
}

// CompleteIdempotencyKey stores the response given for a claimed key. A
// key completed already keeps its first response.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k IdempotencyKey, status int, body []byte, contentType string) error {
	const q = `
		UPDATE idempotency_keys SET status_code = $5, response_body = $6, content_type = $7, completed_at = now()
		WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4 AND completed_at IS NULL`
	_, err := s.db.ExecContext(ctx, q, k.Caller, k.Method, k.Path, k.Key, status, body, contentType)
	return err
}

// ReleaseIdempotencyKey forgets a claimed key whose request failed with a
// server error, so that a retry with the same key runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k IdempotencyKey) error {
	const q = `DELETE FROM idempotency_keys WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4 AND completed_at IS NULL`
	_, err := s.db.ExecContext(ctx, q, k.Caller, k.Method, k.Path, k.Key)
	return err
}
