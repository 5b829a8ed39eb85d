package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestValidateFilingNo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"letters digits and dash", "BA2024-0001", ""},
		{"one character", "1", ""},
		{"lower-case letters", "ydjy-652701-001", ""},
		{"40 characters", strings.Repeat("A", 40), ""},
		{"41 characters", strings.Repeat("A", 41), domain.CodeInvalidRequest},
		{"empty", "", domain.CodeInvalidRequest},
		{"Chinese characters", "备案001", domain.CodeInvalidRequest},
		{"space", "BA 2024", domain.CodeInvalidRequest},
		{"underscore", "BA_2024", domain.CodeInvalidRequest},
		{"slash", "BA/2024", domain.CodeInvalidRequest},
		{"trailing newline", "BA2024\n", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateFilingNo(tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "filing_no")
			}
		})
	}
}

func TestFiling_Validate(t *testing.T) {
	tests := []struct {
		name        string
		from, until domain.Date
		code        domain.Code
	}{
		{"a month", day(2024, 3, 1), day(2024, 3, 31), ""},
		{"a single day", day(2024, 3, 1), day(2024, 3, 1), ""},
		{"across a year end", day(2024, 12, 1), day(2025, 5, 31), ""},
		{"inverted by a day", day(2024, 3, 2), day(2024, 3, 1), domain.CodeInvalidDate},
		{"inverted by a year", day(2025, 1, 1), day(2024, 12, 31), domain.CodeInvalidDate},
		{"no valid_from", domain.Date{}, day(2024, 3, 31), domain.CodeInvalidDate},
		{"no valid_until", day(2024, 3, 1), domain.Date{}, domain.CodeInvalidDate},
		{"no dates", domain.Date{}, domain.Date{}, domain.CodeInvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := domain.Filing{
				IDNumber: "652701201506120033", FilingNo: "BA2024-0001", AdmdvsTo: "110105",
				ValidFrom: tt.from, ValidUntil: tt.until,
			}
			wantCode(t, f.Validate(), tt.code)
		})
	}
}

func TestFiling_Covers(t *testing.T) {
	month := domain.Filing{AdmdvsTo: "110105", ValidFrom: day(2024, 3, 1), ValidUntil: day(2024, 3, 31)}
	oneDay := domain.Filing{AdmdvsTo: "310101", ValidFrom: day(2024, 2, 29), ValidUntil: day(2024, 2, 29)}
	province := domain.Filing{AdmdvsTo: "110000", ValidFrom: day(2024, 3, 1), ValidUntil: day(2024, 3, 31)}
	prefecture := domain.Filing{AdmdvsTo: "110100", ValidFrom: day(2024, 3, 1), ValidUntil: day(2024, 3, 31)}
	tests := []struct {
		name   string
		f      domain.Filing
		admdvs domain.Admdvs
		on     domain.Date
		want   bool
	}{
		{"day before the first day", month, "110105", day(2024, 2, 29), false},
		{"first day (inclusive)", month, "110105", day(2024, 3, 1), true},
		{"middle", month, "110105", day(2024, 3, 15), true},
		{"last day (inclusive)", month, "110105", day(2024, 3, 31), true},
		{"day after the last day", month, "110105", day(2024, 4, 1), false},
		{"a year later", month, "110105", day(2025, 3, 15), false},
		{"other division", month, "110106", day(2024, 3, 15), false},
		{"division prefix is not enough", month, "110100", day(2024, 3, 15), false},
		{"home division", month, "652701", day(2024, 3, 15), false},
		{"single-day filing on its day", oneDay, "310101", day(2024, 2, 29), true},
		{"single-day filing the day before", oneDay, "310101", day(2024, 2, 28), false},
		{"single-day filing the day after", oneDay, "310101", day(2024, 3, 1), false},
		{"province filing covers a division in it", province, "110105", day(2024, 3, 15), true},
		{"province filing covers another prefecture in it", province, "110228", day(2024, 3, 15), true},
		{"province filing covers the province code", province, "110000", day(2024, 3, 15), true},
		{"province filing, other province", province, "120101", day(2024, 3, 15), false},
		{"province filing, code sharing only the first digit", province, "130101", day(2024, 3, 15), false},
		{"province filing, expired", province, "110105", day(2024, 4, 1), false},
		{"province filing, not yet valid", province, "110105", day(2024, 2, 29), false},
		{"prefecture filing covers a division in it", prefecture, "110105", day(2024, 3, 15), true},
		{"prefecture filing covers the prefecture code", prefecture, "110100", day(2024, 3, 15), true},
		{"prefecture filing, other prefecture of the province", prefecture, "110228", day(2024, 3, 15), false},
		{"prefecture filing, other province", prefecture, "120105", day(2024, 3, 15), false},
		{"prefecture filing, expired", prefecture, "110105", day(2024, 4, 1), false},
		{"prefecture filing, not yet valid", prefecture, "110105", day(2024, 2, 29), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Covers(tt.admdvs, tt.on); got != tt.want {
				t.Errorf("Covers(%s, %v) = %v, want %v", tt.admdvs, tt.on, got, tt.want)
			}
		})
	}
}
