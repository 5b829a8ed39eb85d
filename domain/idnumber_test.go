package domain_test

import (
	"strings"
	"testing"

	"gongji/domain"
)

// refCheckChar is an independent GB 11643-1999 check-character computation:
// sum of digit×weight over the first 17 characters, mod 11, mapped onto
// 1 0 X 9 8 7 6 5 4 3 2.
func refCheckChar(body17 string) byte {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	chars := []byte{'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'}
	sum := 0
	for i, w := range weights {
		sum += int(body17[i]-'0') * w
	}
	return chars[sum%11]
}

// idToday is the "today" of most ID-number tests.
var idToday = day(2024, 6, 1)

// Real-format ID numbers whose check characters were computed by hand.
// Each comment shows the weighted sum and sum mod 11.
var handComputedIDs = []struct {
	name  string
	id    string
	birth domain.Date
}{
	// The GB 11643-1999 example: 167 mod 11 = 2 → X.
	{"standard's example, X check", "11010519491231002X", day(1949, 12, 31)},
	// 6*7+5*9+2*10+7*5+0*8+1*4+2*2+0*1+1*6+5*3+0*7+6*9+1*10+2*5+0*8+0*4+3*2 = 251; 251 mod 11 = 9 → 3.
	{"博乐市 child", "652701201506120033", day(2015, 6, 12)},
	// 316 mod 11 = 8 → 4; born on a leap day.
	{"精河县 leap-day birth", "652722198002290044", day(1980, 2, 29)},
	// 254 mod 11 = 1 → 0.
	{"阿拉山口市 adult, 0 check", "652702197501011230", day(1975, 1, 1)},
	// 222 mod 11 = 2 → X.
	{"温泉县 child, X check", "65272320100301005X", day(2010, 3, 1)},
	// 181 mod 11 = 5 → 7.
	{"乌鲁木齐 adult", "650102199001010017", day(1990, 1, 1)},
	// 238 mod 11 = 7 → 5.
	{"year-end birth", "652701200812310025", day(2008, 12, 31)},
	// 247 mod 11 = 5 → 7; 2000 is a leap year.
	{"2000-02-29 birth", "652701200002290077", day(2000, 2, 29)},
}

func TestRefCheckChar_AgreesWithHandComputedIDs(t *testing.T) {
	for _, tt := range handComputedIDs {
		if got := refCheckChar(tt.id[:17]); got != tt.id[17] {
			t.Errorf("%s: reference check char %c, hand-computed %c", tt.id, got, tt.id[17])
		}
	}
}

func TestParseIDNumber_AcceptsHandComputedIDs(t *testing.T) {
	for _, tt := range handComputedIDs {
		t.Run(tt.name, func(t *testing.T) {
			id, err := domain.ParseIDNumber(tt.id, idToday)
			wantCode(t, err, "")
			if string(id) != tt.id {
				t.Errorf("ParseIDNumber(%q) = %q", tt.id, id)
			}
			if got := id.BirthDate(); got != tt.birth {
				t.Errorf("BirthDate() = %v, want %v", got, tt.birth)
			}
		})
	}
}

func TestParseIDNumber_AcceptsLowerCaseXAndUpperCasesIt(t *testing.T) {
	for _, in := range []string{"11010519491231002x", "65272320100301005x"} {
		t.Run(in, func(t *testing.T) {
			id, err := domain.ParseIDNumber(in, idToday)
			wantCode(t, err, "")
			if want := strings.ToUpper(in); string(id) != want {
				t.Errorf("ParseIDNumber(%q) = %q, want %q", in, id, want)
			}
			if id.String() != string(id) {
				t.Errorf("String() = %q, want %q", id.String(), id)
			}
		})
	}
}

func TestParseIDNumber_AcceptsComposedIDs(t *testing.T) {
	addresses := []string{"652701", "652702", "652722", "652723", "650102", "110105", "660100"}
	births := []domain.Date{
		day(1900, 1, 1), day(1949, 10, 1), day(1980, 2, 29), day(1999, 12, 31),
		day(2006, 6, 15), day(2018, 1, 1), day(2024, 2, 29), idToday,
	}
	seqs := []int{0, 1, 2, 99, 123, 998, 999}
	count := 0
	for _, addr := range addresses {
		for _, birth := range births {
			for _, seq := range seqs {
				id := domain.ComposeIDNumber(addr, birth, seq)
				if len(id) != 18 {
					t.Fatalf("ComposeIDNumber(%s, %v, %d) = %q, not 18 characters", addr, birth, seq, id)
				}
				if got := refCheckChar(string(id[:17])); got != id[17] {
					t.Errorf("ComposeIDNumber(%s, %v, %d) = %s, reference check char %c", addr, birth, seq, id, got)
				}
				parsed, err := domain.ParseIDNumber(string(id), idToday)
				if err != nil {
					t.Errorf("ParseIDNumber(%s) = %v", id, err)
					continue
				}
				if parsed != id || parsed.BirthDate() != birth || string(id[:6]) != addr {
					t.Errorf("ParseIDNumber(%s) = %s, birth %v", id, parsed, parsed.BirthDate())
				}
				count++
			}
		}
	}
	if count != len(addresses)*len(births)*len(seqs) {
		t.Errorf("only %d composed IDs parsed", count)
	}
}

func TestComposeIDNumber_Layout(t *testing.T) {
	tests := []struct {
		name    string
		address string
		birth   domain.Date
		seq     int
		want    string
	}{
		{"matches a hand-computed ID", "652701", day(2015, 6, 12), 3, "652701201506120033"},
		{"X check", "652723", day(2010, 3, 1), 5, "65272320100301005X"},
		{"sequence is zero-padded", "650102", day(1990, 1, 1), 1, "650102199001010017"},
		{"sequence keeps three digits", "652701", day(2015, 6, 12), 1003, "652701201506120033"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ComposeIDNumber(tt.address, tt.birth, tt.seq); string(got) != tt.want {
				t.Errorf("ComposeIDNumber = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseIDNumber_RejectsEveryWrongCheckCharacter(t *testing.T) {
	for _, tt := range handComputedIDs {
		body, right := tt.id[:17], tt.id[17]
		for _, c := range "0123456789X" {
			if byte(c) == right {
				continue
			}
			in := body + string(c)
			if _, err := domain.ParseIDNumber(in, idToday); domain.ErrorCode(err) != domain.CodeInvalidIDNumber {
				t.Errorf("ParseIDNumber(%s) error = %v, want %s", in, err, domain.CodeInvalidIDNumber)
			}
		}
	}
}

func TestParseIDNumber_Rejects(t *testing.T) {
	compose := func(addr string, birth domain.Date, seq int) string {
		return string(domain.ComposeIDNumber(addr, birth, seq))
	}
	valid := "652701201506120033"
	tests := []struct {
		name  string
		in    string
		today domain.Date
	}{
		{"wrong check digit", "652701201506120034", idToday},
		{"X where a digit belongs", "65270120150612003X", idToday},
		{"17 characters", valid[:17], idToday},
		{"19 characters", valid + "0", idToday},
		{"15-character first-generation number", "652701150612003", idToday},
		{"empty", "", idToday},
		{"letter in the body", "65270120150612A033", idToday},
		{"X in the body", "6527012015061X0033", idToday},
		{"other letter as check", "65270120150612003Y", idToday},
		{"leading zero", compose("052701", day(2015, 6, 12), 3), idToday},
		{"leading space", " " + valid, idToday},
		{"trailing space", valid + " ", idToday},
		{"inner space", "652701 01506120033", idToday},
		{"full-width digits", "６５２７０１２０１５０６１２００３３", idToday},
		{"February 30", compose("652701", day(2024, 2, 30), 1), idToday},
		{"2023-02-29 (common year)", compose("652701", day(2023, 2, 29), 1), idToday},
		{"1900-02-29 (century, not leap)", compose("652701", day(1900, 2, 29), 1), idToday},
		{"April 31", compose("652701", day(2020, 4, 31), 1), idToday},
		{"month 13", compose("652701", day(2020, 13, 1), 1), idToday},
		{"month 00", compose("652701", day(2020, 0, 1), 1), idToday},
		{"day 00", compose("652701", day(2020, 1, 0), 1), idToday},
		{"day 32", compose("652701", day(2020, 1, 32), 1), idToday},
		{"born tomorrow", compose("652701", idToday.AddDays(1), 1), idToday},
		{"born next year", compose("652701", day(2025, 1, 1), 1), idToday},
		{"born before 1900", compose("652701", day(1899, 12, 31), 1), idToday},
		// GB 11643's second example: check 195 mod 11 = 8 → 4 is right,
		// but 1880 is before 1900.
		{"GB example born 1880", "440524188001010014", idToday},
		{"year 0000", compose("652701", day(0, 1, 1), 1), idToday},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := domain.ParseIDNumber(tt.in, tt.today)
			wantCode(t, err, domain.CodeInvalidIDNumber)
			if id != "" {
				t.Errorf("ParseIDNumber(%q) returned %q along with an error", tt.in, id)
			}
		})
	}
}

func TestParseIDNumber_BirthDateBounds(t *testing.T) {
	tests := []struct {
		name  string
		birth domain.Date
		today domain.Date
		code  domain.Code
	}{
		{"born today", idToday, idToday, ""},
		{"born yesterday", idToday.AddDays(-1), idToday, ""},
		{"born tomorrow", idToday.AddDays(1), idToday, domain.CodeInvalidIDNumber},
		{"born on 1900-01-01", day(1900, 1, 1), idToday, ""},
		{"born on 1899-12-31", day(1899, 12, 31), idToday, domain.CodeInvalidIDNumber},
		{"valid against a later today", day(2030, 1, 1), day(2030, 1, 1), ""},
		{"future against an earlier today", day(2024, 6, 1), day(2020, 1, 1), domain.CodeInvalidIDNumber},
		{"born on leap day, today is that day", day(2024, 2, 29), day(2024, 2, 29), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := domain.ParseIDNumber(string(domain.ComposeIDNumber("652701", tt.birth, 7)), tt.today)
			wantCode(t, err, tt.code)
		})
	}
}

func TestIDNumber_AgeOn(t *testing.T) {
	mk := func(birth domain.Date) domain.IDNumber { return domain.ComposeIDNumber("652701", birth, 1) }
	summer := mk(day(2010, 6, 15))
	leap := mk(day(2008, 2, 29))
	newYearsEve := mk(day(2005, 12, 31))
	tests := []struct {
		name string
		id   domain.IDNumber
		on   domain.Date
		want int
	}{
		{"day of birth", summer, day(2010, 6, 15), 0},
		{"day after birth", summer, day(2010, 6, 16), 0},
		{"day before first birthday", summer, day(2011, 6, 14), 0},
		{"first birthday", summer, day(2011, 6, 15), 1},
		{"birthday today", summer, day(2024, 6, 15), 14},
		{"day before birthday", summer, day(2024, 6, 14), 13},
		{"day after birthday", summer, day(2024, 6, 16), 14},
		{"earlier month", summer, day(2024, 5, 31), 13},
		{"later month, earlier day", summer, day(2024, 7, 1), 14},
		{"Dec 31 birth on Dec 31", newYearsEve, day(2023, 12, 31), 18},
		{"Dec 31 birth on Jan 1", newYearsEve, day(2024, 1, 1), 18},
		{"Dec 31 birth on Dec 30", newYearsEve, day(2023, 12, 30), 17},
		{"Feb 29 birth, common year Feb 28", leap, day(2023, 2, 28), 14},
		{"Feb 29 birth, common year Mar 1", leap, day(2023, 3, 1), 15},
		{"Feb 29 birth, leap year Feb 28", leap, day(2024, 2, 28), 15},
		{"Feb 29 birth, leap year Feb 29", leap, day(2024, 2, 29), 16},
		{"Feb 29 birth, leap year Mar 1", leap, day(2024, 3, 1), 16},
		{"Feb 29 birth, first common year Feb 28", leap, day(2009, 2, 28), 0},
		{"Feb 29 birth, first common year Mar 1", leap, day(2009, 3, 1), 1},
		{"hand-computed ID", domain.IDNumber("652722198002290044"), day(2024, 2, 29), 44},
		{"hand-computed ID, day before", domain.IDNumber("652722198002290044"), day(2024, 2, 28), 43},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.AgeOn(tt.on); got != tt.want {
				t.Errorf("%s.AgeOn(%v) = %d, want %d", tt.id, tt.on, got, tt.want)
			}
		})
	}
}

func TestIDNumber_IsMinorOn(t *testing.T) {
	birth := day(2007, 6, 15)
	id := domain.ComposeIDNumber("652701", birth, 2)
	seventeenth := day(2024, 6, 15)
	dayBefore18 := seventeenth.AddDays(364) // 2025 has no Feb 29 before June
	if dayBefore18 != day(2025, 6, 14) {
		t.Fatalf("17 years 364 days is %v, want 2025-06-14", dayBefore18)
	}
	leapID := domain.ComposeIDNumber("652701", day(2004, 2, 29), 2)
	tests := []struct {
		name string
		id   domain.IDNumber
		on   domain.Date
		want bool
	}{
		{"newborn", id, birth, true},
		{"17 years exactly", id, seventeenth, true},
		{"17 years 364 days", id, dayBefore18, true},
		{"exactly 18", id, day(2025, 6, 15), false},
		{"18 and a day", id, day(2025, 6, 16), false},
		{"adult", id, day(2040, 1, 1), false},
		{"Feb 29 birth, Feb 28 of 18th year (common)", leapID, day(2022, 2, 28), true},
		{"Feb 29 birth, Mar 1 of 18th year (common)", leapID, day(2022, 3, 1), false},
		{"service date before birth", id, day(2000, 1, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.IsMinorOn(tt.on); got != tt.want {
				t.Errorf("%s.IsMinorOn(%v) = %v (age %d), want %v", tt.id, tt.on, got, tt.id.AgeOn(tt.on), tt.want)
			}
		})
	}
}

func TestIDNumber_BirthDate(t *testing.T) {
	for _, birth := range []domain.Date{day(1900, 1, 1), day(2000, 2, 29), day(2024, 12, 31)} {
		id := domain.ComposeIDNumber("650102", birth, 42)
		if got := id.BirthDate(); got != birth {
			t.Errorf("%s.BirthDate() = %v, want %v", id, got, birth)
		}
	}
}

func TestIDNumber_Masked(t *testing.T) {
	tests := []struct {
		name string
		id   domain.IDNumber
		want string
	}{
		{"digit check", "652701201506120033", "652701********0033"},
		{"X check", "65272320100301005X", "652723********005X"},
		{"empty", "", "***"},
		{"too short", "65270120150612003", "***"},
		{"too long", "6527012015061200331", "***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.id.Masked()
			if got != tt.want {
				t.Errorf("Masked() = %q, want %q", got, tt.want)
			}
			if len(tt.id) == 18 {
				if len(got) != 18 {
					t.Errorf("Masked() has %d characters, want 18", len(got))
				}
				if birth := string(tt.id[6:14]); strings.Contains(got, birth) {
					t.Errorf("Masked() = %q still shows the birth date %s", got, birth)
				}
			}
		})
	}
}

func TestIDNumber_MaskedHidesBirthDateOfEveryComposedID(t *testing.T) {
	birth := day(1985, 7, 20)
	for seq := 0; seq < 20; seq++ {
		id := domain.ComposeIDNumber("652701", birth, seq)
		m := id.Masked()
		if m[:6] != "652701" || m[6:14] != "********" || m[14:] != string(id[14:]) {
			t.Errorf("%s.Masked() = %s", id, m)
		}
	}
}
