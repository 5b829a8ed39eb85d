package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
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
	// Header holds the response headers that were stored with it.
	Header http.Header
	Body   []byte
}

// IdempotencyClaimStaleAfter is how long a claimed key may stay in flight:
// a claim older than this that never completed (its process died, or its
// answer could not be stored) is taken over by the next request with the
// key.
const IdempotencyClaimStaleAfter = 5 * time.Minute

// ClaimIdempotencyKey records the key with the request's hash under a new
// random claim token, which it returns: only the holder of the token may
// complete or release the claim. It claims the key when no request stored
// it yet, or takes over a stale claim (in flight for longer than
// IdempotencyClaimStaleAfter) with a new token; otherwise token is "" and
// existing is what another request stored before.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, k IdempotencyKey, requestHash string) (token string, existing IdempotencyRecord, err error) {
	token, err = newClaimToken()
	if err != nil {
		return "", IdempotencyRecord{}, err
	}
	const claim = `
		INSERT INTO idempotency_keys (caller, method, path, key, request_hash, claim_token) VALUES ($1, $2, $3, $4, $5, $7)
		ON CONFLICT (caller, method, path, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, claim_token = EXCLUDED.claim_token, created_at = now()
			WHERE idempotency_keys.completed_at IS NULL
				AND idempotency_keys.created_at < now() - make_interval(secs => $6)`
	res, err := s.db.ExecContext(ctx, claim, k.Caller, k.Method, k.Path, k.Key, requestHash, IdempotencyClaimStaleAfter.Seconds(), token)
	if err != nil {
		return "", IdempotencyRecord{}, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return token, IdempotencyRecord{}, nil
	}
	const q = `
		SELECT request_hash, completed_at IS NOT NULL, COALESCE(status_code, 0), COALESCE(response_body, ''), response_headers
		FROM idempotency_keys WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4`
	var rec IdempotencyRecord
	var header []byte
	err = s.db.QueryRowContext(ctx, q, k.Caller, k.Method, k.Path, k.Key).
		Scan(&rec.RequestHash, &rec.Completed, &rec.StatusCode, &rec.Body, &header)
	if err == sql.ErrNoRows {
		// Released between our insert and select: let the caller try again.
		return s.ClaimIdempotencyKey(ctx, k, requestHash)
	}
	if err != nil {
		return "", IdempotencyRecord{}, err
	}
	return "", rec, json.Unmarshal(header, &rec.Header)
}

func newClaimToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// CompleteIdempotencyKey stores the response given for a key claimed with
// token: its status, the headers to replay with it, and its body. stored is false when the key is completed already (it keeps its
// first response) or the claim was taken over (the response of the
// request that took it over is the one kept).
func (s *Store) CompleteIdempotencyKey(ctx context.Context, k IdempotencyKey, token string, status int, header http.Header, body []byte) (stored bool, err error) {
	if header == nil {
		header = http.Header{}
	}
	headerJSON, err := json.Marshal(header)
	if err != nil {
		return false, err
	}
	const q = `
		UPDATE idempotency_keys SET status_code = $6, response_body = $7, response_headers = $8, completed_at = now()
		WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4 AND claim_token = $5 AND completed_at IS NULL`
	res, err := s.db.ExecContext(ctx, q, k.Caller, k.Method, k.Path, k.Key, token, status, body, string(headerJSON))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseIdempotencyKey forgets a key claimed with token whose request
// failed with a server error, so that a retry with the same key runs
// again. A claim taken over since is not the caller's to release.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k IdempotencyKey, token string) error {
	const q = `DELETE FROM idempotency_keys WHERE caller = $1 AND method = $2 AND path = $3 AND key = $4 AND claim_token = $5 AND completed_at IS NULL`
	_, err := s.db.ExecContext(ctx, q, k.Caller, k.Method, k.Path, k.Key, token)
	return err
}
