package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"gongji/config"
	"gongji/db"
	"gongji/webhook"
	"gongji/worker"
)

func runWorker(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("worker")
	if err != nil {
		return err
	}
	if err := errors.Join(cfg.RequireWebhookSecret(), cfg.RefuseKnownSecrets()); err != nil {
		return err
	}
	return withServices(ctx, cfg, log, func(store *db.Store, tc client.Client) error {
		return runWorkerUntil(ctx, cfg, log, store, tc)
	})
}

// runWorkerUntil registers the search attributes and creates the binding
// repair schedule (waiting for Temporal if it is not up yet), then polls
// the task queue until ctx ends. With GONGJI_WEBHOOK_URL set, the notices its
// activities write are queued in the webhook outbox in the same
// transaction, and a dispatcher delivers the outbox alongside.
func runWorkerUntil(ctx context.Context, cfg config.Config, log *slog.Logger, store *db.Store, tc client.Client) error {
	if err := cfg.RequireWebhookSecret(); err != nil {
		return err
	}
	ensure := func(ctx context.Context) error { return worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace) }
	if err := retryUntilDone(ctx, log, "register search attributes", time.Second, 30*time.Second, ensure); err != nil {
		return err
	}
	schedule := func(ctx context.Context) error { return worker.EnsureBindingRepairSchedule(ctx, tc, cfg.TaskQueue) }
	if err := retryUntilDone(ctx, log, "create the binding repair schedule", time.Second, 30*time.Second, schedule); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var dispatching sync.WaitGroup
	defer func() {
		cancel()
		dispatching.Wait()
	}()
	if cfg.WebhookURL != "" {
		key, err := cfg.WebhookKey()
		if err != nil {
			return err
		}
		store = store.WithWebhookOutbox()
		d := webhook.New(store, webhook.Config{
			URL: cfg.WebhookURL, Key: key, MaxAttempts: cfg.WebhookMaxAttempts,
			Backoff: cfg.WebhookBackoff, MaxBackoff: cfg.WebhookMaxBackoff, Timeout: cfg.WebhookTimeout,
			Logger: log.With("component", "webhook"),
		})
		dispatching.Add(1)
		go func() {
			defer dispatching.Done()
			_ = d.Run(ctx)
		}()
	} else {
		log.Info("GONGJI_WEBHOOK_URL is not set: notices go to the in-app inbox only")
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
