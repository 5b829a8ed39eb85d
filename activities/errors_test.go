package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"go.temporal.io/sdk/temporal"

	"gongji/domain"
)

func TestAsActivityError_DomainErrorIsNonRetryableWithCodeAndDetails(t *testing.T) {
	in := domain.Errorf(domain.CodeBindingWrongState, "the binding is active").
		WithDetails(map[string]any{"status": "active"})
	appErr := requireApplicationError(t, asActivityError(fmt.Errorf("transition: %w", in)))
	if !appErr.NonRetryable() || appErr.Type() != string(domain.CodeBindingWrongState) || appErr.Message() != "the binding is active" {
		t.Fatalf("got %v (non-retryable %v, type %q)", appErr, appErr.NonRetryable(), appErr.Type())
	}
	var details map[string]any
	if !appErr.HasDetails() || appErr.Details(&details) != nil || details["status"] != "active" {
		t.Fatalf("details lost: %v", details)
	}
}

func TestAsActivityError_PostgresDataAndConstraintErrorsAreNonRetryable(t *testing.T) {
	for _, code := range []string{
		"22021", // character_not_in_repertoire: a NUL byte in text
		"22001", // string_data_right_truncation
		"22003", // numeric_value_out_of_range
		"23505", // unique_violation
		"23514", // check_violation
		"23503", // foreign_key_violation
	} {
		t.Run(code, func(t *testing.T) {
			raw := &pq.Error{Code: pqerror.Code(code), Message: `invalid byte sequence for encoding "UTF8": 0x00`}
			appErr := requireApplicationError(t, asActivityError(fmt.Errorf("insert history: %w", raw)))
			if !appErr.NonRetryable() || appErr.Type() != string(domain.CodeInternal) {
				t.Fatalf("got %v (non-retryable %v, type %q)", appErr, appErr.NonRetryable(), appErr.Type())
			}
			if strings.Contains(appErr.Error(), "UTF8") || strings.Contains(appErr.Error(), "insert history") {
				t.Fatalf("the database's text leaked: %q", appErr.Error())
			}
		})
	}
}

func TestAsActivityError_TransientErrorsAreLeftRetryable(t *testing.T) {
	for _, err := range []error{
		&pq.Error{Code: "40001", Message: "could not serialize access"}, // serialization_failure
		&pq.Error{Code: "40P01", Message: "deadlock detected"},
		&pq.Error{Code: "57P01", Message: "terminating connection"}, // admin_shutdown
		&pq.Error{Code: "08006", Message: "connection failure"},
		errors.New("dial tcp 127.0.0.1:5432: connection refused"),
		context.DeadlineExceeded,
	} {
		t.Run(err.Error(), func(t *testing.T) {
			if got := asActivityError(err); got != err {
				t.Fatalf("asActivityError(%v) = %v, want it unchanged", err, got)
			}
		})
	}
	if asActivityError(nil) != nil {
		t.Fatal("nil became an error")
	}
}

func requireApplicationError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("%v (%T) is not an application error", err, err)
	}
	return appErr
}
