package domain_test

import (
	"slices"
	"strings"
	"testing"

	"gongji/domain"
)

func TestParseBindingStatus(t *testing.T) {
	tests := []struct {
		in   string
		want domain.BindingStatus
		code domain.Code
	}{
		{"awaiting_documents", domain.BindingAwaitingDocuments, ""},
		{"under_review", domain.BindingUnderReview, ""},
		{"active", domain.BindingActive, ""},
		{"rejected", domain.BindingRejected, ""},
		{"lapsed", domain.BindingLapsed, ""},
		{"expired", domain.BindingExpired, ""},
		{"unbound", domain.BindingUnbound, ""},
		{"terminated", domain.BindingTerminated, ""},
		{"declined", domain.BindingDeclined, ""},
		{"Active", "", domain.CodeInvalidEnumValue},
		{"active ", "", domain.CodeInvalidEnumValue},
		{"requested", "", domain.CodeInvalidEnumValue},
		{"approved", "", domain.CodeInvalidEnumValue},
		{"生效", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseBindingStatus(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseBindingStatus(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "status")
			}
		})
	}
}

func TestBindingStatus_IsLiveIsFinal(t *testing.T) {
	tests := []struct {
		status domain.BindingStatus
		live   bool
	}{
		{domain.BindingAwaitingDocuments, true},
		{domain.BindingUnderReview, true},
		{domain.BindingActive, true},
		{domain.BindingRejected, false},
		{domain.BindingLapsed, false},
		{domain.BindingExpired, false},
		{domain.BindingUnbound, false},
		{domain.BindingTerminated, false},
		{domain.BindingDeclined, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			if got := tt.status.IsLive(); got != tt.live {
				t.Errorf("IsLive() = %v, want %v", got, tt.live)
			}
			if got := tt.status.IsFinal(); got != !tt.live {
				t.Errorf("IsFinal() = %v, want %v", got, !tt.live)
			}
			if got := slices.Contains(domain.LiveBindingStatuses, tt.status); got != tt.live {
				t.Errorf("in LiveBindingStatuses = %v, want %v", got, tt.live)
			}
		})
	}
	if len(domain.LiveBindingStatuses) != 3 {
		t.Errorf("LiveBindingStatuses = %v, want the three live statuses", domain.LiveBindingStatuses)
	}
}

func TestValidateTerms(t *testing.T) {
	today := day(2026, 3, 15)
	limit := func(s string) *domain.Amount { a := domain.MustAmount(s); return &a }
	tests := []struct {
		name  string
		terms domain.Terms
		want  domain.Code
	}{
		{"no limit, long-term", domain.Terms{}, ""},
		{"a limit", domain.Terms{AnnualLimit: limit("2000.00")}, ""},
		{"a zero limit", domain.Terms{AnnualLimit: limit("0.00")}, ""},
		{"valid until today", domain.Terms{ValidUntil: today}, ""},
		{"valid until tomorrow", domain.Terms{ValidUntil: day(2026, 3, 16)}, ""},
		{"valid until years ahead", domain.Terms{AnnualLimit: limit("500.00"), ValidUntil: day(2034, 9, 1)}, ""},
		{"valid until yesterday", domain.Terms{ValidUntil: day(2026, 3, 14)}, domain.CodeValidUntilInPast},
		{"valid until last year", domain.Terms{AnnualLimit: limit("500.00"), ValidUntil: day(2025, 12, 31)}, domain.CodeValidUntilInPast},
		{"negative limit", domain.Terms{AnnualLimit: limit("-0.01")}, domain.CodeInvalidAmount},
		{"negative limit reported before a past date", domain.Terms{AnnualLimit: limit("-1.00"), ValidUntil: day(2020, 1, 1)}, domain.CodeInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, domain.ValidateTerms(tt.terms, today), tt.want)
		})
	}
}

func TestParseDocumentKind(t *testing.T) {
	tests := []struct {
		in   string
		want domain.DocumentKind
		code domain.Code
	}{
		{"household_register", domain.DocumentHouseholdRegister, ""},
		{"birth_certificate", domain.DocumentBirthCertificate, ""},
		{"marriage_certificate", domain.DocumentMarriageCertificate, ""},
		{"kinship_certificate", domain.DocumentKinshipCertificate, ""},
		{"Birth_Certificate", "", domain.CodeInvalidEnumValue},
		{"id_card", "", domain.CodeInvalidEnumValue},
		{"户口本", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseDocumentKind(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseDocumentKind(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "kind")
			}
		})
	}
}

func TestDocumentLimits(t *testing.T) {
	if domain.MaxDocumentSize != 10*1024*1024 {
		t.Errorf("MaxDocumentSize = %d, want 10 MiB", domain.MaxDocumentSize)
	}
	want := []string{"image/jpeg", "image/png", "application/pdf"}
	if !slices.Equal(domain.DocumentMediaTypes, want) {
		t.Errorf("DocumentMediaTypes = %v, want %v", domain.DocumentMediaTypes, want)
	}
}

func TestParseReviewDecision(t *testing.T) {
	tests := []struct {
		in   string
		want domain.ReviewDecision
		code domain.Code
	}{
		{"approve", domain.DecisionApprove, ""},
		{"reject", domain.DecisionReject, ""},
		{"request_documents", domain.DecisionRequestDocuments, ""},
		{"approved", "", domain.CodeInvalidEnumValue},
		{"APPROVE", "", domain.CodeInvalidEnumValue},
		{"request-documents", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseReviewDecision(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseReviewDecision(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "decision")
			}
		})
	}
}

func TestValidateReason(t *testing.T) {
	tests := []struct {
		name     string
		reason   string
		required bool
		want     domain.Code
	}{
		{"empty, not required", "", false, ""},
		{"empty, required", "", true, domain.CodeInvalidRequest},
		{"blank, required", "  \t\n ", true, domain.CodeInvalidRequest},
		{"full-width space only, required", "\u3000", true, domain.CodeInvalidRequest},
		{"given, required", "户口本照片不清晰", true, ""},
		{"given, not required", "家长申请解绑", false, ""},
		{"500 Chinese characters", strings.Repeat("证", 500), true, ""},
		{"501 Chinese characters", strings.Repeat("证", 501), true, domain.CodeInvalidRequest},
		{"501 characters, not required", strings.Repeat("a", 501), false, domain.CodeInvalidRequest},
		{"invalid UTF-8", "bad \xff byte", false, domain.CodeInvalidRequest},
		{"invalid UTF-8, required", "\xc3\x28", true, domain.CodeInvalidRequest},
		{"line feed and tab allowed", "第一行\n\t第二行", true, ""},
		{"NUL byte", "bad\x00reason", false, domain.CodeInvalidRequest},
		{"NUL byte, required", "\x00", true, domain.CodeInvalidRequest},
		{"carriage return", "line\r\nnext", false, domain.CodeInvalidRequest},
		{"escape (ANSI sequence)", "\x1b[31mred", false, domain.CodeInvalidRequest},
		{"DEL", "del\x7f", false, domain.CodeInvalidRequest},
		{"C1 control U+0085", "next\u0085line", false, domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateReason(tt.reason, tt.required)
			wantCode(t, err, tt.want)
			if err != nil {
				wantDetailsField(t, err, "reason")
			}
		})
	}
}

// The binding codes are part of the API contract: this pins every value.
func TestBindingErrorCodes_ArePinned(t *testing.T) {
	pinned := map[domain.Code]string{
		domain.CodeBindingNotFound:              "BINDING_NOT_FOUND",
		domain.CodeDocumentNotFound:             "DOCUMENT_NOT_FOUND",
		domain.CodeBindingExists:                "BINDING_EXISTS",
		domain.CodeBindingWrongState:            "BINDING_WRONG_STATE",
		domain.CodeDocumentsRequired:            "DOCUMENTS_REQUIRED",
		domain.CodeDocumentTooLarge:             "DOCUMENT_TOO_LARGE",
		domain.CodeDocumentType:                 "DOCUMENT_TYPE_NOT_ALLOWED",
		domain.CodeSelfBinding:                  "SELF_BINDING",
		domain.CodeRelationNotInForce:           "RELATION_NOT_IN_FORCE",
		domain.CodeHolderNotFound:               "HOLDER_NOT_FOUND",
		domain.CodeHolderNotEmployeeInsured:     "HOLDER_NOT_EMPLOYEE_INSURED",
		domain.CodeHolderNotInPrefecture:        "HOLDER_NOT_IN_PREFECTURE",
		domain.CodeHolderInsuranceNotNormal:     "HOLDER_INSURANCE_NOT_NORMAL",
		domain.CodeHolderInArrears:              "HOLDER_IN_ARREARS",
		domain.CodeHolderAccountFrozen:          "HOLDER_ACCOUNT_FROZEN",
		domain.CodeHolderNoAccount:              "HOLDER_NO_ACCOUNT",
		domain.CodeHolderDeceased:               "HOLDER_DECEASED",
		domain.CodeBeneficiaryNotFound:          "BENEFICIARY_NOT_FOUND",
		domain.CodeBeneficiaryNotEnrolled:       "BENEFICIARY_NOT_ENROLLED",
		domain.CodeBeneficiaryNotInProvince:     "BENEFICIARY_NOT_IN_PROVINCE",
		domain.CodeBeneficiaryInsutype:          "BENEFICIARY_INSUTYPE_NOT_BASIC",
		domain.CodeBeneficiaryInsuranceAbnormal: "BENEFICIARY_INSURANCE_NOT_NORMAL",
		domain.CodeBeneficiaryDeceased:          "BENEFICIARY_DECEASED",
		domain.CodeValidUntilInPast:             "VALID_UNTIL_IN_PAST",
		domain.CodeLimitBelowUsage:              "LIMIT_BELOW_USAGE",
	}
	for code, want := range pinned {
		if string(code) != want {
			t.Errorf("code %q, want %q", code, want)
		}
	}
}
