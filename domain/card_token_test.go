package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

func TestValidateCardToken(t *testing.T) {
	tests := []struct {
		name string
		in   string
		code domain.Code
	}{
		{"simulator token", "tok_visa_4242", ""},
		{"gateway punctuation", "pay:2026-11.24_01", ""},
		{"128 characters", strings.Repeat("t", 128), ""},
		{"129 characters", strings.Repeat("t", 129), domain.CodeInvalidRequest},
		{"empty", "", domain.CodeInvalidRequest},
		{"NUL", "tok_\x00", domain.CodeInvalidRequest},
		{"space", "tok visa", domain.CodeInvalidRequest},
		{"SQL", "tok'; DROP TABLE card_charges;--", domain.CodeInvalidRequest},
		{"Chinese", "卡号", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateCardToken(tt.in)
			wantCode(t, err, tt.code)
			if err != nil {
				wantDetailsField(t, err, "card_token")
			}
		})
	}
}
