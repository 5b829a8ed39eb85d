// Package activities holds every side effect of gongji's workflows. Each
// activity is idempotent on a business key, so that Temporal may retry it
// any number of times; a business refusal is a non-retryable application
// error whose type is the stable reason code.
package activities

import (
	"errors"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"go.temporal.io/sdk/temporal"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// asActivityError makes a domain refusal non-retryable, keeping its code
// and details (temporalerr.FromDomain). A PostgreSQL data exception or
// integrity-constraint violation is non-retryable too, as INTERNAL with a generic message (the
// SQL text stays out of the workflow's history): retrying it forever would
// keep the workflow, and the lock it may hold, waiting for ever. Other
// errors (database down, timeouts) are left to be retried.
func asActivityError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return temporalerr.FromDomain(de)
	}
	// PostgreSQL error classes 22 and 23: the same value fails the same way
	// on every retry.
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case pqerror.ClassDataException, pqerror.ClassIntegrityConstraintViolation:
			return temporal.NewNonRetryableApplicationError("the database refused the data", string(domain.CodeInternal), nil)
		}
	}
	return err
}
