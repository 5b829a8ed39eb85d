package domain_test

import (
	"testing"

	"gongji/domain"
)

// TestCheckDebit breaks one fact at a time of a debit that may go ahead,
// on the service date 2026-07-10 of a binding valid 2026-03-01 to
// 2026-12-31.
func TestCheckDebit(t *testing.T) {
	on := day(2026, 7, 10)
	valid := func() domain.DebitFacts {
		return domain.DebitFacts{
			Holder: validHolder(), Beneficiary: validBeneficiary(), On: on,
			Binding: domain.Binding{ID: "b1", Holder: holderID, Beneficiary: beneficiaryID, Status: domain.BindingActive,
				ValidFrom: day(2026, 3, 1), Terms: domain.Terms{ValidUntil: day(2026, 12, 31)}},
		}
	}
	tests := []struct {
		name   string
		change func(f *domain.DebitFacts)
		want   domain.Code
	}{
		{"may pay", func(*domain.DebitFacts) {}, ""},
		{"first valid day", func(f *domain.DebitFacts) { f.On = day(2026, 3, 1) }, ""},
		{"last valid day", func(f *domain.DebitFacts) { f.On = day(2026, 12, 31) }, ""},
		{"long-term binding", func(f *domain.DebitFacts) { f.Binding.Terms.ValidUntil = domain.Date{} }, ""},
		{"holder died the day after", func(f *domain.DebitFacts) { f.Holder.Person.DeathDate = day(2026, 7, 11) }, ""},
		{"beneficiary died the day after", func(f *domain.DebitFacts) { f.Beneficiary.Person.DeathDate = day(2026, 7, 11) }, ""},
		{"binding terminated", func(f *domain.DebitFacts) { f.Binding.Status = domain.BindingTerminated }, domain.CodeNoActiveBinding},
		{"binding under review", func(f *domain.DebitFacts) { f.Binding.Status = domain.BindingUnderReview }, domain.CodeNoActiveBinding},
		{"before valid_from", func(f *domain.DebitFacts) { f.On = day(2026, 2, 28) }, domain.CodeNoActiveBinding},
		{"after valid_until", func(f *domain.DebitFacts) { f.On = day(2027, 1, 1) }, domain.CodeNoActiveBinding},
		{"never activated", func(f *domain.DebitFacts) { f.Binding.ValidFrom = domain.Date{} }, domain.CodeNoActiveBinding},
		{"holder died that day", func(f *domain.DebitFacts) { f.Holder.Person.DeathDate = on }, domain.CodeHolderDeceased},
		{"holder died before", func(f *domain.DebitFacts) { f.Holder.Person.DeathDate = day(2026, 7, 1) }, domain.CodeHolderDeceased},
		{"holder moved out of Bortala", func(f *domain.DebitFacts) { f.Holder.Enrolment.Admdvs = "650102" }, domain.CodeHolderNotInPrefecture},
		{"holder now resident-insured", func(f *domain.DebitFacts) { f.Holder.Enrolment.Insutype = domain.InsutypeResident }, domain.CodeHolderNotEmployeeInsured},
		{"holder not enrolled", func(f *domain.DebitFacts) { f.Holder.Enrolment = nil }, domain.CodeHolderNotEmployeeInsured},
		{"holder suspended", func(f *domain.DebitFacts) { f.Holder.Enrolment.Status = domain.EnrolmentSuspended }, domain.CodeHolderInsuranceNotNormal},
		{"holder in arrears", func(f *domain.DebitFacts) { f.Holder.Enrolment.Arrears = true }, domain.CodeHolderInArrears},
		{"holder without account", func(f *domain.DebitFacts) { f.Holder.Account = nil }, domain.CodeHolderNoAccount},
		{"account frozen", func(f *domain.DebitFacts) { f.Holder.Account.Status = domain.AccountFrozen }, domain.CodeHolderAccountFrozen},
		{"beneficiary died that day", func(f *domain.DebitFacts) { f.Beneficiary.Person.DeathDate = on }, domain.CodeBeneficiaryDeceased},
		{"beneficiary out of Xinjiang", func(f *domain.DebitFacts) { f.Beneficiary.Enrolment.Admdvs = "110101" }, domain.CodeBeneficiaryNotInProvince},
		{"beneficiary suspended", func(f *domain.DebitFacts) { f.Beneficiary.Enrolment.Status = domain.EnrolmentSuspended }, domain.CodeBeneficiaryInsuranceAbnormal},
		{"beneficiary not enrolled", func(f *domain.DebitFacts) { f.Beneficiary.Enrolment = nil }, domain.CodeBeneficiaryNotEnrolled},
		// The binding is checked first, then the holder, then the beneficiary.
		{"binding before holder", func(f *domain.DebitFacts) {
			f.Binding.Status = domain.BindingTerminated
			f.Holder.Person.DeathDate = on
		}, domain.CodeNoActiveBinding},
		{"holder before beneficiary", func(f *domain.DebitFacts) {
			f.Holder.Enrolment.Admdvs = "650102"
			f.Beneficiary.Person.DeathDate = on
		}, domain.CodeHolderNotInPrefecture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(&f)
			if got := domain.ErrorCode(domain.CheckDebit(f, domain.DefaultPools)); got != tt.want {
				t.Errorf("CheckDebit = %q, want %q", got, tt.want)
			}
		})
	}
}
