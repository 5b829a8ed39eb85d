// Package webhook delivers the notices queued in the webhook_outbox table
// to the operator's webhook (GONGJI_WEBHOOK_URL): each message is POSTed as
// JSON, signed as Standard Webhooks (https://www.standardwebhooks.com) sign
// it — HMAC-SHA256 over its id, the time of sending and the exact body —
// retried with exponential backoff, parked after a number of failures, and
// sent oldest first per recipient.
package webhook

import (
	"bytes"
	"context"
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

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"gongji/db"
)

// Headers of a delivery: the three of Standard Webhooks, and the attempt.
const (
	// HeaderID carries the outbox id: the same on every attempt of one
	// message, so that a receiver can drop a message it has seen.
	HeaderID = standardwebhooks.HeaderWebhookID
	// HeaderTimestamp carries the time of sending, in Unix seconds; it is
	// signed, so a delivery captured and sent again later is refused.
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp
	// HeaderSignature carries "v1," and the base64 HMAC-SHA256 of
	// "{id}.{timestamp}.{body}"; a receiver accepts a delivery when any of
	// its space-separated signatures matches.
	HeaderSignature = standardwebhooks.HeaderWebhookSignature
	// HeaderAttempt is the attempt number, from 1 (informational).
	HeaderAttempt = "X-Gongji-Attempt"
)

// Tolerance is how far from the receiver's clock Verify lets a delivery's
// timestamp be: 5 minutes, the Standard Webhooks libraries' window.
const Tolerance = 5 * time.Minute

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
	// Key is the HMAC key that signs each delivery (see
	// config.Config.WebhookKey).
	Key []byte
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

// Sign returns the webhook-signature value of the message id sent at at
// with body: "v1,<base64 HMAC-SHA256 of {id}.{unix seconds}.{body}>".
func Sign(key []byte, id string, at time.Time, body []byte) (string, error) {
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		return "", err
	}
	return wh.Sign(id, at, body)
}

// Verify is what a receiver does with a delivery: it needs the three
// headers, a timestamp within Tolerance of its clock, and one of the
// space-separated signatures equal (compared in constant time) to the
// signature of the id, timestamp and exact body. Receivers can use it as
// it is, or any Standard Webhooks library given the key.
func Verify(key []byte, header http.Header, body []byte) error {
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		return err
	}
	return wh.Verify(body, header)
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
	id, at := strconv.FormatInt(m.ID, 10), time.Now()
	signature, err := Sign(d.cfg.Key, id, at, m.Payload)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gongji-webhook/1")
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, signature)
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
