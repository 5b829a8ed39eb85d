// Package config reads gongji's settings from the environment.
package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is every setting of the gongji processes. The names of the
// environment variables are part of the operator contract (API.md).
type Config struct {
	DatabaseURL       string        `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/gongji?sslmode=disable"`
	TemporalAddress   string        `env:"TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string        `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	TaskQueue         string        `env:"GONGJI_TASK_QUEUE" envDefault:"gongji"`
	HTTPAddr          string        `env:"GONGJI_HTTP_ADDR" envDefault:":8080"`
	JWTSecret         string        `env:"GONGJI_JWT_SECRET"`
	TopupTimeout      time.Duration `env:"GONGJI_TOPUP_TIMEOUT" envDefault:"15m"`
	WebhookURL        string        `env:"GONGJI_WEBHOOK_URL"`
	WebhookSecret     string        `env:"GONGJI_WEBHOOK_SECRET"`
	// WebhookMaxAttempts failed attempts park a notice; an admin may
	// replay it (POST /v1/admin/webhooks/{id}/replay).
	WebhookMaxAttempts int `env:"GONGJI_WEBHOOK_MAX_ATTEMPTS" envDefault:"8"`
	// WebhookBackoff is the wait after a first failed attempt; it doubles
	// after each further one, up to WebhookMaxBackoff.
	WebhookBackoff    time.Duration `env:"GONGJI_WEBHOOK_BACKOFF" envDefault:"10s"`
	WebhookMaxBackoff time.Duration `env:"GONGJI_WEBHOOK_MAX_BACKOFF" envDefault:"1h"`
	// WebhookTimeout bounds one delivery attempt.
	WebhookTimeout time.Duration `env:"GONGJI_WEBHOOK_TIMEOUT" envDefault:"10s"`
	// TemporalUIURL is where `gongji dev` tells the person to watch
	// workflows; `make run` sets it to the dev server's UI.
	TemporalUIURL string     `env:"GONGJI_TEMPORAL_UI_URL"`
	LogFormat     string     `env:"GONGJI_LOG_FORMAT" envDefault:"json"`
	LogLevel      slog.Level `env:"GONGJI_LOG_LEVEL" envDefault:"info"`
}

// Load reads the environment and checks what it can without connecting to
// anything.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return Config{}, fmt.Errorf("config: GONGJI_LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	if c.TopupTimeout <= 0 {
		return Config{}, fmt.Errorf("config: GONGJI_TOPUP_TIMEOUT must be positive")
	}
	if err := c.checkWebhook(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c Config) checkWebhook() error {
	if c.WebhookMaxAttempts < 1 {
		return fmt.Errorf("config: GONGJI_WEBHOOK_MAX_ATTEMPTS must be at least 1")
	}
	if c.WebhookBackoff <= 0 || c.WebhookMaxBackoff <= 0 || c.WebhookTimeout <= 0 {
		return fmt.Errorf("config: GONGJI_WEBHOOK_BACKOFF, GONGJI_WEBHOOK_MAX_BACKOFF and GONGJI_WEBHOOK_TIMEOUT must be positive")
	}
	if c.WebhookURL == "" {
		return nil
	}
	if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: GONGJI_WEBHOOK_URL must be an absolute http or https URL")
	}
	return nil
}

// webhookSecretPrefix marks a GONGJI_WEBHOOK_SECRET written as Standard
// Webhooks write theirs: "whsec_" and the base64 of the key.
const webhookSecretPrefix = "whsec_"

// WebhookKey is the HMAC key of GONGJI_WEBHOOK_SECRET: the base64-decoded
// rest of a "whsec_…" value (the Standard Webhooks form, which receivers'
// libraries take as it is), else the value's bytes as they are (a
// receiver's library then takes "whsec_" + base64 of the value).
func (c Config) WebhookKey() ([]byte, error) {
	encoded, ok := strings.CutPrefix(c.WebhookSecret, webhookSecretPrefix)
	if !ok {
		return []byte(c.WebhookSecret), nil
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("config: GONGJI_WEBHOOK_SECRET starts with %s but the rest is not standard base64", webhookSecretPrefix)
	}
	return key, nil
}

// RequireWebhookSecret fails when a webhook URL is set without a signing
// key of at least 16 bytes; the worker, which delivers, needs one.
func (c Config) RequireWebhookSecret() error {
	if c.WebhookURL == "" {
		return nil
	}
	key, err := c.WebhookKey()
	if err != nil {
		return err
	}
	if len(key) < 16 {
		return fmt.Errorf("config: GONGJI_WEBHOOK_URL is set, so GONGJI_WEBHOOK_SECRET must be set to a key of at least 16 bytes")
	}
	return nil
}

// RequireJWTSecret fails unless a signing secret of at least 32 bytes is
// set; the API and the token command need one.
func (c Config) RequireJWTSecret() error {
	if len(c.JWTSecret) < 32 {
		return fmt.Errorf("config: GONGJI_JWT_SECRET must be set to at least 32 characters")
	}
	return nil
}

// LogValue renders the settings for the start-up log with every secret
// masked, including a password inside DATABASE_URL.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("DATABASE_URL", maskURL(c.DatabaseURL)),
		slog.String("TEMPORAL_ADDRESS", c.TemporalAddress),
		slog.String("TEMPORAL_NAMESPACE", c.TemporalNamespace),
		slog.String("GONGJI_TASK_QUEUE", c.TaskQueue),
		slog.String("GONGJI_HTTP_ADDR", c.HTTPAddr),
		slog.String("GONGJI_JWT_SECRET", mask(c.JWTSecret)),
		slog.Duration("GONGJI_TOPUP_TIMEOUT", c.TopupTimeout),
		slog.String("GONGJI_WEBHOOK_URL", maskWebhookURL(c.WebhookURL)),
		slog.String("GONGJI_WEBHOOK_SECRET", mask(c.WebhookSecret)),
		slog.Int("GONGJI_WEBHOOK_MAX_ATTEMPTS", c.WebhookMaxAttempts),
		slog.Duration("GONGJI_WEBHOOK_BACKOFF", c.WebhookBackoff),
		slog.Duration("GONGJI_WEBHOOK_MAX_BACKOFF", c.WebhookMaxBackoff),
		slog.Duration("GONGJI_WEBHOOK_TIMEOUT", c.WebhookTimeout),
		slog.String("GONGJI_TEMPORAL_UI_URL", c.TemporalUIURL),
		slog.String("GONGJI_LOG_FORMAT", c.LogFormat),
		slog.String("GONGJI_LOG_LEVEL", c.LogLevel.String()),
	)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "********"
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return mask(raw)
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		u.User = url.UserPassword(u.User.Username(), "********")
	}
	return u.Redacted()
}

// maskWebhookURL is maskURL that also hides the query, where webhook
// receivers often take a token.
func maskWebhookURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return mask(raw)
	}
	if u.RawQuery != "" {
		u.RawQuery = "********"
	}
	return maskURL(u.String())
}
