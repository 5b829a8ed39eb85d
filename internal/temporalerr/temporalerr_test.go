package temporalerr

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"gongji/domain"
)

func TestFromDomain_NonRetryableWithCodeAndDetails(t *testing.T) {
	in := domain.Errorf(domain.CodeBindingWrongState, "the binding is active").
		WithDetails(map[string]any{"status": "active"})
	var appErr *temporal.ApplicationError
	if !errors.As(FromDomain(in), &appErr) {
		t.Fatalf("%v is not an application error", FromDomain(in))
	}
	if !appErr.NonRetryable() || appErr.Type() != string(domain.CodeBindingWrongState) || appErr.Message() != "the binding is active" {
		t.Fatalf("got %v (non-retryable %v, type %q)", appErr, appErr.NonRetryable(), appErr.Type())
	}
	var details map[string]any
	if !appErr.HasDetails() || appErr.Details(&details) != nil || details["status"] != "active" {
		t.Fatalf("details lost: %v", details)
	}
}

func TestFromDomain_WithoutDetails(t *testing.T) {
	var appErr *temporal.ApplicationError
	if !errors.As(FromDomain(domain.Errorf(domain.CodeBindingNotFound, "no such binding")), &appErr) {
		t.Fatal("not an application error")
	}
	if !appErr.NonRetryable() || appErr.Type() != string(domain.CodeBindingNotFound) || appErr.HasDetails() {
		t.Fatalf("got %v (non-retryable %v, type %q, details %v)", appErr, appErr.NonRetryable(), appErr.Type(), appErr.HasDetails())
	}
}

func TestToDomain_RoundTripKeepsCodeMessageAndDetails(t *testing.T) {
	in := domain.Errorf(domain.CodeTopupAmountMismatch, "the top-up must be exactly 10.00").
		WithDetails(map[string]any{"expected": "10.00"})
	// Wrapped as an activity or update failure would be.
	got, ok := ToDomain(fmt.Errorf("activity error: %w", FromDomain(in)))
	if !ok || got.Code != in.Code || got.Message != in.Message || got.Details["expected"] != "10.00" {
		t.Fatalf("ToDomain = %+v, %v; want %+v", got, ok, in)
	}
	if got, ok := ToDomain(fmt.Errorf("store: %w", in)); !ok || got != in {
		t.Fatalf("a wrapped domain error came back as %+v, %v", got, ok)
	}
}

func TestToDomain_OtherFailuresAreNotDomainErrors(t *testing.T) {
	for _, err := range []error{
		errors.New("connection refused"),
		temporal.NewApplicationError("boom", "PanicError"),
		temporal.NewApplicationError("untyped", ""),
		nil,
	} {
		if got, ok := ToDomain(err); ok {
			t.Errorf("ToDomain(%v) = %+v, want no domain error", err, got)
		}
	}
}
