package domain_test

import (
	"testing"

	"gongji/domain"
)

func TestParseAdmdvs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"Bortala prefecture", "652700", ""},
		{"博乐市", "652701", ""},
		{"阿拉山口市", "652702", ""},
		{"精河县", "652722", ""},
		{"温泉县", "652723", ""},
		{"乌鲁木齐 天山区", "650102", ""},
		{"XPCC", "660100", ""},
		{"Beijing", "110000", ""},
		{"empty", "", domain.CodeInvalidAdmdvs},
		{"five digits", "65270", domain.CodeInvalidAdmdvs},
		{"seven digits", "6527011", domain.CodeInvalidAdmdvs},
		{"leading zero", "052701", domain.CodeInvalidAdmdvs},
		{"letter", "65270a", domain.CodeInvalidAdmdvs},
		{"leading space", " 652701", domain.CodeInvalidAdmdvs},
		{"trailing newline", "652701\n", domain.CodeInvalidAdmdvs},
		{"inner space", "652 01", domain.CodeInvalidAdmdvs},
		{"sign", "-65270", domain.CodeInvalidAdmdvs},
		{"full-width digits", "６５２７０１", domain.CodeInvalidAdmdvs},
		{"very long", "652701652701652701652701652701", domain.CodeInvalidAdmdvs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseAdmdvs(tt.in)
			wantCode(t, err, tt.code)
			want := domain.Admdvs("")
			if tt.code == "" {
				want = domain.Admdvs(tt.in)
			}
			if got != want {
				t.Errorf("ParseAdmdvs(%q) = %q, want %q", tt.in, got, want)
			}
			if got.String() != string(want) {
				t.Errorf("String() = %q, want %q", got.String(), want)
			}
		})
	}
}

func TestDefaultPools(t *testing.T) {
	tests := []struct {
		name         string
		admdvs       domain.Admdvs
		inProvince   bool
		inPrefecture bool
	}{
		{"博乐市 is in prefecture and province", "652701", true, true},
		{"阿拉山口市", "652702", true, true},
		{"精河县", "652722", true, true},
		{"温泉县", "652723", true, true},
		{"the prefecture code itself", "652700", true, true},
		{"乌鲁木齐 is in province, not prefecture", "650102", true, false},
		{"伊犁 is in province, not prefecture", "654002", true, false},
		{"province code itself", "650000", true, false},
		{"6528xx is not Bortala", "652801", true, false},
		{"6572xx shares 65 and 27 but not the prefix", "657270", true, false},
		{"XPCC is not in the province", "660100", false, false},
		{"XPCC root", "660000", false, false},
		{"Beijing is neither", "110000", false, false},
		{"empty is neither", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.DefaultPools.InProvince(tt.admdvs); got != tt.inProvince {
				t.Errorf("InProvince(%s) = %v, want %v", tt.admdvs, got, tt.inProvince)
			}
			if got := domain.DefaultPools.InPrefecture(tt.admdvs); got != tt.inPrefecture {
				t.Errorf("InPrefecture(%s) = %v, want %v", tt.admdvs, got, tt.inPrefecture)
			}
		})
	}
}

// Pools are policy data: a different table changes the answer without a
// change of code.
func TestPools_AreDrivenByPolicyData(t *testing.T) {
	withXPCC := domain.Pools{Province: []string{"65", "66"}, Prefecture: []string{"652701", "652702"}}
	none := domain.Pools{}
	tests := []struct {
		name         string
		pools        domain.Pools
		admdvs       domain.Admdvs
		inProvince   bool
		inPrefecture bool
	}{
		{"XPCC added to the province", withXPCC, "660100", true, false},
		{"province prefix still works", withXPCC, "650102", true, false},
		{"narrower prefecture includes 博乐市", withXPCC, "652701", true, true},
		{"narrower prefecture excludes 精河县", withXPCC, "652722", true, false},
		{"empty pools contain nothing", none, "652701", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pools.InProvince(tt.admdvs); got != tt.inProvince {
				t.Errorf("InProvince(%s) = %v, want %v", tt.admdvs, got, tt.inProvince)
			}
			if got := tt.pools.InPrefecture(tt.admdvs); got != tt.inPrefecture {
				t.Errorf("InPrefecture(%s) = %v, want %v", tt.admdvs, got, tt.inPrefecture)
			}
		})
	}
}
