package main

import (
	"context"

	"gongji/db"
	"gongji/sim"
)

func runMigrate(ctx context.Context, _ []string) error {
	cfg, log, err := loadConfig("migrate")
	if err != nil {
		return err
	}
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	version, err := db.Migrate(ctx, conn.DB)
	if err != nil {
		return err
	}
	simVersion, err := sim.Migrate(ctx, conn.DB)
	if err != nil {
		return err
	}
	log.Info("migrated", "version", version, "simulators_version", simVersion)
	return nil
}
