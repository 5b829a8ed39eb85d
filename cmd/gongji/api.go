package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/api"
	"gongji/config"
	"gongji/db"
	"gongji/sim"
)

func runAPI(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("api")
	if err != nil {
		return err
	}
	if err := errors.Join(cfg.RequireJWTSecret(), cfg.RefuseKnownSecrets()); err != nil {
		return err
	}
	return withServices(ctx, cfg, log, func(store *db.Store, tc client.Client) error {
		return serveAPI(ctx, cfg, log, store, tc)
	})
}

// serveAPI listens on GONGJI_HTTP_ADDR until ctx ends, then drains
// requests for up to ten seconds.
func serveAPI(ctx context.Context, cfg config.Config, log *slog.Logger, store *db.Store, tc client.Client) error {
	handler := api.NewHandler(api.Deps{Store: store, Temporal: tc, Premiums: sim.Premiums{DB: store.DB()}, TaskQueue: cfg.TaskQueue, TopupTimeout: cfg.TopupTimeout, JWTSecret: []byte(cfg.JWTSecret), Logger: log})
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	log.Info("API listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
