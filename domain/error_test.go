package domain_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gongji/domain"
)

// wantCode fails the test unless err carries the code want. A want of ""
// means err must be nil (ErrorCode(nil) is "").
func wantCode(t *testing.T, err error, want domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != want {
		t.Fatalf("ErrorCode(%v) = %q, want %q", err, got, want)
	}
}

// wantDetailsField fails the test unless err is a *domain.Error whose
// Details name the given field.
func wantDetailsField(t *testing.T, err error, field string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *domain.Error", err)
	}
	if got := e.Details["field"]; got != field {
		t.Fatalf("Details[\"field\"] = %v, want %q", got, field)
	}
}

func TestErrorCode(t *testing.T) {
	notFound := domain.Errorf(domain.CodeNotFound, "no such thing")
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"nil gives empty code", nil, ""},
		{"domain error gives its code", notFound, domain.CodeNotFound},
		{"wrapped once", fmt.Errorf("loading: %w", notFound), domain.CodeNotFound},
		{"wrapped twice", fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", notFound)), domain.CodeNotFound},
		{"joined with a plain error", errors.Join(errors.New("plain"), notFound), domain.CodeNotFound},
		{"first domain error in chain wins", fmt.Errorf("%w", domain.Errorf(domain.CodeForbidden, "outer")), domain.CodeForbidden},
		{"plain error is internal", errors.New("boom"), domain.CodeInternal},
		{"wrapped plain error is internal", fmt.Errorf("x: %w", errors.New("boom")), domain.CodeInternal},
		{"details keep the code", notFound.WithDetails(map[string]any{"id": 1}), domain.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorf_SetsCodeAndNoDetails(t *testing.T) {
	e := domain.Errorf(domain.CodeInvalidAmount, "%q is bad", "x")
	if e.Code != domain.CodeInvalidAmount {
		t.Errorf("Code = %q, want %q", e.Code, domain.CodeInvalidAmount)
	}
	if e.Details != nil {
		t.Errorf("Details = %v, want nil", e.Details)
	}
	if e.Message == "" {
		t.Error("Message is empty")
	}
}

func TestError_ErrorStringStartsWithCode(t *testing.T) {
	e := domain.Errorf(domain.CodeRateLimited, "slow down")
	if got := e.Error(); !strings.HasPrefix(got, string(domain.CodeRateLimited)+": ") {
		t.Errorf("Error() = %q, want prefix %q", got, domain.CodeRateLimited+": ")
	}
}

func TestWithDetails_ReturnsCopyAndLeavesOriginal(t *testing.T) {
	orig := domain.Errorf(domain.CodeInvalidRequest, "bad")
	withDetails := orig.WithDetails(map[string]any{"field": "name"})
	if withDetails == orig {
		t.Fatal("WithDetails returned the same pointer")
	}
	if orig.Details != nil {
		t.Errorf("original Details = %v, want nil", orig.Details)
	}
	if withDetails.Code != orig.Code || withDetails.Message != orig.Message {
		t.Errorf("copy = %+v, want code and message of %+v", withDetails, orig)
	}
	if withDetails.Details["field"] != "name" {
		t.Errorf("copy Details = %v", withDetails.Details)
	}
	again := withDetails.WithDetails(map[string]any{"field": "phone"})
	if withDetails.Details["field"] != "name" || again.Details["field"] != "phone" {
		t.Errorf("second WithDetails changed the first copy: %v / %v", withDetails.Details, again.Details)
	}
}

// The codes are part of the API contract: this pins every value.
func TestErrorCodes_ArePinnedAndUnique(t *testing.T) {
	pinned := map[domain.Code]string{
		domain.CodeInvalidRequest:         "INVALID_REQUEST",
		domain.CodeInvalidIDNumber:        "INVALID_ID_NUMBER",
		domain.CodeInvalidAmount:          "INVALID_AMOUNT",
		domain.CodeInvalidAdmdvs:          "INVALID_ADMDVS",
		domain.CodeInvalidInstitutionCode: "INVALID_INSTITUTION_CODE",
		domain.CodeInvalidDate:            "INVALID_DATE",
		domain.CodeInvalidEnumValue:       "INVALID_ENUM_VALUE",
		domain.CodeBodyTooLarge:           "BODY_TOO_LARGE",
		domain.CodeUnsupportedMediaType:   "UNSUPPORTED_MEDIA_TYPE",
		domain.CodeUnauthenticated:        "UNAUTHENTICATED",
		domain.CodeForbidden:              "FORBIDDEN",
		domain.CodeNotFound:               "NOT_FOUND",
		domain.CodePersonNotFound:         "PERSON_NOT_FOUND",
		domain.CodeAccountNotFound:        "ACCOUNT_NOT_FOUND",
		domain.CodeIdempotencyKeyReused:   "IDEMPOTENCY_KEY_REUSED",
		domain.CodeIdempotencyInProgress:  "IDEMPOTENCY_IN_PROGRESS",
		domain.CodeAccountBalanceConflict: "ACCOUNT_BALANCE_CONFLICT",
		domain.CodeEntryReferenceConflict: "ENTRY_REFERENCE_CONFLICT",
		domain.CodePersonDeceased:         "PERSON_DECEASED",
		domain.CodeInsufficientBalance:    "INSUFFICIENT_BALANCE",
		domain.CodeNoPersonalAccount:      "NO_PERSONAL_ACCOUNT",
		domain.CodeRateLimited:            "RATE_LIMITED",
		domain.CodeInternal:               "INTERNAL",
		domain.CodeUnavailable:            "UNAVAILABLE",
	}
	// A map literal with duplicate constant keys would not compile, so
	// reaching here proves the codes are unique.
	upperSnake := regexp.MustCompile(`^[A-Z]+(_[A-Z]+)*$`)
	for code, want := range pinned {
		if string(code) != want {
			t.Errorf("code %q, want %q", code, want)
		}
		if !upperSnake.MatchString(string(code)) {
			t.Errorf("code %q is not UPPER_SNAKE", code)
		}
	}
}
