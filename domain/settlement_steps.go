package domain

import "time"

// The messages the settlement sagas hand their activities. Their field
// names are the JSON of recorded workflow histories: rename none.

// FundClaim asks the fund engine for the fund's share of a settlement's
// medical amount.
type FundClaim struct {
	SettlementID string
	Patient      IDNumber
	Insutype     Insutype
	MedicalType  MedicalType
	ServiceDate  Date
	Medical      Amount
	At           time.Time
}

// SettlementStep names a step of a settlement (its binding, for a shared
// account) and when the saga decided it.
type SettlementStep struct {
	SettlementID string
	BindingID    string
	Key          string
	At           time.Time
}

// PayersQuery asks for the bindings that may pay for a patient.
type PayersQuery struct {
	SettlementID string
	Patient      IDNumber
	ServiceDate  Date
	At           time.Time
}

// Payer is a binding chosen to pay, in order.
type Payer struct {
	BindingID string
	Holder    IDNumber
}

// SharedAccountDebit asks for a settlement's share from one binding's
// shared account.
type SharedAccountDebit struct {
	SettlementID string
	BindingID    string
	Patient      IDNumber
	Institution  InstitutionCode
	// Owed is what is still to pay; the debit takes at most this.
	Owed     Amount
	Position int
	At       time.Time
	// Year is the calendar year of the service date, whose limit is used.
	Year int
}

// TopupDue marks a settlement as waiting for the counter.
type TopupDue struct {
	SettlementID string
	Amount       Amount
}

// CardCharge asks the card gateway to capture a top-up.
type CardCharge struct {
	SettlementID string
	Key          string
	Token        string
	Amount       Amount
	At           time.Time
}

// Topup is what the counter collected for a settlement: cash with its
// receipt number, or a card charge with its id.
type Topup struct {
	SettlementID string
	Method       TopupMethod
	Amount       Amount
	ReceiptNo    string
	ChargeID     string
	// Refunded is set once the top-up was paid back.
	Refunded bool
}

// TopupRecord is a top-up collected for a settlement, to book once.
type TopupRecord struct {
	Topup Topup
	At    time.Time
}

// SettlementOutcome is how a settlement ended.
type SettlementOutcome struct {
	ID               string
	Status           SettlementStatus
	FundPay          Amount
	FamilyAccountPay Amount
	TopupPay         Amount
	TopupDue         Amount
	RefusalCode      string
	RefusalMessage   string
	At               time.Time
}

// CancelRecord marks a completed settlement cancelled.
type CancelRecord struct {
	SettlementID string
	Reason       string
	At           time.Time
}
