package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestParsePremiumYear(t *testing.T) {
	tests := []struct {
		in   string
		want int
		code domain.Code
	}{
		{"2027", 2027, ""},
		{"1000", 1000, ""},
		{"9999", 9999, ""},
		{"0999", 0, domain.CodeInvalidRequest},
		{"999", 0, domain.CodeInvalidRequest},
		{"10000", 0, domain.CodeInvalidRequest},
		{"+2027", 0, domain.CodeInvalidRequest},
		{"-202", 0, domain.CodeInvalidRequest},
		{"2027.0", 0, domain.CodeInvalidRequest},
		{"二〇二七", 0, domain.CodeInvalidRequest},
		{"", 0, domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParsePremiumYear(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Fatalf("ParsePremiumYear(%q) = %d, want %d", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "year")
			}
		})
	}
	wantCode(t, domain.ValidatePremiumYear(2027), "")
	wantCode(t, domain.ValidatePremiumYear(-2027), domain.CodeInvalidRequest)
	wantCode(t, domain.ValidatePremiumYear(0), domain.CodeInvalidRequest)
}

func TestCheckPremiumAmount_OnlyTheExactPremium(t *testing.T) {
	p := domain.Premium{Year: 2027, Amount: domain.MustAmount("400.00")}
	for _, tt := range []struct {
		amount string
		code   domain.Code
	}{
		{"400.00", ""}, {"400", ""}, {"400.0", ""},
		{"399.99", domain.CodePremiumAmountMismatch}, {"400.01", domain.CodePremiumAmountMismatch},
		{"800.00", domain.CodePremiumAmountMismatch}, {"0.00", domain.CodePremiumAmountMismatch},
	} {
		t.Run(tt.amount, func(t *testing.T) {
			err := domain.CheckPremiumAmount(p, domain.MustAmount(tt.amount))
			wantCode(t, err, tt.code)
			if err != nil {
				if got := err.(*domain.Error).Details["expected"]; got != "400.00" {
					t.Fatalf("details.expected = %v, want 400.00", got)
				}
			}
		})
	}
}

func TestCheckPremiumBeneficiary_OnlyResidentInsured(t *testing.T) {
	resident := &domain.Enrolment{Insutype: domain.InsutypeResident, Status: domain.EnrolmentNormal}
	suspended := &domain.Enrolment{Insutype: domain.InsutypeResident, Status: domain.EnrolmentSuspended}
	employee := &domain.Enrolment{Insutype: domain.InsutypeEmployee, Status: domain.EnrolmentNormal}
	wantCode(t, domain.CheckPremiumBeneficiary(resident), "")
	// Paying the premium is how a lapsed resident gets cover again.
	wantCode(t, domain.CheckPremiumBeneficiary(suspended), "")
	wantCode(t, domain.CheckPremiumBeneficiary(employee), domain.CodeBeneficiaryNotResidentInsured)
	wantCode(t, domain.CheckPremiumBeneficiary(nil), domain.CodeBeneficiaryNotResidentInsured)
}

func TestCheckPremiumDebit_PaidInFullOrNotAtAll(t *testing.T) {
	limit := func(s string) *domain.Amount { a := domain.MustAmount(s); return &a }
	tests := []struct {
		name    string
		balance string
		limit   *domain.Amount
		used    string
		code    domain.Code
	}{
		{"balance and limit cover it", "1000.00", limit("3000.00"), "0.00", ""},
		{"balance exactly the premium", "400.00", limit("3000.00"), "0.00", ""},
		{"limit left exactly the premium", "1000.00", limit("3000.00"), "2600.00", ""},
		{"no limit: the balance bounds", "400.00", nil, "99999.00", ""},
		{"balance a fen short", "399.99", limit("3000.00"), "0.00", domain.CodeInsufficientBalance},
		{"limit left a fen short", "1000.00", limit("3000.00"), "2600.01", domain.CodeLimitExceeded},
		{"limit lowered below usage", "1000.00", limit("100.00"), "150.00", domain.CodeLimitExceeded},
		{"zero limit", "1000.00", limit("0.00"), "0.00", domain.CodeLimitExceeded},
		{"balance is checked first", "0.00", limit("0.00"), "0.00", domain.CodeInsufficientBalance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckPremiumDebit(domain.MustAmount("400.00"), domain.MustAmount(tt.balance), tt.limit, domain.MustAmount(tt.used))
			wantCode(t, err, tt.code)
		})
	}
}

func TestPremiumPaymentStatus_IsFinal(t *testing.T) {
	if domain.PremiumProcessing.IsFinal() || !domain.PremiumCompleted.IsFinal() || !domain.PremiumReversed.IsFinal() {
		t.Fatal("only completed and reversed are final")
	}
}

func TestPremiumNoticeText(t *testing.T) {
	child := domain.ComposeIDNumber("652701", day(2016, 9, 2), 402)
	paid := domain.PremiumNoticeText(domain.NoticePremiumPaid, "小明", child, 2027, domain.MustAmount("400.00"), domain.MustAmount("600.00"))
	rev := domain.PremiumNoticeText(domain.NoticePremiumReversed, "小明", child, 2027, domain.MustAmount("400.00"), domain.MustAmount("1000.00"))
	if paid.Title == rev.Title || !hasHan(paid.Title) || !hasHan(rev.Title) {
		t.Fatalf("titles %q and %q must be distinct Chinese titles", paid.Title, rev.Title)
	}
	if paid.TitleEN == rev.TitleEN || paid.TitleEN == "" || rev.TitleEN == "" || hasHan(paid.TitleEN) || hasHan(rev.TitleEN) {
		t.Fatalf("English titles %q and %q must be distinct and English", paid.TitleEN, rev.TitleEN)
	}
	for _, tt := range []struct {
		body string
		want []string
	}{
		{paid.Body, []string{"小明", child.Masked(), "2027", "400.00", "600.00"}},
		{rev.Body, []string{"小明", child.Masked(), "2027", "400.00", "1000.00", "退回"}},
		{paid.BodyEN, []string{"小明", child.Masked(), "2027", "400.00", "600.00"}},
		{rev.BodyEN, []string{"小明", child.Masked(), "2027", "400.00", "1000.00", "went back"}},
	} {
		for _, w := range tt.want {
			if !strings.Contains(tt.body, w) {
				t.Errorf("body %q lacks %q", tt.body, w)
			}
		}
		if strings.Contains(tt.body, string(child)) {
			t.Errorf("body %q shows the full ID number", tt.body)
		}
	}
}
