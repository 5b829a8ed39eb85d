package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

// FuzzParseIDNumber checks what ParseIDNumber promises for any input: it
// never panics; it refuses with INVALID_ID_NUMBER and no value; and what it
// accepts is the input with at most its last x upper-cased: 17 digits and a
// check character that GB 11643-1999 gives (computed independently), a
// birth date from 1900-01-01 to today, and a value that parses again to
// itself, also with the X written in lower case.
func FuzzParseIDNumber(f *testing.F) {
	for _, seed := range []string{
		"11010519491231002X",  // the standard's example, X check
		"11010519491231002x",  // the same with a lower-case x
		"652701201506120033",  // a valid child of 博乐市
		"652722198002290044",  // born on a leap day
		"652701201506120034",  // wrong check digit
		"652701202302290019",  // 29 February of a common year
		"652701190001010014",  // born on the earliest day accepted
		"65270118991231001X",  // born the day before
		"652701202406010018",  // born today
		"652701202406020013",  // born tomorrow
		"65270120150612003",   // 17 characters
		"6527012015061200330", // 19 characters
		"052701201506120033",  // leading zero
		"６５２７０１２０１５０６１２００３３",        // full-width digits
		"'; DROP TABLE accounts;--", // SQL-looking
		"",
		"\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := domain.ParseIDNumber(s, idToday)
		if err != nil {
			if id != "" || domain.ErrorCode(err) != domain.CodeInvalidIDNumber {
				t.Fatalf("ParseIDNumber(%q) = %q, %v; a refusal is INVALID_ID_NUMBER without a value", s, id, err)
			}
			return
		}
		got := id.String()
		if len(s) != 18 || got[:17] != s[:17] || got[17:] != strings.ToUpper(s[17:]) {
			t.Fatalf("ParseIDNumber(%q) = %q: only a last x may change (to X)", s, got)
		}
		if strings.Trim(got[:17], "0123456789") != "" || strings.Trim(got[17:], "0123456789X") != "" {
			t.Fatalf("ParseIDNumber(%q) = %q: want 17 digits and a digit or upper-case X", s, got)
		}
		if want := refCheckChar(got[:17]); got[17] != want {
			t.Fatalf("ParseIDNumber(%q) accepted check character %c; GB 11643-1999 gives %c", s, got[17], want)
		}
		birth := id.BirthDate()
		if birth.String() != got[6:10]+"-"+got[10:12]+"-"+got[12:14] {
			t.Fatalf("ParseIDNumber(%q): birth date %s is not the one encoded", s, birth)
		}
		if birth.Before(domain.NewDate(1900, 1, 1)) || birth.After(idToday) {
			t.Fatalf("ParseIDNumber(%q) accepted the birth date %s", s, birth)
		}
		if again, err := domain.ParseIDNumber(got, idToday); err != nil || again != id {
			t.Fatalf("ParseIDNumber(%q) = %q, %v; want %q again", got, again, err, id)
		}
		if lower := strings.ToLower(got); lower != got {
			if again, err := domain.ParseIDNumber(lower, idToday); err != nil || again != id {
				t.Fatalf("ParseIDNumber(%q) = %q, %v; want %q with an upper-case X", lower, again, err, id)
			}
		}
	})
}
