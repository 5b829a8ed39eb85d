package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// apiClient calls the API as a cashier system would: a request that got
// no answer, a 5xx or a 429 is sent again (the same visit, the same
// top-up) until it is answered or ctx ends; 2xx and 4xx are answers.
type apiClient struct {
	base string
	http *http.Client
	// retries counts requests sent again.
	retries atomic.Int64
}

func newAPIClient(base string) *apiClient {
	return &apiClient{base: base, http: &http.Client{Timeout: 45 * time.Second}}
}

// answer is a response the client stopped at.
type answer struct {
	status int
	body   []byte
}

// code returns the error code of an error envelope, or "".
func (a answer) code() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(a.body, &env)
	return env.Error.Code
}

func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("decode %s: %w", a.body, err)
	}
	return nil
}

// do sends the request until it is answered; body is JSON unless it is
// already bytes with contentType set.
func (c *apiClient) do(ctx context.Context, method, path, token string, body any, contentType string) (answer, error) {
	return c.send(ctx, method, path, token, "", body, contentType)
}

// doKeyed is do with an Idempotency-Key: every attempt carries the same key.
func (c *apiClient) doKeyed(ctx context.Context, method, path, token, key string, body any) (answer, error) {
	return c.send(ctx, method, path, token, key, body, "")
}

func (c *apiClient) send(ctx context.Context, method, path, token, key string, body any, contentType string) (answer, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return answer{}, err
		}
		contentType = "application/json"
	}
	for attempt := 0; ; attempt++ {
		a, err := c.once(ctx, method, path, token, key, raw, contentType)
		if err == nil && a.status < 500 && a.status != http.StatusTooManyRequests {
			return a, nil
		}
		if ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("%d %s", a.status, a.body)
			}
			return answer{}, fmt.Errorf("%s %s: no answer before the deadline: %w", method, path, err)
		}
		c.retries.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(min(200*(attempt+1), 2000)) * time.Millisecond):
		}
	}
}

func (c *apiClient) once(ctx context.Context, method, path, token, key string, raw []byte, contentType string) (answer, error) {
	var body io.Reader
	if raw != nil {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: res.StatusCode, body: b}, nil
}

// expect is do that fails unless the answer has one of the statuses.
func (c *apiClient) expect(ctx context.Context, method, path, token string, body any, want ...int) (answer, error) {
	a, err := c.do(ctx, method, path, token, body, "")
	if err != nil {
		return a, err
	}
	for _, w := range want {
		if a.status == w {
			return a, nil
		}
	}
	return a, fmt.Errorf("%s %s: %d %s, want %v", method, path, a.status, a.body, want)
}
