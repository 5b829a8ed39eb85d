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

// withServices opens the database and a Temporal client, runs fn with
// them, and closes both.
func withServices(ctx context.Context, cfg config.Config, log *slog.Logger, fn func(store *db.Store, tc client.Client) error) error {
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	tc, err := temporalClient(cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	return fn(db.NewStore(conn), tc)
}
