package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"gongji/app"
	"gongji/domain"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[domain.Code]int{
	domain.CodeInvalidRequest:         http.StatusBadRequest,
	domain.CodeInvalidIDNumber:        http.StatusBadRequest,
	domain.CodeInvalidAmount:          http.StatusBadRequest,
	domain.CodeInvalidAdmdvs:          http.StatusBadRequest,
	domain.CodeInvalidInstitutionCode: http.StatusBadRequest,
	domain.CodeInvalidDate:            http.StatusBadRequest,
	domain.CodeInvalidEnumValue:       http.StatusBadRequest,
	domain.CodeUnauthenticated:        http.StatusUnauthorized,
	domain.CodeForbidden:              http.StatusForbidden,
	domain.CodeNotFound:               http.StatusNotFound,
	domain.CodePersonNotFound:         http.StatusNotFound,
	domain.CodeAccountNotFound:        http.StatusNotFound,
	domain.CodeIdempotencyKeyReused:   http.StatusConflict,
	domain.CodeIdempotencyInProgress:  http.StatusConflict,
	domain.CodeAccountBalanceConflict: http.StatusConflict,
	domain.CodeEntryReferenceConflict: http.StatusConflict,
	domain.CodePersonDeceased:         http.StatusConflict,
	domain.CodeBodyTooLarge:           http.StatusRequestEntityTooLarge,
	domain.CodeUnsupportedMediaType:   http.StatusUnsupportedMediaType,
	domain.CodeInsufficientBalance:    http.StatusUnprocessableEntity,
	domain.CodeNoPersonalAccount:      http.StatusUnprocessableEntity,
	domain.CodeRateLimited:            http.StatusTooManyRequests,

	domain.CodeNotificationNotFound:    http.StatusNotFound,
	domain.CodePriorityBindingNotYours: http.StatusUnprocessableEntity,
	domain.CodeWebhookNotFound:         http.StatusNotFound,
	domain.CodeWebhookNotParked:        http.StatusConflict,

	domain.CodeBindingNotFound:              http.StatusNotFound,
	domain.CodeDocumentNotFound:             http.StatusNotFound,
	domain.CodeBindingExists:                http.StatusConflict,
	domain.CodeBindingWrongState:            http.StatusConflict,
	domain.CodeDocumentsRequired:            http.StatusConflict,
	domain.CodeDocumentTooLarge:             http.StatusRequestEntityTooLarge,
	domain.CodeDocumentType:                 http.StatusUnsupportedMediaType,
	domain.CodeSelfBinding:                  http.StatusUnprocessableEntity,
	domain.CodeRelationNotInForce:           http.StatusUnprocessableEntity,
	domain.CodeHolderNotFound:               http.StatusUnprocessableEntity,
	domain.CodeHolderNotEmployeeInsured:     http.StatusUnprocessableEntity,
	domain.CodeHolderNotInPrefecture:        http.StatusUnprocessableEntity,
	domain.CodeHolderInsuranceNotNormal:     http.StatusUnprocessableEntity,
	domain.CodeHolderInArrears:              http.StatusUnprocessableEntity,
	domain.CodeHolderAccountFrozen:          http.StatusUnprocessableEntity,
	domain.CodeHolderNoAccount:              http.StatusUnprocessableEntity,
	domain.CodeHolderDeceased:               http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryNotFound:          http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryNotEnrolled:       http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryNotInProvince:     http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryInsutype:          http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryInsuranceAbnormal: http.StatusUnprocessableEntity,
	domain.CodeBeneficiaryDeceased:          http.StatusUnprocessableEntity,
	domain.CodeValidUntilInPast:             http.StatusUnprocessableEntity,
	domain.CodeLimitBelowUsage:              http.StatusUnprocessableEntity,
	domain.CodeConsentRequired:              http.StatusConflict,
	domain.CodeConsentNotPending:            http.StatusConflict,

	domain.CodeSettlementNotFound:          http.StatusNotFound,
	domain.CodeSettlementConflict:          http.StatusConflict,
	domain.CodeSettlementWrongState:        http.StatusConflict,
	domain.CodeSettlementAlreadyReversed:   http.StatusConflict,
	domain.CodeTopupAmountMismatch:         http.StatusConflict,
	domain.CodeTopupWindowClosed:           http.StatusConflict,
	domain.CodeCardDeclined:                http.StatusUnprocessableEntity,
	domain.CodeCardUnavailable:             http.StatusServiceUnavailable,
	domain.CodeInstitutionUnknown:          http.StatusUnprocessableEntity,
	domain.CodeInstitutionNotDesignated:    http.StatusUnprocessableEntity,
	domain.CodeMedicalTypeNotAtInstitution: http.StatusUnprocessableEntity,
	domain.CodePatientNotFound:             http.StatusUnprocessableEntity,
	domain.CodePatientInsuranceNotNormal:   http.StatusUnprocessableEntity,
	domain.CodePatientDeceased:             http.StatusUnprocessableEntity,
	domain.CodeOutOfProvinceWithoutFiling:  http.StatusUnprocessableEntity,
	domain.CodeNoActiveBinding:             http.StatusUnprocessableEntity,
	domain.CodeServiceDateInFuture:         http.StatusUnprocessableEntity,
	domain.CodeNoFundPolicy:                http.StatusUnprocessableEntity,
	domain.CodeTopupTimeout:                http.StatusUnprocessableEntity,
	domain.CodeInternal:                    http.StatusInternalServerError,
	domain.CodeUnavailable:                 http.StatusServiceUnavailable,

	domain.CodePremiumNotFound:               http.StatusNotFound,
	domain.CodePremiumAmountMismatch:         http.StatusUnprocessableEntity,
	domain.CodePremiumAlreadyPaid:            http.StatusConflict,
	domain.CodeBeneficiaryNotResidentInsured: http.StatusUnprocessableEntity,
	domain.CodeLimitExceeded:                 http.StatusUnprocessableEntity,
}

// StatusOf returns the HTTP status for an error code; unknown codes are
// internal errors.
func StatusOf(code domain.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    domain.Code    `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// abortWithError answers with the error envelope. A *domain.Error is shown
// as it is; anything else is logged and answered as INTERNAL without its
// text.
func abortWithError(c *gin.Context, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		logger(c).Error("request failed", "error", err)
		de = domain.Errorf(domain.CodeInternal, "internal error; quote request id %s", requestID(c))
	}
	status := StatusOf(de.Code)
	if status == http.StatusInternalServerError && de.Code != domain.CodeInternal {
		logger(c).Error("error code without a status", "code", de.Code)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorPayload{Code: de.Code, Message: de.Message, Details: de.Details}})
}

// logger is the request's logger, which carries its id.
func logger(c *gin.Context) *slog.Logger { return app.Logger(c.Request.Context()) }
