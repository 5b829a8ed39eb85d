package domain

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Beijing is the time zone of every date rule: validity ends, yearly limits
// and ages are all counted in Asia/Shanghai.
var Beijing = mustLoadBeijing()

func mustLoadBeijing() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// China has had no daylight saving since 1991; a fixed zone is exact
		// for every date gongji deals with.
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}

// Date is a calendar date without a time of day (YYYY-MM-DD on the wire and
// DATE in SQL). The zero Date is "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d; it does not normalise out-of-range values.
func NewDate(y int, m time.Month, d int) Date { return Date{Year: y, Month: m, Day: d} }

// DateOf returns the calendar date of t in Beijing time.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Beijing).Date()
	return Date{y, m, d}
}

// ParseDate parses a strict YYYY-MM-DD date and refuses impossible ones
// such as 2023-02-29.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return Date{}, Errorf(CodeInvalidDate, "%q is not a date in the form YYYY-MM-DD", s)
	}
	return DateOf(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, Beijing)), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Start returns midnight at the start of d in Beijing time.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Beijing) }

// End returns the instant d ends in Beijing time (midnight of the next day).
func (d Date) End() time.Time { return d.Start().AddDate(0, 0, 1) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Start().Add(12*time.Hour).AddDate(0, 0, n)) }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a "YYYY-MM-DD" string.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(CodeInvalidDate, "a date must be a string in the form YYYY-MM-DD")
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// Value stores d as a SQL DATE (NULL for the zero Date).
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a SQL DATE.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Date{v.Year(), v.Month(), v.Day()}
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	default:
		return fmt.Errorf("domain.Date: cannot scan %T", src)
	}
	return nil
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
