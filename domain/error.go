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

	// Holder self-service and webhook delivery.
	CodeNotificationNotFound    Code = "NOTIFICATION_NOT_FOUND"
	CodePriorityBindingNotYours Code = "PRIORITY_BINDING_NOT_YOURS"
	CodeWebhookNotFound         Code = "WEBHOOK_NOT_FOUND"
	CodeWebhookNotParked        Code = "WEBHOOK_NOT_PARKED"

	// Binding refusals and conflicts.
	CodeBindingNotFound              Code = "BINDING_NOT_FOUND"
	CodeDocumentNotFound             Code = "DOCUMENT_NOT_FOUND"
	CodeBindingExists                Code = "BINDING_EXISTS"
	CodeBindingWrongState            Code = "BINDING_WRONG_STATE"
	CodeDocumentsRequired            Code = "DOCUMENTS_REQUIRED"
	CodeDocumentTooLarge             Code = "DOCUMENT_TOO_LARGE"
	CodeDocumentType                 Code = "DOCUMENT_TYPE_NOT_ALLOWED"
	CodeSelfBinding                  Code = "SELF_BINDING"
	CodeRelationNotInForce           Code = "RELATION_NOT_IN_FORCE"
	CodeHolderNotFound               Code = "HOLDER_NOT_FOUND"
	CodeHolderNotEmployeeInsured     Code = "HOLDER_NOT_EMPLOYEE_INSURED"
	CodeHolderNotInPrefecture        Code = "HOLDER_NOT_IN_PREFECTURE"
	CodeHolderInsuranceNotNormal     Code = "HOLDER_INSURANCE_NOT_NORMAL"
	CodeHolderInArrears              Code = "HOLDER_IN_ARREARS"
	CodeHolderAccountFrozen          Code = "HOLDER_ACCOUNT_FROZEN"
	CodeHolderNoAccount              Code = "HOLDER_NO_ACCOUNT"
	CodeHolderDeceased               Code = "HOLDER_DECEASED"
	CodeBeneficiaryNotFound          Code = "BENEFICIARY_NOT_FOUND"
	CodeBeneficiaryNotEnrolled       Code = "BENEFICIARY_NOT_ENROLLED"
	CodeBeneficiaryNotInProvince     Code = "BENEFICIARY_NOT_IN_PROVINCE"
	CodeBeneficiaryInsutype          Code = "BENEFICIARY_INSUTYPE_NOT_BASIC"
	CodeBeneficiaryInsuranceAbnormal Code = "BENEFICIARY_INSURANCE_NOT_NORMAL"
	CodeBeneficiaryDeceased          Code = "BENEFICIARY_DECEASED"
	CodeValidUntilInPast             Code = "VALID_UNTIL_IN_PAST"
	CodeLimitBelowUsage              Code = "LIMIT_BELOW_USAGE"
	CodeConsentRequired              Code = "CONSENT_REQUIRED"
	CodeConsentNotPending            Code = "CONSENT_NOT_PENDING"

	// Settlement refusals and conflicts.
	CodeSettlementNotFound          Code = "SETTLEMENT_NOT_FOUND"
	CodeSettlementConflict          Code = "SETTLEMENT_CONFLICT"
	CodeSettlementWrongState        Code = "SETTLEMENT_WRONG_STATE"
	CodeSettlementAlreadyReversed   Code = "SETTLEMENT_ALREADY_REVERSED"
	CodeTopupAmountMismatch         Code = "TOPUP_AMOUNT_MISMATCH"
	CodeTopupWindowClosed           Code = "TOPUP_WINDOW_CLOSED"
	CodeCardDeclined                Code = "CARD_DECLINED"
	CodeCardUnavailable             Code = "CARD_GATEWAY_UNAVAILABLE"
	CodeInstitutionUnknown          Code = "INSTITUTION_UNKNOWN"
	CodeInstitutionNotDesignated    Code = "INSTITUTION_NOT_DESIGNATED"
	CodeMedicalTypeNotAtInstitution Code = "MEDICAL_TYPE_NOT_AT_INSTITUTION"
	CodePatientNotFound             Code = "PATIENT_NOT_FOUND"
	CodePatientInsuranceNotNormal   Code = "PATIENT_INSURANCE_NOT_NORMAL"
	CodePatientDeceased             Code = "PATIENT_DECEASED"
	CodeOutOfProvinceWithoutFiling  Code = "OUT_OF_PROVINCE_WITHOUT_FILING"
	CodeNoActiveBinding             Code = "NO_ACTIVE_BINDING"
	CodeServiceDateInFuture         Code = "SERVICE_DATE_IN_FUTURE"
	CodeNoFundPolicy                Code = "NO_FUND_POLICY"
	CodeTopupTimeout                Code = "TOPUP_TIMEOUT"
	CodeInternal                    Code = "INTERNAL"
	CodeUnavailable                 Code = "UNAVAILABLE"

	// Premium payment refusals and conflicts.
	CodePremiumNotFound               Code = "PREMIUM_NOT_FOUND"
	CodePremiumAmountMismatch         Code = "PREMIUM_AMOUNT_MISMATCH"
	CodePremiumAlreadyPaid            Code = "PREMIUM_ALREADY_PAID"
	CodeBeneficiaryNotResidentInsured Code = "BENEFICIARY_NOT_RESIDENT_INSURED"
	CodeLimitExceeded                 Code = "LIMIT_EXCEEDED"
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
