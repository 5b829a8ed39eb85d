// Package demo loads the demo data `make run` starts with: a Bortala
// family, a frozen-account holder, a resident-insured person, and four
// institutions of different standing.
package demo

import (
	"context"
	"fmt"

	"gongji/db"
	"gongji/domain"
)

// Staff ids for the demo tokens.
const (
	AdminID    = "admin01"
	ReviewerID = "reviewer01"
)

// Demo persons. Their ID numbers are valid and fixed, so the README's curl
// commands work on every machine.
var (
	// Holder is 张伟, employee-insured in 博乐市 with 5000.00 on his account.
	Holder = domain.ComposeIDNumber("652701", domain.NewDate(1985, 3, 12), 11)
	// Spouse is 李娜, employee-insured in 博乐市.
	Spouse = domain.ComposeIDNumber("652701", domain.NewDate(1987, 8, 23), 22)
	// Child is 张小明, a minor on resident insurance in 博乐市.
	Child = domain.ComposeIDNumber("652701", domain.NewDate(2016, 5, 1), 33)
	// Parent is 张建国, resident-insured in 精河县.
	Parent = domain.ComposeIDNumber("652722", domain.NewDate(1958, 11, 2), 15)
	// FrozenHolder is 王芳, employee-insured in 阿拉山口市 with a frozen account.
	FrozenHolder = domain.ComposeIDNumber("652702", domain.NewDate(1979, 1, 30), 44)
	// Resident is 阿依古丽, resident-insured in 博乐市, bound to nobody.
	Resident = domain.ComposeIDNumber("652701", domain.NewDate(1995, 6, 18), 26)
)

// Demo institutions.
var (
	Hospital        = domain.InstitutionCode("H65270100001")
	Pharmacy        = domain.InstitutionCode("P65270100001")
	Clinic          = domain.InstitutionCode("H65270100002")
	BeijingHospital = domain.InstitutionCode("H11010500001")
)

type person struct {
	id        domain.IDNumber
	name      string
	phone     string
	insutype  domain.Insutype
	admdvs    domain.Admdvs
	balance   string // "" for no personal account
	accStatus domain.AccountStatus
}

var persons = []person{
	{Holder, "张伟", "13899990001", domain.InsutypeEmployee, "652701", "5000.00", domain.AccountNormal},
	{Spouse, "李娜", "13899990002", domain.InsutypeEmployee, "652701", "2000.00", domain.AccountNormal},
	{Child, "张小明", "", domain.InsutypeResident, "652701", "", ""},
	{Parent, "张建国", "13899990003", domain.InsutypeResident, "652722", "", ""},
	{FrozenHolder, "王芳", "13899990004", domain.InsutypeEmployee, "652702", "800.00", domain.AccountFrozen},
	{Resident, "阿依古丽", "13899990005", domain.InsutypeResident, "652701", "", ""},
}

var institutions = []domain.Institution{
	{Code: Hospital, Name: "博尔塔拉州人民医院", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true},
	{Code: Pharmacy, Name: "博乐市康宁大药房", Kind: domain.InstitutionPharmacy, Admdvs: "652701", Designated: true},
	{Code: Clinic, Name: "博乐市青得里诊所(非定点)", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: false},
	{Code: BeijingHospital, Name: "北京市朝阳医院", Kind: domain.InstitutionHospital, Admdvs: "110105", Designated: true},
}

// Seed writes the demo data. It can run again: persons, enrolments and
// institutions are upserted, and an account that is already open is left
// as it is, with whatever has been spent from it.
func Seed(ctx context.Context, s *db.Store) error {
	for _, p := range persons {
		if err := seedPerson(ctx, s, p); err != nil {
			return fmt.Errorf("seed %s: %w", p.name, err)
		}
	}
	for _, inst := range institutions {
		if _, err := s.PutInstitution(ctx, inst); err != nil {
			return fmt.Errorf("seed %s: %w", inst.Name, err)
		}
	}
	return nil
}

func seedPerson(ctx context.Context, s *db.Store, p person) error {
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: p.id, Name: p.name, Phone: p.phone}); err != nil {
		return err
	}
	enrolment := domain.Enrolment{IDNumber: p.id, Insutype: p.insutype, Admdvs: p.admdvs, Status: domain.EnrolmentNormal}
	if _, err := s.PutEnrolment(ctx, enrolment); err != nil {
		return err
	}
	if p.balance == "" {
		return nil
	}
	existing, err := s.Account(ctx, p.id)
	switch domain.ErrorCode(err) {
	case "":
		_, err = s.PutAccount(ctx, p.id, existing.Balance, p.accStatus)
	case domain.CodeAccountNotFound:
		_, err = s.PutAccount(ctx, p.id, domain.MustAmount(p.balance), p.accStatus)
	}
	return err
}
