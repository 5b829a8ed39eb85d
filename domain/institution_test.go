package domain_test

import (
	"testing"

	"gongji/domain"
)

func TestParseInstitutionCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"hospital in 博乐市", "H65270100001", ""},
		{"pharmacy in 阿拉山口市", "P65270200012", ""},
		{"hospital outside Xinjiang", "H11010599999", ""},
		{"lower-case h", "h65270100001", domain.CodeInvalidInstitutionCode},
		{"lower-case p", "p65270100001", domain.CodeInvalidInstitutionCode},
		{"unknown letter", "X65270100001", domain.CodeInvalidInstitutionCode},
		{"no letter", "652701000011", domain.CodeInvalidInstitutionCode},
		{"11 characters", "H6527010000", domain.CodeInvalidInstitutionCode},
		{"13 characters", "H652701000012", domain.CodeInvalidInstitutionCode},
		{"division with leading zero", "H05270100001", domain.CodeInvalidInstitutionCode},
		{"letter in sequence", "H65270100O01", domain.CodeInvalidInstitutionCode},
		{"empty", "", domain.CodeInvalidInstitutionCode},
		{"leading space", " H65270100001", domain.CodeInvalidInstitutionCode},
		{"trailing newline", "H65270100001\n", domain.CodeInvalidInstitutionCode},
		{"two letters", "HP6527010001", domain.CodeInvalidInstitutionCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseInstitutionCode(tt.in)
			wantCode(t, err, tt.code)
			want := domain.InstitutionCode("")
			if tt.code == "" {
				want = domain.InstitutionCode(tt.in)
			}
			if got != want {
				t.Errorf("ParseInstitutionCode(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

func TestInstitutionCode_KindAndAdmdvs(t *testing.T) {
	tests := []struct {
		code       domain.InstitutionCode
		wantKind   domain.InstitutionKind
		wantAdmdvs domain.Admdvs
	}{
		{"H65270100001", domain.InstitutionHospital, "652701"},
		{"P65270200012", domain.InstitutionPharmacy, "652702"},
		{"P65272299999", domain.InstitutionPharmacy, "652722"},
		{"H11010500001", domain.InstitutionHospital, "110105"},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			if got := tt.code.Kind(); got != tt.wantKind {
				t.Errorf("Kind() = %q, want %q", got, tt.wantKind)
			}
			if got := tt.code.Admdvs(); got != tt.wantAdmdvs {
				t.Errorf("Admdvs() = %q, want %q", got, tt.wantAdmdvs)
			}
		})
	}
}

func TestParseInstitutionKind(t *testing.T) {
	tests := []struct {
		in   string
		want domain.InstitutionKind
		code domain.Code
	}{
		{"hospital", domain.InstitutionHospital, ""},
		{"pharmacy", domain.InstitutionPharmacy, ""},
		{"Hospital", "", domain.CodeInvalidEnumValue},
		{"H", "", domain.CodeInvalidEnumValue},
		{"clinic", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseInstitutionKind(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseInstitutionKind(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "kind")
			}
		})
	}
}

func TestInstitution_Validate(t *testing.T) {
	hospital := domain.Institution{
		Code: "H65270100001", Name: "博尔塔拉蒙古自治州人民医院",
		Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true,
	}
	pharmacy := domain.Institution{
		Code: "P65272200003", Name: "精河县大药房",
		Kind: domain.InstitutionPharmacy, Admdvs: "652722",
	}
	with := func(i domain.Institution, change func(*domain.Institution)) domain.Institution {
		change(&i)
		return i
	}
	tests := []struct {
		name  string
		inst  domain.Institution
		code  domain.Code
		field string
	}{
		{"designated hospital", hospital, "", ""},
		{"non-designated pharmacy is still valid data", pharmacy, "", ""},
		{"hospital code, pharmacy kind", with(hospital, func(i *domain.Institution) { i.Kind = domain.InstitutionPharmacy }),
			domain.CodeInvalidRequest, "kind"},
		{"pharmacy code, hospital kind", with(pharmacy, func(i *domain.Institution) { i.Kind = domain.InstitutionHospital }),
			domain.CodeInvalidRequest, "kind"},
		{"empty kind", with(hospital, func(i *domain.Institution) { i.Kind = "" }),
			domain.CodeInvalidRequest, "kind"},
		{"division differs from the code", with(hospital, func(i *domain.Institution) { i.Admdvs = "652702" }),
			domain.CodeInvalidAdmdvs, "admdvs"},
		{"division is the prefecture, code names the city", with(hospital, func(i *domain.Institution) { i.Admdvs = "652700" }),
			domain.CodeInvalidAdmdvs, "admdvs"},
		{"empty division", with(pharmacy, func(i *domain.Institution) { i.Admdvs = "" }),
			domain.CodeInvalidAdmdvs, "admdvs"},
		{"kind is checked before division", with(hospital, func(i *domain.Institution) {
			i.Kind = domain.InstitutionPharmacy
			i.Admdvs = "110105"
		}), domain.CodeInvalidRequest, "kind"},
		{"empty name", with(hospital, func(i *domain.Institution) { i.Name = "" }),
			domain.CodeInvalidRequest, "name"},
		{"name with newline", with(pharmacy, func(i *domain.Institution) { i.Name = "药房\n" }),
			domain.CodeInvalidRequest, "name"},
		{"empty code", with(hospital, func(i *domain.Institution) { i.Code = "" }),
			domain.CodeInvalidInstitutionCode, ""},
		{"short code", with(hospital, func(i *domain.Institution) { i.Code = "H65" }),
			domain.CodeInvalidInstitutionCode, ""},
		{"malformed code", with(hospital, func(i *domain.Institution) { i.Code = "h65270100001" }),
			domain.CodeInvalidInstitutionCode, ""},
		{"zero institution", domain.Institution{}, domain.CodeInvalidInstitutionCode, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Validate() panicked: %v", r)
					}
				}()
				err = tt.inst.Validate()
			}()
			wantCode(t, err, tt.code)
			if tt.field != "" {
				wantDetailsField(t, err, tt.field)
			}
		})
	}
}
