package domain

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/shopspring/decimal"
)

// amountPattern accepts yuan with at most two decimals and at most 12 integer
// digits (NUMERIC(14,2)); no exponent, no plus sign, no leading zeros.
var amountPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$`)

// Amount is a sum of money in yuan with exactly two decimals. On the wire it
// is a JSON string such as "12.30"; a JSON number is refused so that no
// amount ever passes through a float.
type Amount struct{ decimal.Decimal }

// Zero is 0.00 yuan.
var Zero = Amount{decimal.Zero}

// NewAmount wraps d; it panics if d has more than two decimals, which is a
// programming error, not bad input.
func NewAmount(d decimal.Decimal) Amount {
	if !d.Equal(d.Round(2)) {
		panic(fmt.Sprintf("domain.NewAmount: %s has more than two decimals", d))
	}
	return Amount{d}
}

// MustAmount parses a literal amount; for constants and tests.
func MustAmount(s string) Amount {
	a, err := ParseSignedAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// ParseSignedAmount parses an amount that may be negative (ledger
// adjustments and entries).
func ParseSignedAmount(s string) (Amount, error) {
	if !amountPattern.MatchString(s) {
		return Amount{}, Errorf(CodeInvalidAmount, "%q is not an amount in yuan with at most two decimals, such as \"12.30\"", s)
	}
	d := decimal.RequireFromString(s)
	if s[0] == '-' && d.IsZero() {
		return Amount{}, Errorf(CodeInvalidAmount, "%q is a negative zero", s)
	}
	return Amount{d}, nil
}

// ParseAmount parses a non-negative amount.
func ParseAmount(s string) (Amount, error) {
	a, err := ParseSignedAmount(s)
	if err != nil {
		return Amount{}, err
	}
	if a.IsNegative() {
		return Amount{}, Errorf(CodeInvalidAmount, "%q is negative; amounts must be zero or more", s)
	}
	return a, nil
}

// String formats the amount with exactly two decimals.
func (a Amount) String() string { return a.StringFixed(2) }

// Format prints the amount with exactly two decimals for every verb, so
// that messages never show "30.5" (the embedded decimal's own Format
// would).
func (a Amount) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

// Add returns a + b.
func (a Amount) Add(b Amount) Amount { return Amount{a.Decimal.Add(b.Decimal)} }

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount { return Amount{a.Decimal.Sub(b.Decimal)} }

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{a.Decimal.Neg()} }

// Min returns the smaller of a and b.
func (a Amount) Min(b Amount) Amount {
	if a.LessThan(b.Decimal) {
		return a
	}
	return b
}

// MarshalJSON writes the amount as a two-decimal JSON string.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON accepts only a JSON string holding a signed amount; callers
// that need a non-negative amount check IsNegative.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(CodeInvalidAmount, "an amount must be a JSON string such as \"12.30\", not %s", truncate(string(b), 20))
	}
	parsed, err := ParseSignedAmount(s)
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// MarshalText writes the amount with exactly two decimals. It replaces the
// method promoted from decimal.Decimal, which drops trailing zeros.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText accepts a signed amount as strictly as UnmarshalJSON (YAML,
// env and form decoders use it). It replaces the method promoted from
// decimal.Decimal, which accepts exponents and any precision.
func (a *Amount) UnmarshalText(b []byte) error {
	parsed, err := ParseSignedAmount(string(b))
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// Value stores the amount as NUMERIC text.
func (a Amount) Value() (driver.Value, error) { return a.String(), nil }

// Scan reads a NUMERIC column.
func (a *Amount) Scan(src any) error {
	var d decimal.Decimal
	if err := d.Scan(src); err != nil {
		return err
	}
	a.Decimal = d
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
