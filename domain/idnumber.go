package domain

import (
	"fmt"
	"regexp"
	"strings"
)

var idNumberPattern = regexp.MustCompile(`^[1-9][0-9]{16}[0-9X]$`)

// checkWeights are the GB 11643-1999 weights of the first 17 digits.
var checkWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars maps the weighted sum mod 11 to the check character.
const checkChars = "10X98765432"

// earliestBirth is the earliest birth date gongji accepts in an ID number.
var earliestBirth = NewDate(1900, 1, 1)

// IDNumber is a validated 18-character resident ID number (居民身份证号码),
// upper-case X.
type IDNumber string

// ParseIDNumber validates s against GB 11643-1999: 17 digits and a check
// character, a real birth date that is not after today. A lower-case x is
// accepted and stored upper-case.
func ParseIDNumber(s string, today Date) (IDNumber, error) {
	up := strings.ToUpper(s)
	if !idNumberPattern.MatchString(up) {
		return "", Errorf(CodeInvalidIDNumber, "an ID number has 17 digits and a check digit or X")
	}
	if up[17] != checkChar(up[:17]) {
		return "", Errorf(CodeInvalidIDNumber, "the check digit of the ID number is wrong")
	}
	birth, err := ParseDate(up[6:10] + "-" + up[10:12] + "-" + up[12:14])
	if err != nil {
		return "", Errorf(CodeInvalidIDNumber, "the ID number holds an impossible birth date")
	}
	if birth.Before(earliestBirth) || birth.After(today) {
		return "", Errorf(CodeInvalidIDNumber, "the ID number's birth date %s is out of range", birth)
	}
	return IDNumber(up), nil
}

// ComposeIDNumber builds a valid ID number from a 6-digit address code, a
// birth date and a 3-digit sequence (odd for men, even for women). It is
// for demo data and tests.
func ComposeIDNumber(address string, birth Date, seq int) IDNumber {
	body := fmt.Sprintf("%s%04d%02d%02d%03d", address, birth.Year, birth.Month, birth.Day, seq%1000)
	return IDNumber(body + string(checkChar(body)))
}

func checkChar(body17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body17[i]-'0') * checkWeights[i]
	}
	return checkChars[sum%11]
}

// BirthDate returns the birth date encoded in the ID number.
func (id IDNumber) BirthDate() Date {
	d, _ := ParseDate(string(id[6:10]) + "-" + string(id[10:12]) + "-" + string(id[12:14]))
	return d
}

// AgeOn returns the completed years of age on the given date. Someone born
// on 29 February turns a year older on 1 March in common years.
func (id IDNumber) AgeOn(on Date) int {
	b := id.BirthDate()
	age := on.Year - b.Year
	if on.Month < b.Month || (on.Month == b.Month && on.Day < b.Day) {
		age--
	}
	return age
}

// IsMinorOn reports whether the person is under 18 on the given date.
func (id IDNumber) IsMinorOn(on Date) bool { return id.AgeOn(on) < 18 }

// String returns the ID number.
func (id IDNumber) String() string { return string(id) }

// Masked hides the middle of the ID number for logs: 652701********1234.
func (id IDNumber) Masked() string {
	if len(id) != 18 {
		return "***"
	}
	return string(id[:6]) + "********" + string(id[14:])
}
