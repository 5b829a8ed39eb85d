package sim

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Schema is the PostgreSQL schema the simulators' tables live in.
const Schema = "sim"

//go:embed migrations/*.sql
var migrations embed.FS

func migrationProvider(ctx context.Context, conn *sql.DB) (*goose.Provider, error) {
	if _, err := conn.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+Schema); err != nil {
		return nil, err
	}
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, conn, dir, goose.WithTableName(Schema+".goose_db_version"))
}

// Migrate applies the simulators' pending migrations, tracked apart from
// gongji's, and returns their version now in force.
func Migrate(ctx context.Context, conn *sql.DB) (int64, error) {
	p, err := migrationProvider(ctx, conn)
	if err != nil {
		return 0, fmt.Errorf("simulator migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("simulator migrate up: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// MigrateDownAll rolls the simulators' migrations back; tests use it to
// prove the down migrations work.
func MigrateDownAll(ctx context.Context, conn *sql.DB) error {
	p, err := migrationProvider(ctx, conn)
	if err != nil {
		return fmt.Errorf("simulator migrations: %w", err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("simulator migrate down: %w", err)
	}
	return nil
}
