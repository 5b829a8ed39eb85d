package main

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"gongji/config"
	"gongji/db"
	"gongji/worker"
)

func runWorker(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("worker")
	if err != nil {
		return err
	}
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
	return runWorkerUntil(ctx, cfg, log, db.NewStore(conn), tc)
}

// runWorkerUntil registers the search attributes, then polls the task
// queue until ctx ends.
func runWorkerUntil(ctx context.Context, cfg config.Config, log *slog.Logger, store *db.Store, tc client.Client) error {
	if cfg.WebhookURL != "" {
		log.Warn("GONGJI_WEBHOOK_URL is set, but webhook delivery is not implemented yet; notices go to the in-app inbox only")
	}
	if err := worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace); err != nil {
		return err
	}
	w := worker.New(tc, cfg.TaskQueue, worker.BuiltinDeps(store, nil))
	log.Info("worker polling", "task_queue", cfg.TaskQueue)
	stop := make(chan any)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	return w.Run(stop)
}
