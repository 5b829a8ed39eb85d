package domain_test

import (
	"errors"
	"testing"

	"gongji/domain"
)

var (
	holderID      = domain.ComposeIDNumber("652701", day(1985, 3, 14), 211)
	beneficiaryID = domain.ComposeIDNumber("652701", day(2016, 9, 2), 402)
)

// validHolder is an employee insured normally in 博乐市 with a normal
// personal account; each case below breaks one rule.
func validHolder() domain.Party {
	return domain.Party{
		Person:    domain.Person{IDNumber: holderID, Name: "阿依古丽"},
		Enrolment: &domain.Enrolment{IDNumber: holderID, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentNormal},
		Account:   &domain.Account{IDNumber: holderID, OpeningBalance: domain.MustAmount("800.00"), Balance: domain.MustAmount("800.00"), Status: domain.AccountNormal},
	}
}

// validBeneficiary is a child insured normally under resident insurance
// in 博乐市, without a personal account.
func validBeneficiary() domain.Party {
	return domain.Party{
		Person:    domain.Person{IDNumber: beneficiaryID, Name: "小明"},
		Enrolment: &domain.Enrolment{IDNumber: beneficiaryID, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal},
	}
}

func TestCheckHolder(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *domain.Party)
		want   domain.Code
	}{
		// In the order the rules are checked.
		{"deceased", func(p *domain.Party) { p.Person.DeathDate = day(2026, 1, 5) }, domain.CodeHolderDeceased},
		{"no enrolment", func(p *domain.Party) { p.Enrolment = nil }, domain.CodeHolderNotEmployeeInsured},
		{"resident insured (390)", func(p *domain.Party) { p.Enrolment.Insutype = domain.InsutypeResident }, domain.CodeHolderNotEmployeeInsured},
		{"unknown insutype", func(p *domain.Party) { p.Enrolment.Insutype = "320" }, domain.CodeHolderNotEmployeeInsured},
		{"insured in Urumqi (650102)", func(p *domain.Party) { p.Enrolment.Admdvs = "650102" }, domain.CodeHolderNotInPrefecture},
		{"insured in Ili (652800)", func(p *domain.Party) { p.Enrolment.Admdvs = "652800" }, domain.CodeHolderNotInPrefecture},
		{"insured in the XPCC (660100)", func(p *domain.Party) { p.Enrolment.Admdvs = "660100" }, domain.CodeHolderNotInPrefecture},
		{"insured in Beijing (110105)", func(p *domain.Party) { p.Enrolment.Admdvs = "110105" }, domain.CodeHolderNotInPrefecture},
		{"suspended", func(p *domain.Party) { p.Enrolment.Status = domain.EnrolmentSuspended }, domain.CodeHolderInsuranceNotNormal},
		{"terminated", func(p *domain.Party) { p.Enrolment.Status = domain.EnrolmentTerminated }, domain.CodeHolderInsuranceNotNormal},
		{"in arrears", func(p *domain.Party) { p.Enrolment.Arrears = true }, domain.CodeHolderInArrears},
		{"no account", func(p *domain.Party) { p.Account = nil }, domain.CodeHolderNoAccount},
		{"account frozen", func(p *domain.Party) { p.Account.Status = domain.AccountFrozen }, domain.CodeHolderAccountFrozen},

		{"passing holder in 博乐市", func(*domain.Party) {}, ""},
		{"passing holder in 阿拉山口市 (652702)", func(p *domain.Party) { p.Enrolment.Admdvs = "652702" }, ""},
		{"passing holder in 精河县 (652722)", func(p *domain.Party) { p.Enrolment.Admdvs = "652722" }, ""},
		{"passing holder in 温泉县 (652723)", func(p *domain.Party) { p.Enrolment.Admdvs = "652723" }, ""},
		{"an empty account may still be shared", func(p *domain.Party) { p.Account.Balance = domain.Zero }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validHolder()
			tt.change(&p)
			wantCode(t, domain.CheckHolder(p, domain.DefaultPools), tt.want)
		})
	}
}

// When several rules are broken, the first one checked is reported: each
// case breaks its own rule and every rule checked after it.
func TestCheckHolder_FirstBrokenRuleWins(t *testing.T) {
	breakFrom := func(step int) domain.Party {
		p := validHolder()
		rules := []func(){
			func() { p.Person.DeathDate = day(2026, 1, 5) },
			func() { p.Enrolment.Insutype = domain.InsutypeResident },
			func() { p.Enrolment.Admdvs = "650102" },
			func() { p.Enrolment.Status = domain.EnrolmentSuspended },
			func() { p.Enrolment.Arrears = true },
			func() { p.Account.Status = domain.AccountFrozen },
		}
		for _, r := range rules[step:] {
			r()
		}
		return p
	}
	tests := []struct {
		name string
		step int
		want domain.Code
	}{
		{"deceased before everything", 0, domain.CodeHolderDeceased},
		{"insutype before division", 1, domain.CodeHolderNotEmployeeInsured},
		{"division before status", 2, domain.CodeHolderNotInPrefecture},
		{"status before arrears", 3, domain.CodeHolderInsuranceNotNormal},
		{"arrears before frozen", 4, domain.CodeHolderInArrears},
		{"frozen alone", 5, domain.CodeHolderAccountFrozen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, domain.CheckHolder(breakFrom(tt.step), domain.DefaultPools), tt.want)
		})
	}
	t.Run("no enrolment before no account", func(t *testing.T) {
		p := validHolder()
		p.Enrolment, p.Account = nil, nil
		wantCode(t, domain.CheckHolder(p, domain.DefaultPools), domain.CodeHolderNotEmployeeInsured)
	})
	t.Run("arrears before no account", func(t *testing.T) {
		p := validHolder()
		p.Enrolment.Arrears, p.Account = true, nil
		wantCode(t, domain.CheckHolder(p, domain.DefaultPools), domain.CodeHolderInArrears)
	})
}

// The prefecture is policy data: other pools change the answer without a
// change of code.
func TestCheckHolder_PrefectureIsPolicyData(t *testing.T) {
	ili := domain.Pools{Province: []string{"65"}, Prefecture: []string{"6528"}}
	tests := []struct {
		name   string
		admdvs domain.Admdvs
		pools  domain.Pools
		want   domain.Code
	}{
		{"652800 under default pools", "652800", domain.DefaultPools, domain.CodeHolderNotInPrefecture},
		{"652800 under an Ili pool", "652800", ili, ""},
		{"652701 under an Ili pool", "652701", ili, domain.CodeHolderNotInPrefecture},
		{"no prefecture listed", "652701", domain.Pools{Province: []string{"65"}}, domain.CodeHolderNotInPrefecture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validHolder()
			p.Enrolment.Admdvs = tt.admdvs
			wantCode(t, domain.CheckHolder(p, tt.pools), tt.want)
		})
	}
}

func TestCheckBeneficiary(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *domain.Party)
		want   domain.Code
	}{
		// In the order the rules are checked.
		{"self-binding", func(p *domain.Party) {
			p.Person.IDNumber, p.Enrolment.IDNumber = holderID, holderID
		}, domain.CodeSelfBinding},
		{"self-binding wins over every other defect", func(p *domain.Party) {
			p.Person.IDNumber, p.Person.DeathDate, p.Enrolment = holderID, day(2026, 1, 1), nil
		}, domain.CodeSelfBinding},
		{"deceased", func(p *domain.Party) { p.Person.DeathDate = day(2026, 2, 1) }, domain.CodeBeneficiaryDeceased},
		{"deceased and not enrolled", func(p *domain.Party) {
			p.Person.DeathDate, p.Enrolment = day(2026, 2, 1), nil
		}, domain.CodeBeneficiaryDeceased},
		{"not enrolled", func(p *domain.Party) { p.Enrolment = nil }, domain.CodeBeneficiaryNotEnrolled},
		{"insutype 320 (supplementary) refused", func(p *domain.Party) { p.Enrolment.Insutype = "320" }, domain.CodeBeneficiaryInsutype},
		{"insutype 320 before division", func(p *domain.Party) {
			p.Enrolment.Insutype, p.Enrolment.Admdvs = "320", "110105"
		}, domain.CodeBeneficiaryInsutype},
		{"employee insured (310) allowed", func(p *domain.Party) { p.Enrolment.Insutype = domain.InsutypeEmployee }, ""},
		{"resident insured (390) allowed", func(p *domain.Party) { p.Enrolment.Insutype = domain.InsutypeResident }, ""},
		{"outside Xinjiang (110105)", func(p *domain.Party) { p.Enrolment.Admdvs = "110105" }, domain.CodeBeneficiaryNotInProvince},
		{"XPCC is a separate pool (660100)", func(p *domain.Party) { p.Enrolment.Admdvs = "660100" }, domain.CodeBeneficiaryNotInProvince},
		{"division before status", func(p *domain.Party) {
			p.Enrolment.Admdvs, p.Enrolment.Status = "660100", domain.EnrolmentTerminated
		}, domain.CodeBeneficiaryNotInProvince},
		{"suspended", func(p *domain.Party) { p.Enrolment.Status = domain.EnrolmentSuspended }, domain.CodeBeneficiaryInsuranceAbnormal},
		{"terminated", func(p *domain.Party) { p.Enrolment.Status = domain.EnrolmentTerminated }, domain.CodeBeneficiaryInsuranceAbnormal},

		{"passing minor in 博乐市", func(*domain.Party) {}, ""},
		{"insured elsewhere in Xinjiang (650102) passes", func(p *domain.Party) { p.Enrolment.Admdvs = "650102" }, ""},
		{"insured in Ili (652800) passes", func(p *domain.Party) { p.Enrolment.Admdvs = "652800" }, ""},
		{"a beneficiary needs no personal account", func(p *domain.Party) { p.Account = nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validBeneficiary()
			tt.change(&p)
			wantCode(t, domain.CheckBeneficiary(holderID, p, domain.DefaultPools), tt.want)
		})
	}
}

func TestCheckRelation(t *testing.T) {
	versions := []domain.RelationPolicy{policy2021, policy2024}
	tests := []struct {
		name     string
		versions []domain.RelationPolicy
		r        domain.Relation
		on       domain.Date
		want     domain.Code
	}{
		{"child allowed", versions, domain.RelationChild, day(2022, 6, 1), ""},
		{"spouse allowed", versions, domain.RelationSpouse, day(2022, 6, 1), ""},
		{"parent allowed", versions, domain.RelationParent, day(2022, 6, 1), ""},
		{"sibling not allowed before the widening", versions, domain.RelationSibling, day(2023, 12, 31), domain.CodeRelationNotInForce},
		{"grandparent not allowed before the widening", versions, domain.RelationGrandparent, day(2022, 6, 1), domain.CodeRelationNotInForce},
		{"no policy in force yet", versions, domain.RelationChild, day(2021, 4, 21), domain.CodeRelationNotInForce},
		{"first version's effective day", versions, domain.RelationChild, day(2021, 4, 22), ""},
		{"widened version allows sibling", versions, domain.RelationSibling, day(2024, 1, 1), ""},
		{"widened version allows grandchild", versions, domain.RelationGrandchild, day(2026, 5, 1), ""},
		{"widened version still allows child", versions, domain.RelationChild, day(2026, 5, 1), ""},
		{"unknown relation", versions, "cousin", day(2026, 5, 1), domain.CodeRelationNotInForce},
		{"no versions at all", nil, domain.RelationChild, day(2026, 5, 1), domain.CodeRelationNotInForce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckRelation(tt.r, tt.versions, tt.on)
			wantCode(t, err, tt.want)
			if err != nil {
				var e *domain.Error
				if !errors.As(err, &e) || e.Details["relation"] != string(tt.r) {
					t.Errorf("error %v: want details naming relation %q", err, tt.r)
				}
			}
		})
	}
}
