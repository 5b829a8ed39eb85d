package domain_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"gongji/domain"
)

// isAmountLiteral is the documented amount syntax, written without a
// regular expression: an optional minus, 1 to 12 integer digits without a
// leading zero (a lone 0 is fine), optionally a point and 1 or 2 decimals;
// a negative zero is not an amount.
func isAmountLiteral(s string) bool {
	digits, negative := strings.CutPrefix(s, "-")
	intPart, frac, hasPoint := strings.Cut(digits, ".")
	allDigits := func(p string) bool { return p != "" && strings.Trim(p, "0123456789") == "" }
	switch {
	case !allDigits(intPart) || len(intPart) > 12 || (len(intPart) > 1 && intPart[0] == '0'):
		return false
	case hasPoint && (!allDigits(frac) || len(frac) > 2):
		return false
	case negative && strings.Trim(intPart+frac, "0") == "":
		return false
	}
	return true
}

// FuzzParseAmount checks the amount parsers and encoders against the
// documented rules for any input: they never panic; ParseSignedAmount,
// UnmarshalText and UnmarshalJSON of a JSON string accept exactly the
// documented syntax (isAmountLiteral) and refuse with INVALID_AMOUNT;
// ParseAmount accepts only the non-negative ones; a JSON number, null or
// anything but a string is refused, so no amount passes through a float;
// and an accepted amount keeps its value and prints, marshals and parses
// back with exactly two decimals.
func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{
		"12.30", "0", "0.00", "5", "30.5", "999999999999.99", "-12.30", "-0.01",
		"1000000000000", "12.345", "-0.00", "-0", "1e3", "1E3", "NaN", "Inf", "+1", "01.00", ".5", "5.",
		" 1", "1\n", "1,000.00", "１２", "\"12.30\"", "null", "'; DROP TABLE accounts;--", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		signed, signedErr := domain.ParseSignedAmount(s)
		checkRefusal(t, "ParseSignedAmount", s, signedErr)
		if (signedErr == nil) != isAmountLiteral(s) {
			t.Fatalf("ParseSignedAmount(%q) error %v; the documented syntax says accepted = %t", s, signedErr, isAmountLiteral(s))
		}
		plain, plainErr := domain.ParseAmount(s)
		checkRefusal(t, "ParseAmount", s, plainErr)
		if want := signedErr == nil && !signed.IsNegative(); (plainErr == nil) != want {
			t.Fatalf("ParseAmount(%q) error %v; want accepted = %t (signed %v, %v)", s, plainErr, want, signed, signedErr)
		}
		if plainErr == nil && !plain.Equal(signed.Decimal) {
			t.Fatalf("ParseAmount(%q) = %s, ParseSignedAmount gives %s", s, plain, signed)
		}

		var text domain.Amount
		textErr := text.UnmarshalText([]byte(s))
		checkRefusal(t, "UnmarshalText", s, textErr)
		quoted, _ := json.Marshal(s)
		var fromJSON domain.Amount
		jsonErr := json.Unmarshal(quoted, &fromJSON)
		checkRefusal(t, "UnmarshalJSON", string(quoted), jsonErr)
		if (textErr == nil) != (signedErr == nil) || (jsonErr == nil) != (signedErr == nil) {
			t.Fatalf("%q: ParseSignedAmount %v, UnmarshalText %v, UnmarshalJSON %v; want the same verdict", s, signedErr, textErr, jsonErr)
		}
		var raw domain.Amount
		if trimmed := strings.TrimSpace(s); json.Valid([]byte(s)) && !strings.HasPrefix(trimmed, `"`) {
			if err := json.Unmarshal([]byte(s), &raw); err == nil {
				t.Fatalf("UnmarshalJSON(%s) = %s; only a JSON string is an amount", s, raw)
			}
		}
		if signedErr != nil {
			return
		}

		if !text.Equal(signed.Decimal) || !fromJSON.Equal(signed.Decimal) || !signed.Equal(decimal.RequireFromString(s)) {
			t.Fatalf("%q parsed to %s (text %s, JSON %s)", s, signed, text, fromJSON)
		}
		checkTwoDecimals(t, signed)
	})
}

func checkRefusal(t *testing.T, parser, in string, err error) {
	t.Helper()
	if err != nil && domain.ErrorCode(err) != domain.CodeInvalidAmount {
		t.Fatalf("%s(%q) refused with %v; want INVALID_AMOUNT", parser, in, err)
	}
}

// checkTwoDecimals asserts that a prints, marshals and parses back with
// exactly two decimals and the same value.
func checkTwoDecimals(t *testing.T, a domain.Amount) {
	t.Helper()
	str := a.String()
	if _, frac, ok := strings.Cut(str, "."); !ok || len(frac) != 2 {
		t.Fatalf("%s does not have exactly two decimals", str)
	}
	if got := fmt.Sprintf("%v|%s|%.1f|%d", a, a, a, a); got != strings.Repeat(str+"|", 3)+str {
		t.Fatalf("formatted %s as %s", str, got)
	}
	again, err := domain.ParseSignedAmount(str)
	if err != nil || again.String() != str || !again.Equal(a.Decimal) {
		t.Fatalf("ParseSignedAmount(%q) = %s, %v", str, again, err)
	}
	out, err := json.Marshal(a)
	if err != nil || string(out) != `"`+str+`"` {
		t.Fatalf("json.Marshal(%s) = %s, %v; want a JSON string", str, out, err)
	}
	var back domain.Amount
	if err := json.Unmarshal(out, &back); err != nil || back.String() != str {
		t.Fatalf("json.Unmarshal(%s) = %s, %v", out, back, err)
	}
	txt, err := a.MarshalText()
	if err != nil || string(txt) != str {
		t.Fatalf("MarshalText(%s) = %s, %v", str, txt, err)
	}
}
