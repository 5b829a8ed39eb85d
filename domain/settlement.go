package domain

import (
	"regexp"
	"unicode/utf8"
)

// MedicalType is the kind of care settled (医疗类别).
type MedicalType string

// Medical types, with their national med_type codes in MedTypeCode.
const (
	MedicalOutpatient        MedicalType = "outpatient"
	MedicalChronicOutpatient MedicalType = "chronic_outpatient"
	MedicalPharmacy          MedicalType = "pharmacy"
	MedicalInpatient         MedicalType = "inpatient"
)

// medTypeCodes maps each medical type to the national med_type code.
var medTypeCodes = map[MedicalType]string{
	MedicalOutpatient: "11", MedicalChronicOutpatient: "14", MedicalPharmacy: "41", MedicalInpatient: "21",
}

// ParseMedicalType accepts outpatient, chronic_outpatient, pharmacy and
// inpatient.
func ParseMedicalType(s string) (MedicalType, error) {
	if _, ok := medTypeCodes[MedicalType(s)]; ok {
		return MedicalType(s), nil
	}
	return "", EnumError("medical_type", s, "outpatient", "chronic_outpatient", "pharmacy", "inpatient")
}

// MedTypeCode returns the national med_type code (11, 14, 41, 21).
func (m MedicalType) MedTypeCode() string { return medTypeCodes[m] }

// FitsInstitution reports whether the care can be settled at an
// institution of the kind: pharmacy purchases at pharmacies, the rest at
// hospitals.
func (m MedicalType) FitsInstitution(k InstitutionKind) bool {
	return (m == MedicalPharmacy) == (k == InstitutionPharmacy)
}

// CertType is the certificate the patient presented (mdtrt_cert_type).
type CertType string

// Certificates.
const (
	CertEVoucher CertType = "e_voucher"
	CertIDCard   CertType = "id_card"
	CertSSCard   CertType = "ss_card"
)

// ParseCertType accepts e_voucher, id_card and ss_card.
func ParseCertType(s string) (CertType, error) {
	switch c := CertType(s); c {
	case CertEVoucher, CertIDCard, CertSSCard:
		return c, nil
	}
	return "", EnumError("cert_type", s, "e_voucher", "id_card", "ss_card")
}

// ItemCategory is what a bill item is.
type ItemCategory string

// Item categories. Non-medical items are never paid by the fund or the
// shared account.
const (
	ItemDrug       ItemCategory = "drug"
	ItemDevice     ItemCategory = "device"
	ItemConsumable ItemCategory = "consumable"
	ItemService    ItemCategory = "service"
	ItemNonMedical ItemCategory = "non_medical"
)

// ParseItemCategory accepts the five categories.
func ParseItemCategory(s string) (ItemCategory, error) {
	switch c := ItemCategory(s); c {
	case ItemDrug, ItemDevice, ItemConsumable, ItemService, ItemNonMedical:
		return c, nil
	}
	return "", EnumError("category", s, "drug", "device", "consumable", "service", "non_medical")
}

// Item is one line of a bill.
type Item struct {
	Code     string       `json:"code"`
	Name     string       `json:"name"`
	Category ItemCategory `json:"category"`
	Amount   Amount       `json:"amount"`
}

// MaxBillItems bounds a bill.
const MaxBillItems = 200

var itemCodePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,40}$`)

// ValidateItems checks a bill: 1 to 200 items, each with a code, a name
// and a positive amount.
func ValidateItems(items []Item) error {
	if len(items) == 0 || len(items) > MaxBillItems {
		return Errorf(CodeInvalidRequest, "a bill has 1 to %d items", MaxBillItems).WithDetails(map[string]any{"field": "items"})
	}
	for i, it := range items {
		switch {
		case !itemCodePattern.MatchString(it.Code):
			return Errorf(CodeInvalidRequest, "items[%d].code must be 1 to 40 letters, digits or ._-", i).WithDetails(map[string]any{"field": "items.code"})
		case it.Name == "" || utf8.RuneCountInString(it.Name) > 100:
			return Errorf(CodeInvalidRequest, "items[%d].name must be 1 to 100 characters", i).WithDetails(map[string]any{"field": "items.name"})
		case !it.Amount.IsPositive():
			return Errorf(CodeInvalidAmount, "items[%d].amount must be more than zero", i).WithDetails(map[string]any{"field": "items.amount"})
		}
	}
	return nil
}

// BillTotals splits a bill into its total, the medical part the fund and
// the shared account may pay, and the non-medical part paid in cash.
func BillTotals(items []Item) (total, medical, nonMedical Amount) {
	total, medical, nonMedical = Zero, Zero, Zero
	for _, it := range items {
		total = total.Add(it.Amount)
		if it.Category == ItemNonMedical {
			nonMedical = nonMedical.Add(it.Amount)
		} else {
			medical = medical.Add(it.Amount)
		}
	}
	return total, medical, nonMedical
}

// TopupMethod is how the shortfall is paid at the counter.
type TopupMethod string

// Top-up methods.
const (
	TopupCash     TopupMethod = "cash"
	TopupBankCard TopupMethod = "bank_card"
)

// ParseTopupMethod accepts cash and bank_card.
func ParseTopupMethod(s string) (TopupMethod, error) {
	switch m := TopupMethod(s); m {
	case TopupCash, TopupBankCard:
		return m, nil
	}
	return "", EnumError("method", s, "cash", "bank_card")
}

var visitNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ValidateVisitNo checks an institution's visit number: 1 to 32 letters,
// digits, dashes or underscores.
func ValidateVisitNo(s string) error {
	if !visitNoPattern.MatchString(s) {
		return Errorf(CodeInvalidRequest, "visit_no must be 1 to 32 letters, digits, - or _").WithDetails(map[string]any{"field": "visit_no"})
	}
	return nil
}

// ValidateCardToken checks a bank-card token from the counter's terminal:
// 1 to 128 letters, digits or -._: (a gateway's token, never a card
// number's free text; it is stored with the charge).
func ValidateCardToken(token string) error {
	if !cardTokenPattern.MatchString(token) {
		return Errorf(CodeInvalidRequest, "card_token must be 1 to 128 letters, digits or -._:").WithDetails(map[string]any{"field": "card_token"})
	}
	return nil
}

var cardTokenPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// SettlementStatus is where a settlement stands.
type SettlementStatus string

// Settlement statuses.
const (
	SettlementProcessing    SettlementStatus = "processing"
	SettlementAwaitingTopup SettlementStatus = "awaiting_topup"
	SettlementCompleted     SettlementStatus = "completed"
	SettlementFailed        SettlementStatus = "failed"
	SettlementReversed      SettlementStatus = "reversed"
	SettlementCancelled     SettlementStatus = "cancelled"
)

// IsFinal reports whether the settlement will not change again except by
// a cancellation of a completed one.
func (s SettlementStatus) IsFinal() bool {
	return s == SettlementCompleted || s == SettlementFailed || s == SettlementReversed || s == SettlementCancelled
}

// DebitLimit is how much one binding may pay now: the least of what is
// still owed, the holder's balance and what is left of the yearly limit
// (no limit: the balance is the only bound). Never negative.
func DebitLimit(owed, balance Amount, limit *Amount, usedThisYear Amount) Amount {
	take := owed.Min(balance)
	if limit != nil {
		take = take.Min(limit.Sub(usedThisYear))
	}
	if take.IsNegative() {
		return Zero
	}
	return take
}
