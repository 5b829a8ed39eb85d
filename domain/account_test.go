package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestParseAccountStatus(t *testing.T) {
	tests := []struct {
		in   string
		want domain.AccountStatus
		code domain.Code
	}{
		{"normal", domain.AccountNormal, ""},
		{"frozen", domain.AccountFrozen, ""},
		{"Frozen", "", domain.CodeInvalidEnumValue},
		{"arrears", "", domain.CodeInvalidEnumValue},
		{"closed", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseAccountStatus(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseAccountStatus(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "status")
			}
		})
	}
}

func TestParseSyncEntryKind(t *testing.T) {
	tests := []struct {
		in   string
		want domain.EntryKind
		code domain.Code
	}{
		{"contribution", domain.EntryContribution, ""},
		{"adjustment", domain.EntryAdjustment, ""},
		// Kinds that only settlements and premium payments may post.
		{"settlement_debit", "", domain.CodeInvalidEnumValue},
		{"settlement_refund", "", domain.CodeInvalidEnumValue},
		{"premium_debit", "", domain.CodeInvalidEnumValue},
		{"premium_refund", "", domain.CodeInvalidEnumValue},
		{"Contribution", "", domain.CodeInvalidEnumValue},
		{"deposit", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseSyncEntryKind(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseSyncEntryKind(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "kind")
			}
		})
	}
}

func TestValidateSyncEntry(t *testing.T) {
	m := domain.MustAmount
	tests := []struct {
		name   string
		kind   domain.EntryKind
		amount domain.Amount
		code   domain.Code
	}{
		{"positive contribution", domain.EntryContribution, m("200.00"), ""},
		{"one-cent contribution", domain.EntryContribution, m("0.01"), ""},
		{"zero contribution", domain.EntryContribution, m("0"), domain.CodeInvalidAmount},
		{"zero-value contribution", domain.EntryContribution, domain.Amount{}, domain.CodeInvalidAmount},
		{"negative contribution", domain.EntryContribution, m("-0.01"), domain.CodeInvalidAmount},
		{"positive adjustment", domain.EntryAdjustment, m("15.50"), ""},
		{"negative adjustment", domain.EntryAdjustment, m("-15.50"), ""},
		{"zero adjustment", domain.EntryAdjustment, domain.Zero, domain.CodeInvalidAmount},
		{"settlement debit is not a sync kind", domain.EntrySettlementDebit, m("-10"), domain.CodeInvalidEnumValue},
		{"settlement refund is not a sync kind", domain.EntrySettlementRefund, m("10"), domain.CodeInvalidEnumValue},
		{"premium debit is not a sync kind", domain.EntryPremiumDebit, m("-10"), domain.CodeInvalidEnumValue},
		{"premium refund is not a sync kind", domain.EntryPremiumRefund, m("10"), domain.CodeInvalidEnumValue},
		{"empty kind", "", m("10"), domain.CodeInvalidEnumValue},
		{"unknown kind", "bonus", m("10"), domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, domain.ValidateSyncEntry(tt.kind, tt.amount), tt.code)
		})
	}
}

func TestValidateReference(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"letters and digits", "CORE20240601001", ""},
		{"all allowed punctuation", "core:2024-06.01_001", ""},
		{"one character", "x", ""},
		{"64 characters", strings.Repeat("a", 64), ""},
		{"65 characters", strings.Repeat("a", 65), domain.CodeInvalidRequest},
		{"empty", "", domain.CodeInvalidRequest},
		{"space", "core 1", domain.CodeInvalidRequest},
		{"slash", "core/1", domain.CodeInvalidRequest},
		{"Chinese", "缴费001", domain.CodeInvalidRequest},
		{"trailing newline", "core1\n", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateReference(tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "reference")
			}
		})
	}
}
