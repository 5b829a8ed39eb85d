package domain

import (
	"fmt"
	"strconv"
)

// Premium is the resident-insurance (390) individual premium of one year
// (城乡居民医保个人缴费标准): policy data, not code.
type Premium struct {
	Year   int
	Amount Amount
	Note   string
}

// PremiumPaymentStatus is where a premium payment stands.
type PremiumPaymentStatus string

// Premium payment statuses: processing until the saga ends, then completed
// (debited and posted) or reversed (nothing taken, or everything given
// back; the refusal says why).
const (
	PremiumProcessing PremiumPaymentStatus = "processing"
	PremiumCompleted  PremiumPaymentStatus = "completed"
	PremiumReversed   PremiumPaymentStatus = "reversed"
)

// IsFinal reports whether the payment will not change again.
func (s PremiumPaymentStatus) IsFinal() bool { return s == PremiumCompleted || s == PremiumReversed }

// ParsePremiumYear accepts a four-digit year, as a path segment or a
// request field; anything else is INVALID_REQUEST naming the field.
func ParsePremiumYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || len(s) != 4 || s[0] < '1' || s[0] > '9' {
		return 0, Errorf(CodeInvalidRequest, "year must be a four-digit year such as 2027").
			WithDetails(map[string]any{"field": "year"})
	}
	return y, nil
}

// ValidatePremiumYear checks a year given as a JSON number.
func ValidatePremiumYear(y int) error {
	_, err := ParsePremiumYear(strconv.Itoa(y))
	return err
}

// CheckPremiumAmount refuses an amount that is not the year's premium; the
// premium is paid exactly, never in part or with change.
func CheckPremiumAmount(p Premium, amount Amount) error {
	if !amount.Equal(p.Amount.Decimal) {
		return Errorf(CodePremiumAmountMismatch, "the %d premium is %s, not %s", p.Year, p.Amount, amount).
			WithDetails(map[string]any{"expected": p.Amount.String()})
	}
	return nil
}

// CheckPremiumBeneficiary refuses a beneficiary who is not insured under
// resident insurance (390): only they pay a resident premium.
func CheckPremiumBeneficiary(e *Enrolment) error {
	if e == nil || e.Insutype != InsutypeResident {
		return Errorf(CodeBeneficiaryNotResidentInsured, "only a family member insured under resident insurance (390) has a resident premium to pay")
	}
	return nil
}

// CheckPremiumDebit refuses a premium the shared account cannot pay in
// full: the holder's balance must cover it and so must what is left of the
// binding's yearly limit (no limit: the balance is the only bound). A
// premium is never paid in part.
func CheckPremiumDebit(amount, balance Amount, limit *Amount, usedThisYear Amount) error {
	if balance.LessThan(amount.Decimal) {
		return Errorf(CodeInsufficientBalance, "the balance %s does not cover the premium %s", balance, amount).
			WithDetails(map[string]any{"balance": balance.String()})
	}
	if limit != nil {
		left := limit.Sub(usedThisYear)
		if left.IsNegative() {
			left = Zero
		}
		if left.LessThan(amount.Decimal) {
			return Errorf(CodeLimitExceeded, "the binding's yearly limit has %s left, less than the premium %s", left, amount).
				WithDetails(map[string]any{"limit_left": left.String()})
		}
	}
	return nil
}

// Premium payment notices to the holder who paid. (They live here rather
// than in notice.go with the other kinds, beside the rules they report.)
const (
	NoticePremiumPaid     NoticeKind = "premium_paid"
	NoticePremiumReversed NoticeKind = "premium_reversed"
)

// PremiumNoticeText tells the holder, in Chinese and English, that the
// shared account paid a family member's resident premium of a year (how
// much, the balance left), or that the payment did not go through and the
// premium went back to the account (the balance after it).
func PremiumNoticeText(kind NoticeKind, beneficiaryName string, beneficiary IDNumber, year int, amount, balance Amount) NoticeText {
	who := fmt.Sprintf("%s(%s)", beneficiaryName, beneficiary.Masked())
	whoEN := fmt.Sprintf("%s (%s)", beneficiaryName, beneficiary.Masked())
	if kind == NoticePremiumReversed {
		return NoticeText{
			Title:   "代缴居民医保费未成功",
			Body:    fmt.Sprintf("为%s代缴%d年度城乡居民医保个人缴费%s元未成功,款项已全额退回您的个人账户,余额%s元。", who, year, amount, balance),
			TitleEN: "Resident premium not paid",
			BodyEN: fmt.Sprintf("The %d resident-insurance premium of CNY %s for %s was not paid: it went back to your personal account in full. Balance: CNY %s.",
				year, amount, whoEN, balance),
		}
	}
	return NoticeText{
		Title:   "家庭共济代缴居民医保费",
		Body:    fmt.Sprintf("您已使用家庭共济为%s缴纳%d年度城乡居民医保个人缴费%s元,您的个人账户余额%s元。", who, year, amount, balance),
		TitleEN: "Resident premium paid through family mutual aid",
		BodyEN: fmt.Sprintf("You paid the %d resident-insurance premium of CNY %s for %s from your personal account through family mutual aid. Balance: CNY %s.",
			year, amount, whoEN, balance),
	}
}
