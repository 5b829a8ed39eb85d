package domain

import "regexp"

// AccountStatus is whether a personal account may be spent from.
type AccountStatus string

// Account statuses.
const (
	AccountNormal AccountStatus = "normal"
	AccountFrozen AccountStatus = "frozen"
)

// ParseAccountStatus accepts normal and frozen.
func ParseAccountStatus(s string) (AccountStatus, error) {
	switch st := AccountStatus(s); st {
	case AccountNormal, AccountFrozen:
		return st, nil
	}
	return "", EnumError("status", s, "normal", "frozen")
}

// Account is an employee's personal account (个人账户). Balance is a cache of
// OpeningBalance plus the sum of the account's ledger entries.
type Account struct {
	IDNumber       IDNumber
	OpeningBalance Amount
	Balance        Amount
	Status         AccountStatus
}

// EntryKind says why money moved on an account.
type EntryKind string

// Ledger entry kinds. Sync may post contributions and adjustments; the
// others come from settlements and premium payments.
const (
	EntryContribution     EntryKind = "contribution"
	EntryAdjustment       EntryKind = "adjustment"
	EntrySettlementDebit  EntryKind = "settlement_debit"
	EntrySettlementRefund EntryKind = "settlement_refund"
	EntryPremiumDebit     EntryKind = "premium_debit"
	EntryPremiumRefund    EntryKind = "premium_refund"
)

// ParseSyncEntryKind accepts the kinds the core-system sync may post.
func ParseSyncEntryKind(s string) (EntryKind, error) {
	switch k := EntryKind(s); k {
	case EntryContribution, EntryAdjustment:
		return k, nil
	}
	return "", EnumError("kind", s, "contribution", "adjustment")
}

// ValidateSyncEntry checks a sync posting: only a contribution or an
// adjustment; a contribution adds money, an adjustment may add or remove it,
// and neither is zero.
func ValidateSyncEntry(kind EntryKind, amount Amount) error {
	if _, err := ParseSyncEntryKind(string(kind)); err != nil {
		return err
	}
	if amount.IsZero() {
		return Errorf(CodeInvalidAmount, "an entry amount cannot be zero")
	}
	if kind == EntryContribution && amount.IsNegative() {
		return Errorf(CodeInvalidAmount, "a contribution must be positive; use an adjustment to take money off")
	}
	return nil
}

// ValidateReference checks a sync reference: 1 to 64 letters, digits,
// dashes, dots, colons or underscores.
func ValidateReference(ref string) error {
	if !referencePattern.MatchString(ref) {
		return Errorf(CodeInvalidRequest, "reference must be 1 to 64 letters, digits or -._:").
			WithDetails(map[string]any{"field": "reference"})
	}
	return nil
}

var referencePattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)
