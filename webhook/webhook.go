// Package webhook delivers the notices queued in the webhook_outbox table
// to the operator's webhook (GONGJI_WEBHOOK_URL): each message is POSTed as
// JSON, its exact body signed with HMAC-SHA256, retried with exponential
// backoff, parked after a number of failures, and sent oldest first per
// recipient.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"gongji/db"
)

// Headers of a delivery.
const (
	// HeaderSignature carries "sha256=" and the lower-case hex HMAC-SHA256
	// of the body under GONGJI_WEBHOOK_SECRET.
	HeaderSignature = "X-Gongji-Signature"
	// HeaderDelivery carries the outbox id: the same on every attempt of
	// one message, so that a receiver can drop a message it has seen.
	HeaderDelivery = "X-Gongji-Delivery"
	// HeaderAttempt is the attempt number, from 1 (informational).
	HeaderAttempt = "X-Gongji-Attempt"
)

// Defaults of Config.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = 10 * time.Second
	DefaultMaxBackoff  = time.Hour
	DefaultTimeout     = 10 * time.Second
	DefaultWorkers     = 4
	DefaultPoll        = time.Second
)

// Config is how the dispatcher delivers.
type Config struct {
	// URL receives the POSTs.
	URL string
	// Secret signs each body.
	Secret []byte
	// MaxAttempts is how many failed attempts park a message.
	MaxAttempts int
	// Backoff is the wait after the first failure; it doubles after each
	// further failure, up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds one attempt (connect, send, answer).
	Timeout time.Duration
	// Workers is how many messages may be in flight at once (never two of
	// one recipient).
	Workers int
	// Poll is how often an idle worker looks for due messages.
	Poll time.Duration
	// Client sends the requests; a client with Timeout when nil.
	Client *http.Client
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = c.Backoff
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: c.Timeout}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Dispatcher delivers the outbox.
type Dispatcher struct {
	store *db.Store
	cfg   Config
}

// New returns a dispatcher of the store's outbox.
func New(store *db.Store, cfg Config) *Dispatcher {
	return &Dispatcher{store: store, cfg: cfg.withDefaults()}
}

// Sign returns the X-Gongji-Signature value of body: "sha256=<hex>".
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is body's signature under secret, in
// constant time; receivers can use it as it is.
func Verify(secret, body []byte, signature string) bool {
	return hmac.Equal([]byte(signature), []byte(Sign(secret, body)))
}

// Backoff is the wait after the n-th failed attempt (n from 1): base,
// 2·base, 4·base … at most max.
func Backoff(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n; i++ {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}

// Run delivers until ctx ends, with Config.Workers workers. It returns nil
// once they have stopped.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.cfg.Logger.Info("webhook dispatcher running", "workers", d.cfg.Workers, "max_attempts", d.cfg.MaxAttempts)
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

func (d *Dispatcher) work(ctx context.Context) {
	for ctx.Err() == nil {
		found, err := d.DeliverOne(ctx)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Error("webhook dispatch", "error", err)
		}
		if found && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.cfg.Poll):
		}
	}
}

// DeliverOne makes one attempt at the next due message, if any, and
// records its outcome; found is false when no message was due.
func (d *Dispatcher) DeliverOne(ctx context.Context) (found bool, err error) {
	return d.store.DeliverNextWebhook(ctx, func(m db.OutboxMessage) (db.WebhookOutcome, error) {
		attempt := m.Attempts + 1
		sendErr := d.send(ctx, m, attempt)
		if sendErr == nil {
			d.cfg.Logger.Info("webhook delivered", "delivery", m.ID, "notification", m.NotificationID, "attempt", attempt)
			return db.WebhookOutcome{Delivered: true}, nil
		}
		if ctx.Err() != nil {
			// Shutting down: this attempt does not count.
			return db.WebhookOutcome{}, ctx.Err()
		}
		out := db.WebhookOutcome{Error: sendErr.Error()}
		if attempt >= d.cfg.MaxAttempts {
			out.Park = true
			d.cfg.Logger.Warn("webhook parked", "delivery", m.ID, "notification", m.NotificationID, "attempts", attempt, "error", sendErr)
		} else {
			out.RetryAfter = Backoff(d.cfg.Backoff, d.cfg.MaxBackoff, attempt)
			d.cfg.Logger.Info("webhook attempt failed", "delivery", m.ID, "attempt", attempt, "retry_after", out.RetryAfter, "error", sendErr)
		}
		return out, nil
	})
}

// send POSTs the message once; any answer but 2xx is a failure.
func (d *Dispatcher) send(ctx context.Context, m db.OutboxMessage, attempt int) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gongji-webhook/1")
	req.Header.Set(HeaderSignature, Sign(d.cfg.Secret, m.Payload))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	req.Header.Set(HeaderAttempt, strconv.Itoa(attempt))
	res, err := d.cfg.Client.Do(req)
	if err != nil {
		// Keep the cause, not the URL (which may carry a token).
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	defer res.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}
