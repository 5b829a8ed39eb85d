// Package sim holds the built-in simulators of gongji's outside systems:
// an illustrative fund settlement engine, a bank-card gateway and a
// resident-insurance premium collection system. Each implements its
// interface in external and keeps its records in the PostgreSQL schema
// sim, with migrations of its own, never in gongji's production tables; a
// real system replaces a simulator by wiring alone. Each can inject
// failures through external.Faults for tests and the chaos suite.
package sim

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

func inTx(ctx context.Context, conn *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func isUniqueViolation(err error, constraint string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == constraint
}
