package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"gongji/config"
	"gongji/db"
)

// loadConfig reads the environment, builds the logger and logs the
// settings with secrets masked.
func loadConfig(command string) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return config.Config{}, nil, err
	}
	log := cfg.NewLogger(os.Stderr).With("command", command)
	slog.SetDefault(log)
	log.Info("starting", "config", cfg)
	return cfg, log, nil
}

func openDB(ctx context.Context, cfg config.Config) (*sqlx.DB, error) {
	return db.Open(ctx, cfg.DatabaseURL)
}

// temporalClient connects lazily, so the API starts (and /readyz says so)
// while Temporal is still coming up.
func temporalClient(cfg config.Config, log *slog.Logger) (client.Client, error) {
	return client.NewLazyClient(client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(log.With("component", "temporal")),
	})
}
