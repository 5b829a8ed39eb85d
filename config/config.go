// Package config reads gongji's settings from the environment.
package config

import (
	"fmt"
	"log/slog"
	"net/url"
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
	LogFormat         string        `env:"GONGJI_LOG_FORMAT" envDefault:"json"`
	LogLevel          slog.Level    `env:"GONGJI_LOG_LEVEL" envDefault:"info"`
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
	return c, nil
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
		slog.String("GONGJI_WEBHOOK_URL", maskURL(c.WebhookURL)),
		slog.String("GONGJI_WEBHOOK_SECRET", mask(c.WebhookSecret)),
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
