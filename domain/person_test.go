package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"Chinese name", "张三", ""},
		{"single character", "王", ""},
		{"Latin name", "Alice Smith", ""},
		{"Uyghur name with middle dot", "阿依古丽·买买提", ""},
		{"Mongol name in Mongolian script", "ᠪᠠᠭᠠᠲᠤᠷ", ""},
		{"institution name with brackets", "博州人民医院（门诊部）", ""},
		{"64 characters", strings.Repeat("汉", 64), ""},
		{"64 ASCII characters", strings.Repeat("a", 64), ""},
		{"65 characters", strings.Repeat("汉", 65), domain.CodeInvalidRequest},
		{"empty", "", domain.CodeInvalidRequest},
		{"blank", "   ", domain.CodeInvalidRequest},
		{"full-width blank", "\u3000", domain.CodeInvalidRequest},
		{"tab only", "\t", domain.CodeInvalidRequest},
		{"newline inside", "张\n三", domain.CodeInvalidRequest},
		{"carriage return inside", "张\r三", domain.CodeInvalidRequest},
		{"tab inside", "张\t三", domain.CodeInvalidRequest},
		{"NUL inside", "a\x00b", domain.CodeInvalidRequest},
		{"escape inside", "a\x1bb", domain.CodeInvalidRequest},
		{"DEL inside", "a\x7fb", domain.CodeInvalidRequest},
		{"C1 next-line control", "a\u0085b", domain.CodeInvalidRequest},
		{"C1 control U+0080", "a\u0080b", domain.CodeInvalidRequest},
		{"C1 control U+009F", "a\u009fb", domain.CodeInvalidRequest},
		{"invalid UTF-8", "a\xffb", domain.CodeInvalidRequest},
		{"truncated UTF-8", "张"[:2], domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateName("name", tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "name")
			}
		})
	}
}

func TestValidateName_ReportsTheGivenField(t *testing.T) {
	err := domain.ValidateName("beneficiary_name", "")
	wantCode(t, err, domain.CodeInvalidRequest)
	wantDetailsField(t, err, "beneficiary_name")
}

func TestValidatePhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"empty is allowed (optional)", "", ""},
		{"mobile", "13800138000", ""},
		{"international", "+8613800138000", ""},
		{"landline with area code", "09092222222", ""},
		{"5 digits", "12345", ""},
		{"+ and 5 digits", "+12345", ""},
		{"20 digits", strings.Repeat("1", 20), ""},
		{"+ and 20 digits", "+" + strings.Repeat("1", 20), ""},
		{"4 digits", "1234", domain.CodeInvalidRequest},
		{"+ and 4 digits", "+1234", domain.CodeInvalidRequest},
		{"21 digits", strings.Repeat("1", 21), domain.CodeInvalidRequest},
		{"lone +", "+", domain.CodeInvalidRequest},
		{"double +", "++12345", domain.CodeInvalidRequest},
		{"+ at the end", "12345+", domain.CodeInvalidRequest},
		{"dashes", "138-0013-8000", domain.CodeInvalidRequest},
		{"spaces", "138 0013 8000", domain.CodeInvalidRequest},
		{"space after +", "+86 13800138000", domain.CodeInvalidRequest},
		{"letter at the end", "1380013800a", domain.CodeInvalidRequest},
		{"letter in the middle", "13800a38000", domain.CodeInvalidRequest},
		{"brackets", "(0909)2222222", domain.CodeInvalidRequest},
		{"full-width digits", "１３８００１３８０００", domain.CodeInvalidRequest},
		{"leading space", " 13800138000", domain.CodeInvalidRequest},
		{"newline", "13800138000\n", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidatePhone(tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "phone")
			}
		})
	}
}

func TestValidateDeath(t *testing.T) {
	birth := day(1950, 5, 10)
	id := domain.ComposeIDNumber("652701", birth, 11)
	today := day(2024, 6, 1)
	tests := []struct {
		name  string
		death domain.Date
		code  domain.Code
	}{
		{"on the day of birth", birth, ""},
		{"in between", day(2000, 1, 1), ""},
		{"yesterday", today.AddDays(-1), ""},
		{"today", today, ""},
		{"day before birth", birth.AddDays(-1), domain.CodeInvalidDate},
		{"long before birth", day(1900, 1, 1), domain.CodeInvalidDate},
		{"tomorrow", today.AddDays(1), domain.CodeInvalidDate},
		{"next year", day(2025, 6, 1), domain.CodeInvalidDate},
		{"zero date", domain.Date{}, domain.CodeInvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, domain.ValidateDeath(id, tt.death, today), tt.code)
		})
	}
}
