// Package temporalerr carries domain errors across Temporal: a refusal
// becomes a non-retryable application error whose type is the stable code,
// and such an error becomes the domain error again on the other side. It
// imports only domain and the Temporal SDK, so both workflows and
// activities use it.
package temporalerr

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"gongji/domain"
)

// FromDomain turns a domain error into a non-retryable application error
// whose type is its code, keeping its message and details.
func FromDomain(e *domain.Error) error {
	if e.Details == nil {
		return temporal.NewNonRetryableApplicationError(e.Message, string(e.Code), nil)
	}
	return temporal.NewNonRetryableApplicationError(e.Message, string(e.Code), nil, e.Details)
}

// ToDomain recovers the domain error a workflow, update or activity
// refused with; ok is false for any other failure.
func ToDomain(err error) (*domain.Error, bool) {
	var de *domain.Error
	if errors.As(err, &de) {
		return de, true
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() != "" && isDomainCode(appErr.Type()) {
		out := &domain.Error{Code: domain.Code(appErr.Type()), Message: appErr.Message()}
		if appErr.HasDetails() {
			_ = appErr.Details(&out.Details)
		}
		return out, true
	}
	return nil, false
}

// isDomainCode reports whether an application error type is one of
// gongji's codes (upper-case words joined by underscores), not an SDK
// error type such as "PanicError".
func isDomainCode(t string) bool {
	for _, r := range t {
		if (r < 'A' || r > 'Z') && r != '_' {
			return false
		}
	}
	return true
}
