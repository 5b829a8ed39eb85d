package domain_test

import (
	"testing"

	"gongji/domain"
)

var patientID = domain.ComposeIDNumber("652701", day(2015, 3, 12), 123)

// validSettlement is an outpatient visit today at a designated hospital in
// 博乐市 for a child insured normally; each case below breaks one rule.
func validSettlement() domain.SettlementCase {
	return domain.SettlementCase{
		Institution: &domain.Institution{Code: "H65270100001", Name: "博乐市人民医院", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true},
		MedicalType: domain.MedicalOutpatient,
		Patient: &domain.Party{
			Person:    domain.Person{IDNumber: patientID, Name: "小明"},
			Enrolment: &domain.Enrolment{IDNumber: patientID, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal},
		},
		ServiceDate: day(2026, 7, 1),
		Today:       day(2026, 7, 1),
	}
}

// outOfProvince moves the institution to 北京市东城区 (110101).
func outOfProvince(c *domain.SettlementCase) {
	c.Institution.Code, c.Institution.Admdvs = "H11010100001", "110101"
}

func filingTo(admdvs domain.Admdvs, from, until domain.Date) domain.Filing {
	return domain.Filing{IDNumber: patientID, FilingNo: "BA2026-0001", AdmdvsTo: admdvs, ValidFrom: from, ValidUntil: until}
}

func TestCheckSettlement(t *testing.T) {
	h1 := day(2026, 1, 1)
	h2 := day(2026, 12, 31)
	tests := []struct {
		name  string
		setup func(c *domain.SettlementCase)
		want  domain.Code
	}{
		{"valid outpatient visit", func(*domain.SettlementCase) {}, ""},
		{"chronic outpatient at a hospital", func(c *domain.SettlementCase) { c.MedicalType = domain.MedicalChronicOutpatient }, ""},
		{"inpatient at a hospital", func(c *domain.SettlementCase) { c.MedicalType = domain.MedicalInpatient }, ""},
		{"pharmacy purchase at a pharmacy", func(c *domain.SettlementCase) {
			c.Institution.Code, c.Institution.Kind, c.MedicalType = "P65270100001", domain.InstitutionPharmacy, domain.MedicalPharmacy
		}, ""},
		{"service date in the past", func(c *domain.SettlementCase) { c.ServiceDate = day(2025, 12, 31) }, ""},
		{"patient in arrears is still insured normally", func(c *domain.SettlementCase) { c.Patient.Enrolment.Arrears = true }, ""},
		{"elsewhere in Xinjiang needs no filing", func(c *domain.SettlementCase) { c.Institution.Admdvs = "650102" }, ""},
		{"death on the service date", func(c *domain.SettlementCase) { c.Patient.Person.DeathDate = c.ServiceDate }, ""},

		{"institution unknown", func(c *domain.SettlementCase) { c.Institution = nil }, domain.CodeInstitutionUnknown},
		{"institution not designated", func(c *domain.SettlementCase) { c.Institution.Designated = false }, domain.CodeInstitutionNotDesignated},
		{"pharmacy care at a hospital", func(c *domain.SettlementCase) { c.MedicalType = domain.MedicalPharmacy }, domain.CodeMedicalTypeNotAtInstitution},
		{"outpatient care at a pharmacy", func(c *domain.SettlementCase) {
			c.Institution.Code, c.Institution.Kind = "P65270100001", domain.InstitutionPharmacy
		}, domain.CodeMedicalTypeNotAtInstitution},
		{"inpatient care at a pharmacy", func(c *domain.SettlementCase) {
			c.Institution.Kind, c.MedicalType = domain.InstitutionPharmacy, domain.MedicalInpatient
		}, domain.CodeMedicalTypeNotAtInstitution},
		{"service date tomorrow", func(c *domain.SettlementCase) { c.ServiceDate = c.Today.AddDays(1) }, domain.CodeServiceDateInFuture},
		{"patient unknown", func(c *domain.SettlementCase) { c.Patient = nil }, domain.CodePatientNotFound},
		{"patient died before the service date", func(c *domain.SettlementCase) {
			c.Patient.Person.DeathDate = c.ServiceDate.AddDays(-1)
		}, domain.CodePatientDeceased},
		{"patient not enrolled", func(c *domain.SettlementCase) { c.Patient.Enrolment = nil }, domain.CodePatientInsuranceNotNormal},
		{"patient suspended", func(c *domain.SettlementCase) { c.Patient.Enrolment.Status = domain.EnrolmentSuspended }, domain.CodePatientInsuranceNotNormal},
		{"patient terminated", func(c *domain.SettlementCase) { c.Patient.Enrolment.Status = domain.EnrolmentTerminated }, domain.CodePatientInsuranceNotNormal},
		{"out of province without a filing", outOfProvince, domain.CodeOutOfProvinceWithoutFiling},
		{"XPCC (66xxxx) is outside the Xinjiang pool", func(c *domain.SettlementCase) { c.Institution.Admdvs = "660101" }, domain.CodeOutOfProvinceWithoutFiling},

		{"filing to the exact division", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110101", h1, h2)}
		}, ""},
		{"filing to the province (110000)", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110000", h1, h2)}
		}, ""},
		{"filing to the prefecture (110100)", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110100", h1, h2)}
		}, ""},
		{"filing to another division of the prefecture", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110102", h1, h2)}
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"filing to another prefecture", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110200", h1, h2)}
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"filing to another province", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("310000", h1, h2)}
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"filing expired the day before", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110101", h1, c.ServiceDate.AddDays(-1))}
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"filing ends on the service date", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110101", h1, c.ServiceDate)}
		}, ""},
		{"filing not yet valid", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110101", c.ServiceDate.AddDays(1), h2)}
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"filing starts on the service date", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("110101", c.ServiceDate, h2)}
		}, ""},
		{"one of several filings covers", func(c *domain.SettlementCase) {
			outOfProvince(c)
			c.Filings = []domain.Filing{filingTo("310000", h1, h2), filingTo("110101", day(2025, 1, 1), day(2025, 12, 31)), filingTo("110100", h1, h2)}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validSettlement()
			tt.setup(&c)
			wantCode(t, domain.CheckSettlement(c, domain.DefaultPools), tt.want)
		})
	}
}

// Each rule is broken in turn on top of all the later ones: the first
// broken rule must be the one reported, in the documented order.
func TestCheckSettlement_FirstBrokenRuleWins(t *testing.T) {
	breaks := []struct {
		code  domain.Code
		setup func(c *domain.SettlementCase)
	}{
		{domain.CodeInstitutionUnknown, func(c *domain.SettlementCase) { c.Institution = nil }},
		{domain.CodeInstitutionNotDesignated, func(c *domain.SettlementCase) { c.Institution.Designated = false }},
		{domain.CodeMedicalTypeNotAtInstitution, func(c *domain.SettlementCase) { c.MedicalType = domain.MedicalPharmacy }},
		{domain.CodeServiceDateInFuture, func(c *domain.SettlementCase) { c.ServiceDate = c.Today.AddDays(1) }},
		{domain.CodePatientNotFound, func(c *domain.SettlementCase) { c.Patient = nil }},
		{domain.CodePatientDeceased, func(c *domain.SettlementCase) { c.Patient.Person.DeathDate = day(2000, 1, 1) }},
		{domain.CodePatientInsuranceNotNormal, func(c *domain.SettlementCase) { c.Patient.Enrolment.Status = domain.EnrolmentSuspended }},
		{domain.CodeOutOfProvinceWithoutFiling, outOfProvince},
	}
	for i := range breaks {
		t.Run(string(breaks[i].code), func(t *testing.T) {
			c := validSettlement()
			// Break the later rules first (so that a nil institution or
			// patient set by an earlier rule is not dereferenced), then
			// rule i.
			for j := len(breaks) - 1; j > i; j-- {
				breaks[j].setup(&c)
			}
			breaks[i].setup(&c)
			wantCode(t, domain.CheckSettlement(c, domain.DefaultPools), breaks[i].code)
		})
	}
}

func TestCheckSettlement_ProvinceIsPolicyData(t *testing.T) {
	c := validSettlement()
	outOfProvince(&c)
	pools := domain.Pools{Province: []string{"65", "11"}, Prefecture: []string{"6527"}}
	wantCode(t, domain.CheckSettlement(c, pools), "")
	wantCode(t, domain.CheckSettlement(c, domain.DefaultPools), domain.CodeOutOfProvinceWithoutFiling)
}

// The settlement codes are part of the API contract: this pins every value.
func TestSettlementErrorCodes_ArePinned(t *testing.T) {
	pinned := map[domain.Code]string{
		domain.CodeSettlementNotFound:          "SETTLEMENT_NOT_FOUND",
		domain.CodeSettlementConflict:          "SETTLEMENT_CONFLICT",
		domain.CodeSettlementWrongState:        "SETTLEMENT_WRONG_STATE",
		domain.CodeTopupAmountMismatch:         "TOPUP_AMOUNT_MISMATCH",
		domain.CodeTopupWindowClosed:           "TOPUP_WINDOW_CLOSED",
		domain.CodeCardDeclined:                "CARD_DECLINED",
		domain.CodeCardUnavailable:             "CARD_GATEWAY_UNAVAILABLE",
		domain.CodeInstitutionUnknown:          "INSTITUTION_UNKNOWN",
		domain.CodeInstitutionNotDesignated:    "INSTITUTION_NOT_DESIGNATED",
		domain.CodeMedicalTypeNotAtInstitution: "MEDICAL_TYPE_NOT_AT_INSTITUTION",
		domain.CodePatientNotFound:             "PATIENT_NOT_FOUND",
		domain.CodePatientInsuranceNotNormal:   "PATIENT_INSURANCE_NOT_NORMAL",
		domain.CodePatientDeceased:             "PATIENT_DECEASED",
		domain.CodeOutOfProvinceWithoutFiling:  "OUT_OF_PROVINCE_WITHOUT_FILING",
		domain.CodeNoActiveBinding:             "NO_ACTIVE_BINDING",
		domain.CodeServiceDateInFuture:         "SERVICE_DATE_IN_FUTURE",
		domain.CodeNoFundPolicy:                "NO_FUND_POLICY",
		domain.CodeTopupTimeout:                "TOPUP_TIMEOUT",
	}
	for code, want := range pinned {
		if string(code) != want {
			t.Errorf("code %q, want %q", code, want)
		}
	}
}
