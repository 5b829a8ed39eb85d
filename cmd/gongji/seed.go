package main

import (
	"context"

	"gongji/db"
	"gongji/internal/demo"
)

func runSeed(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("seed")
	if err != nil {
		return err
	}
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := demo.Seed(ctx, db.NewStore(conn)); err != nil {
		return err
	}
	log.Info("demo data loaded")
	return nil
}
