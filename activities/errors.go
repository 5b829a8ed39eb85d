// Package activities holds every side effect of gongji's workflows. Each
// activity is idempotent on a business key, so that Temporal may retry it
// any number of times; a business refusal is a non-retryable application
// error whose type is the stable reason code.
package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"gongji/domain"
)

// asActivityError makes a domain refusal non-retryable and leaves other
// errors (database down, timeouts) to be retried.
func asActivityError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return temporal.NewNonRetryableApplicationError(de.Message, string(de.Code), nil)
	}
	return err
}
