package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person is someone known to the insurance core system.
type Person struct {
	IDNumber  IDNumber
	Name      string
	Phone     string
	DeathDate Date
}

// maxNameRunes bounds a name; the longest Chinese and Uyghur/Mongol
// transliterated names are far shorter.
const maxNameRunes = 64

// ValidateName checks a person's or institution's name: non-blank valid
// UTF-8, at most 64 characters, no control characters.
func ValidateName(field, name string) error {
	if strings.TrimSpace(name) == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameRunes {
		return Errorf(CodeInvalidRequest, "%s must be 1 to %d characters", field, maxNameRunes).
			WithDetails(map[string]any{"field": field})
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return Errorf(CodeInvalidRequest, "%s must not hold control characters", field).
				WithDetails(map[string]any{"field": field})
		}
	}
	return nil
}

// ValidatePhone checks an optional phone number: digits, an optional
// leading +, 5 to 20 characters.
func ValidatePhone(phone string) error {
	if phone == "" {
		return nil
	}
	digits := strings.TrimPrefix(phone, "+")
	if len(digits) < 5 || len(digits) > 20 || strings.Trim(digits, "0123456789") != "" {
		return Errorf(CodeInvalidRequest, "phone must be 5 to 20 digits, optionally after a +").
			WithDetails(map[string]any{"field": "phone"})
	}
	return nil
}

// ValidateDeath checks a date of death: not before birth, not after today.
func ValidateDeath(id IDNumber, date, today Date) error {
	if date.Before(id.BirthDate()) || date.After(today) {
		return Errorf(CodeInvalidDate, "a date of death must lie between the birth date and today")
	}
	return nil
}
