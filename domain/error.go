package domain

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients switch on it; the
// message beside it is for people and may change.
type Code string

// Error codes. They are part of the API contract: never rename one.
const (
	CodeInvalidRequest         Code = "INVALID_REQUEST"
	CodeInvalidIDNumber        Code = "INVALID_ID_NUMBER"
	CodeInvalidAmount          Code = "INVALID_AMOUNT"
	CodeInvalidAdmdvs          Code = "INVALID_ADMDVS"
	CodeInvalidInstitutionCode Code = "INVALID_INSTITUTION_CODE"
	CodeInvalidDate            Code = "INVALID_DATE"
	CodeInvalidEnumValue       Code = "INVALID_ENUM_VALUE"
	CodeBodyTooLarge           Code = "BODY_TOO_LARGE"
	CodeUnsupportedMediaType   Code = "UNSUPPORTED_MEDIA_TYPE"
	CodeUnauthenticated        Code = "UNAUTHENTICATED"
	CodeForbidden              Code = "FORBIDDEN"
	CodeNotFound               Code = "NOT_FOUND"
	CodePersonNotFound         Code = "PERSON_NOT_FOUND"
	CodeAccountNotFound        Code = "ACCOUNT_NOT_FOUND"
	CodeIdempotencyKeyReused   Code = "IDEMPOTENCY_KEY_REUSED"
	CodeIdempotencyInProgress  Code = "IDEMPOTENCY_IN_PROGRESS"
	CodeAccountBalanceConflict Code = "ACCOUNT_BALANCE_CONFLICT"
	CodeEntryReferenceConflict Code = "ENTRY_REFERENCE_CONFLICT"
	CodePersonDeceased         Code = "PERSON_DECEASED"
	CodeInsufficientBalance    Code = "INSUFFICIENT_BALANCE"
	CodeNoPersonalAccount      Code = "NO_PERSONAL_ACCOUNT"
	CodeRateLimited            Code = "RATE_LIMITED"
	CodeInternal               Code = "INTERNAL"
	CodeUnavailable            Code = "UNAVAILABLE"
)

// Error is a failure that is safe to show to a client: a stable code, a
// human-readable message and optional structured details.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e carrying the given details.
func (e *Error) WithDetails(details map[string]any) *Error {
	c := *e
	c.Details = details
	return &c
}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal for any other error (nil gives "").
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
