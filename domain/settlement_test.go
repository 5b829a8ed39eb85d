package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestParseMedicalType(t *testing.T) {
	tests := []struct {
		in   string
		want domain.MedicalType
		code domain.Code
	}{
		{"outpatient", domain.MedicalOutpatient, ""},
		{"chronic_outpatient", domain.MedicalChronicOutpatient, ""},
		{"pharmacy", domain.MedicalPharmacy, ""},
		{"inpatient", domain.MedicalInpatient, ""},
		{"", "", domain.CodeInvalidEnumValue},
		{"Outpatient", "", domain.CodeInvalidEnumValue},
		{"11", "", domain.CodeInvalidEnumValue},
		{"emergency", "", domain.CodeInvalidEnumValue},
		{" outpatient", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseMedicalType(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseMedicalType(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "medical_type")
			}
		})
	}
}

func TestParseCertType(t *testing.T) {
	tests := []struct {
		in   string
		want domain.CertType
		code domain.Code
	}{
		{"e_voucher", domain.CertEVoucher, ""},
		{"id_card", domain.CertIDCard, ""},
		{"ss_card", domain.CertSSCard, ""},
		{"", "", domain.CodeInvalidEnumValue},
		{"ID_CARD", "", domain.CodeInvalidEnumValue},
		{"passport", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseCertType(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseCertType(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "cert_type")
			}
		})
	}
}

func TestParseItemCategory(t *testing.T) {
	tests := []struct {
		in   string
		want domain.ItemCategory
		code domain.Code
	}{
		{"drug", domain.ItemDrug, ""},
		{"device", domain.ItemDevice, ""},
		{"consumable", domain.ItemConsumable, ""},
		{"service", domain.ItemService, ""},
		{"non_medical", domain.ItemNonMedical, ""},
		{"", "", domain.CodeInvalidEnumValue},
		{"Drug", "", domain.CodeInvalidEnumValue},
		{"non-medical", "", domain.CodeInvalidEnumValue},
		{"cash_withdrawal", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseItemCategory(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseItemCategory(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "category")
			}
		})
	}
}

func TestParseTopupMethod(t *testing.T) {
	tests := []struct {
		in   string
		want domain.TopupMethod
		code domain.Code
	}{
		{"cash", domain.TopupCash, ""},
		{"bank_card", domain.TopupBankCard, ""},
		{"", "", domain.CodeInvalidEnumValue},
		{"Cash", "", domain.CodeInvalidEnumValue},
		{"card", "", domain.CodeInvalidEnumValue},
		{"wechat", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseTopupMethod(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseTopupMethod(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "method")
			}
		})
	}
}

func item(code, name string, category domain.ItemCategory, amount string) domain.Item {
	return domain.Item{Code: code, Name: name, Category: category, Amount: domain.MustAmount(amount)}
}

func TestValidateItems(t *testing.T) {
	good := item("XA01AAA001", "阿莫西林胶囊", domain.ItemDrug, "36.50")
	many := func(n int) []domain.Item {
		out := make([]domain.Item, n)
		for i := range out {
			out[i] = good
		}
		return out
	}
	with := func(f func(*domain.Item)) []domain.Item {
		it := good
		f(&it)
		return []domain.Item{good, it}
	}
	tests := []struct {
		name  string
		items []domain.Item
		code  domain.Code
		field string
	}{
		{"one item", many(1), "", ""},
		{"200 items", many(domain.MaxBillItems), "", ""},
		{"every category", []domain.Item{
			item("D1", "药", domain.ItemDrug, "1"), item("D2", "器械", domain.ItemDevice, "1"),
			item("C1", "耗材", domain.ItemConsumable, "1"), item("S1", "诊查费", domain.ItemService, "1"),
			item("N1", "购物袋", domain.ItemNonMedical, "0.01"),
		}, "", ""},
		{"code with dot dash underscore", with(func(it *domain.Item) { it.Code = "a.B-c_9" }), "", ""},
		{"40-character code", with(func(it *domain.Item) { it.Code = strings.Repeat("A", 40) }), "", ""},
		{"100-character name", with(func(it *domain.Item) { it.Name = strings.Repeat("药", 100) }), "", ""},
		{"smallest amount", with(func(it *domain.Item) { it.Amount = domain.MustAmount("0.01") }), "", ""},

		{"no items", nil, domain.CodeInvalidRequest, "items"},
		{"empty list", []domain.Item{}, domain.CodeInvalidRequest, "items"},
		{"201 items", many(domain.MaxBillItems + 1), domain.CodeInvalidRequest, "items"},
		{"empty code", with(func(it *domain.Item) { it.Code = "" }), domain.CodeInvalidRequest, "items.code"},
		{"41-character code", with(func(it *domain.Item) { it.Code = strings.Repeat("A", 41) }), domain.CodeInvalidRequest, "items.code"},
		{"code with a space", with(func(it *domain.Item) { it.Code = "XA 01" }), domain.CodeInvalidRequest, "items.code"},
		{"code with Chinese", with(func(it *domain.Item) { it.Code = "药01" }), domain.CodeInvalidRequest, "items.code"},
		{"code with a slash", with(func(it *domain.Item) { it.Code = "XA/01" }), domain.CodeInvalidRequest, "items.code"},
		{"empty name", with(func(it *domain.Item) { it.Name = "" }), domain.CodeInvalidRequest, "items.name"},
		{"101-character name", with(func(it *domain.Item) { it.Name = strings.Repeat("药", 101) }), domain.CodeInvalidRequest, "items.name"},
		{"zero amount", with(func(it *domain.Item) { it.Amount = domain.Zero }), domain.CodeInvalidAmount, "items.amount"},
		{"negative amount", with(func(it *domain.Item) { it.Amount = domain.MustAmount("-1.00") }), domain.CodeInvalidAmount, "items.amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateItems(tt.items)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, tt.field)
			}
		})
	}
}

func TestValidateItems_NamesTheFirstBadItem(t *testing.T) {
	items := []domain.Item{
		item("A1", "甲", domain.ItemDrug, "1.00"),
		item("A2", "", domain.ItemDrug, "1.00"),
		item("", "丙", domain.ItemDrug, "1.00"),
	}
	err := domain.ValidateItems(items)
	wantDetailsField(t, err, "items.name")
	if !strings.Contains(err.Error(), "items[1]") {
		t.Errorf("error %q does not name items[1]", err)
	}
}

func TestBillTotals(t *testing.T) {
	tests := []struct {
		name                       string
		items                      []domain.Item
		total, medical, nonMedical string
	}{
		{"no items", nil, "0.00", "0.00", "0.00"},
		{"medical only", []domain.Item{
			item("D1", "药", domain.ItemDrug, "36.50"),
			item("S1", "诊查费", domain.ItemService, "10.00"),
		}, "46.50", "46.50", "0.00"},
		{"every medical category counts", []domain.Item{
			item("D1", "药", domain.ItemDrug, "0.01"), item("D2", "器械", domain.ItemDevice, "0.02"),
			item("C1", "耗材", domain.ItemConsumable, "0.03"), item("S1", "诊查费", domain.ItemService, "0.04"),
		}, "0.10", "0.10", "0.00"},
		{"non-medical only", []domain.Item{
			item("N1", "购物袋", domain.ItemNonMedical, "0.50"),
			item("N2", "陪护床", domain.ItemNonMedical, "30.00"),
		}, "30.50", "0.00", "30.50"},
		{"mixed", []domain.Item{
			item("D1", "药", domain.ItemDrug, "36.50"),
			item("N1", "购物袋", domain.ItemNonMedical, "0.50"),
			item("S1", "诊查费", domain.ItemService, "10.00"),
		}, "47.00", "46.50", "0.50"},
		{"decimals add up exactly", []domain.Item{
			item("D1", "药", domain.ItemDrug, "0.10"),
			item("D2", "药", domain.ItemDrug, "0.20"),
		}, "0.30", "0.30", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, medical, nonMedical := domain.BillTotals(tt.items)
			if total.String() != tt.total || medical.String() != tt.medical || nonMedical.String() != tt.nonMedical {
				t.Errorf("BillTotals = (%s, %s, %s), want (%s, %s, %s)", total, medical, nonMedical, tt.total, tt.medical, tt.nonMedical)
			}
			if !total.Equal(medical.Add(nonMedical).Decimal) {
				t.Errorf("total %s != medical %s + non-medical %s", total, medical, nonMedical)
			}
		})
	}
}

func TestValidateVisitNo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"letters digits dash underscore", "MZ2026-07_01", ""},
		{"one character", "1", ""},
		{"32 characters", strings.Repeat("a", 32), ""},
		{"empty", "", domain.CodeInvalidRequest},
		{"33 characters", strings.Repeat("a", 33), domain.CodeInvalidRequest},
		{"colon (would change the workflow id)", "MZ:1", domain.CodeInvalidRequest},
		{"dot", "MZ.1", domain.CodeInvalidRequest},
		{"space", "MZ 1", domain.CodeInvalidRequest},
		{"slash", "MZ/1", domain.CodeInvalidRequest},
		{"Chinese", "门诊1", domain.CodeInvalidRequest},
		{"trailing newline", "MZ1\n", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateVisitNo(tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "visit_no")
			}
		})
	}
}

func TestSettlementStatus_IsFinal(t *testing.T) {
	tests := []struct {
		status domain.SettlementStatus
		final  bool
	}{
		{domain.SettlementProcessing, false},
		{domain.SettlementAwaitingTopup, false},
		{domain.SettlementCompleted, true},
		{domain.SettlementFailed, true},
		{domain.SettlementReversed, true},
		{domain.SettlementCancelled, true},
		{"", false},
		{"unknown", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			if got := tt.status.IsFinal(); got != tt.final {
				t.Errorf("%q.IsFinal() = %v, want %v", tt.status, got, tt.final)
			}
		})
	}
}

func TestSettlementStatus_ValuesArePinned(t *testing.T) {
	pinned := map[domain.SettlementStatus]string{
		domain.SettlementProcessing:    "processing",
		domain.SettlementAwaitingTopup: "awaiting_topup",
		domain.SettlementCompleted:     "completed",
		domain.SettlementFailed:        "failed",
		domain.SettlementReversed:      "reversed",
		domain.SettlementCancelled:     "cancelled",
	}
	for s, want := range pinned {
		if string(s) != want {
			t.Errorf("status %q, want %q", s, want)
		}
	}
}

func TestDebitLimit(t *testing.T) {
	limit := func(s string) *domain.Amount {
		a := domain.MustAmount(s)
		return &a
	}
	tests := []struct {
		name          string
		owed, balance string
		limit         *domain.Amount
		used, want    string
	}{
		{"owed is the least", "50.00", "800.00", limit("3000.00"), "0.00", "50.00"},
		{"balance is the least", "500.00", "120.30", limit("3000.00"), "0.00", "120.30"},
		{"limit left is the least", "500.00", "800.00", limit("3000.00"), "2900.00", "100.00"},
		{"limit left is the least (fen)", "500.00", "800.00", limit("100.00"), "99.99", "0.01"},
		{"all three equal", "100.00", "100.00", limit("100.00"), "0.00", "100.00"},
		{"no limit: balance bounds", "500.00", "120.30", nil, "0.00", "120.30"},
		{"no limit: owed bounds", "50.00", "120.30", nil, "999999.00", "50.00"},
		{"no limit ignores usage", "50.00", "120.30", nil, "100000.00", "50.00"},
		{"limit used up exactly", "50.00", "800.00", limit("3000.00"), "3000.00", "0.00"},
		{"limit already exceeded", "50.00", "800.00", limit("500.00"), "812.40", "0.00"},
		{"zero limit", "50.00", "800.00", limit("0.00"), "0.00", "0.00"},
		{"empty balance", "50.00", "0.00", limit("3000.00"), "0.00", "0.00"},
		{"nothing owed", "0.00", "800.00", limit("3000.00"), "0.00", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.DebitLimit(domain.MustAmount(tt.owed), domain.MustAmount(tt.balance), tt.limit, domain.MustAmount(tt.used))
			if got.String() != tt.want {
				t.Errorf("DebitLimit = %s, want %s", got, tt.want)
			}
			if got.IsNegative() {
				t.Errorf("DebitLimit = %s is negative", got)
			}
		})
	}
}

func TestMedicalType_FitsInstitution(t *testing.T) {
	tests := []struct {
		m    domain.MedicalType
		k    domain.InstitutionKind
		want bool
	}{
		{domain.MedicalOutpatient, domain.InstitutionHospital, true},
		{domain.MedicalChronicOutpatient, domain.InstitutionHospital, true},
		{domain.MedicalInpatient, domain.InstitutionHospital, true},
		{domain.MedicalPharmacy, domain.InstitutionHospital, false},
		{domain.MedicalOutpatient, domain.InstitutionPharmacy, false},
		{domain.MedicalChronicOutpatient, domain.InstitutionPharmacy, false},
		{domain.MedicalInpatient, domain.InstitutionPharmacy, false},
		{domain.MedicalPharmacy, domain.InstitutionPharmacy, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.m)+"@"+string(tt.k), func(t *testing.T) {
			if got := tt.m.FitsInstitution(tt.k); got != tt.want {
				t.Errorf("%s.FitsInstitution(%s) = %v, want %v", tt.m, tt.k, got, tt.want)
			}
		})
	}
}

func TestMedicalType_MedTypeCode(t *testing.T) {
	tests := []struct {
		m    domain.MedicalType
		want string
	}{
		{domain.MedicalOutpatient, "11"},
		{domain.MedicalChronicOutpatient, "14"},
		{domain.MedicalPharmacy, "41"},
		{domain.MedicalInpatient, "21"},
		{"", ""},
		{"emergency", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.m), func(t *testing.T) {
			if got := tt.m.MedTypeCode(); got != tt.want {
				t.Errorf("%q.MedTypeCode() = %q, want %q", tt.m, got, tt.want)
			}
		})
	}
}
