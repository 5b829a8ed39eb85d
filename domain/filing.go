package domain

import (
	"regexp"
	"strings"
)

var filingNoPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}$`)

// Filing is an 异地就医备案: the person may be treated in another pool's
// division between two dates.
type Filing struct {
	IDNumber   IDNumber
	FilingNo   string
	AdmdvsTo   Admdvs
	ValidFrom  Date
	ValidUntil Date
}

// ValidateFilingNo checks a filing number: 1 to 40 letters, digits or dashes.
func ValidateFilingNo(s string) error {
	if !filingNoPattern.MatchString(s) {
		return Errorf(CodeInvalidRequest, "a filing number has 1 to 40 letters, digits or dashes").
			WithDetails(map[string]any{"field": "filing_no"})
	}
	return nil
}

// Validate checks that the filing's period is not inverted.
func (f Filing) Validate() error {
	if f.ValidFrom.IsZero() || f.ValidUntil.IsZero() {
		return Errorf(CodeInvalidDate, "a filing needs valid_from and valid_until")
	}
	if f.ValidUntil.Before(f.ValidFrom) {
		return Errorf(CodeInvalidDate, "valid_until %s is before valid_from %s", f.ValidUntil, f.ValidFrom)
	}
	return nil
}

// Covers reports whether the filing allows care in division a on date d.
// A filing to a province (xx0000) or a prefecture (xxxx00) covers every
// division in it.
func (f Filing) Covers(a Admdvs, d Date) bool {
	area := strings.TrimSuffix(strings.TrimSuffix(string(f.AdmdvsTo), "00"), "00")
	return strings.HasPrefix(string(a), area) && !d.Before(f.ValidFrom) && !d.After(f.ValidUntil)
}
