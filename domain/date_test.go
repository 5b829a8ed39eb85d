package domain_test

import (
	"database/sql/driver"
	"encoding/json"
	"testing"
	"time"

	"gongji/domain"
)

// day is shorthand for domain.NewDate.
func day(y int, m time.Month, d int) domain.Date { return domain.NewDate(y, m, d) }

func TestBeijing_IsUTCPlus8(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1995, 7, 1, 0, 0, 0, 0, domain.Beijing),
		time.Date(2024, 1, 15, 0, 0, 0, 0, domain.Beijing),
		time.Date(2024, 7, 15, 0, 0, 0, 0, domain.Beijing),
	} {
		if _, off := tm.Zone(); off != 8*60*60 {
			t.Errorf("offset on %s = %d s, want 28800", tm.Format(time.DateOnly), off)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want domain.Date
		code domain.Code
	}{
		{"2024-03-05", day(2024, 3, 5), ""},
		{"2024-02-29", day(2024, 2, 29), ""},
		{"2000-02-29", day(2000, 2, 29), ""},
		{"2023-12-31", day(2023, 12, 31), ""},
		{"1900-01-01", day(1900, 1, 1), ""},
		{"2023-02-29", domain.Date{}, domain.CodeInvalidDate},
		{"1900-02-29", domain.Date{}, domain.CodeInvalidDate},
		{"2024-02-30", domain.Date{}, domain.CodeInvalidDate},
		{"2024-04-31", domain.Date{}, domain.CodeInvalidDate},
		{"2024-13-01", domain.Date{}, domain.CodeInvalidDate},
		{"2024-00-10", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-00", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-32", domain.Date{}, domain.CodeInvalidDate},
		{"", domain.Date{}, domain.CodeInvalidDate},
		{"2024-1-05", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-5", domain.Date{}, domain.CodeInvalidDate},
		{"24-01-05", domain.Date{}, domain.CodeInvalidDate},
		{"+2024-01-05", domain.Date{}, domain.CodeInvalidDate},
		{" 2024-01-05", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-05 ", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-05\n", domain.Date{}, domain.CodeInvalidDate},
		{"2024/01/05", domain.Date{}, domain.CodeInvalidDate},
		{"20240105", domain.Date{}, domain.CodeInvalidDate},
		{"05-01-2024", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-05T00:00:00Z", domain.Date{}, domain.CodeInvalidDate},
		{"2024-01-05 00:00:00", domain.Date{}, domain.CodeInvalidDate},
		{"２０２４-01-05", domain.Date{}, domain.CodeInvalidDate},
		{"null", domain.Date{}, domain.CodeInvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseDate(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDate_StringIsZeroPaddedAndRoundTrips(t *testing.T) {
	for _, d := range []domain.Date{day(2024, 3, 5), day(1900, 1, 1), day(2023, 12, 31), day(999, 1, 2)} {
		s := d.String()
		if len(s) != 10 {
			t.Errorf("%#v.String() = %q, want 10 characters", d, s)
		}
		back, err := domain.ParseDate(s)
		if err != nil || back != d {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, back, err, d)
		}
	}
	if got := day(2024, 3, 5).String(); got != "2024-03-05" {
		t.Errorf("String() = %q, want 2024-03-05", got)
	}
}

func TestDate_IsZero(t *testing.T) {
	tests := []struct {
		name string
		d    domain.Date
		want bool
	}{
		{"zero value", domain.Date{}, true},
		{"NewDate(0,0,0)", day(0, 0, 0), true},
		{"a real date", day(2024, 1, 1), false},
		{"year only", domain.Date{Year: 2024}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.IsZero(); got != tt.want {
				t.Errorf("IsZero() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDate_MarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		d    domain.Date
		want string
	}{
		{"date", day(2024, 3, 5), `"2024-03-05"`},
		{"leap day", day(2024, 2, 29), `"2024-02-29"`},
		{"zero is null", domain.Date{}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("json.Marshal = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestDate_MarshalJSONInStruct(t *testing.T) {
	type body struct {
		From  domain.Date  `json:"from"`
		Until domain.Date  `json:"until"`
		Ptr   *domain.Date `json:"ptr"`
	}
	b, err := json.Marshal(body{From: day(2024, 1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"from":"2024-01-02","until":null,"ptr":null}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
}

func TestDate_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want domain.Date
		code domain.Code
	}{
		{"date string", `"2024-03-05"`, day(2024, 3, 5), ""},
		{"leap day", `"2024-02-29"`, day(2024, 2, 29), ""},
		{"null gives zero", `null`, domain.Date{}, ""},
		{"impossible date", `"2023-02-29"`, domain.Date{}, domain.CodeInvalidDate},
		{"empty string", `""`, domain.Date{}, domain.CodeInvalidDate},
		{"number", `20240305`, domain.Date{}, domain.CodeInvalidDate},
		{"timestamp", `"2024-03-05T00:00:00+08:00"`, domain.Date{}, domain.CodeInvalidDate},
		{"bool", `true`, domain.Date{}, domain.CodeInvalidDate},
		{"object", `{}`, domain.Date{}, domain.CodeInvalidDate},
		{"array", `["2024-03-05"]`, domain.Date{}, domain.CodeInvalidDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d domain.Date
			err := d.UnmarshalJSON([]byte(tt.in))
			wantCode(t, err, tt.code)
			if d != tt.want {
				t.Errorf("got %v, want %v", d, tt.want)
			}
		})
	}
}

func TestDate_UnmarshalJSONNullResetsToZero(t *testing.T) {
	d := day(2024, 3, 5)
	if err := d.UnmarshalJSON([]byte("null")); err != nil {
		t.Fatal(err)
	}
	if !d.IsZero() {
		t.Errorf("after null, d = %v, want zero", d)
	}
}

func TestDate_UnmarshalJSONFailureLeavesValue(t *testing.T) {
	d := day(2024, 3, 5)
	wantCode(t, d.UnmarshalJSON([]byte(`"2024-02-30"`)), domain.CodeInvalidDate)
	if d != day(2024, 3, 5) {
		t.Errorf("d changed to %v on a failed unmarshal", d)
	}
}

func TestDate_UnmarshalJSONInStruct(t *testing.T) {
	type body struct {
		From  domain.Date  `json:"from"`
		Until domain.Date  `json:"until"`
		Ptr   *domain.Date `json:"ptr"`
	}
	var b body
	if err := json.Unmarshal([]byte(`{"from":"2024-01-02","until":null,"ptr":"2024-12-31"}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.From != day(2024, 1, 2) || !b.Until.IsZero() || b.Ptr == nil || *b.Ptr != day(2024, 12, 31) {
		t.Errorf("got %+v (ptr %v)", b, b.Ptr)
	}
	err := json.Unmarshal([]byte(`{"from":"2024-02-30"}`), &b)
	wantCode(t, err, domain.CodeInvalidDate)
}

func TestDate_StartAndEndAreBeijingMidnights(t *testing.T) {
	tests := []struct {
		name      string
		d         domain.Date
		wantStart time.Time
		wantEnd   time.Time
	}{
		{"ordinary day", day(2024, 3, 5),
			time.Date(2024, 3, 4, 16, 0, 0, 0, time.UTC), time.Date(2024, 3, 5, 16, 0, 0, 0, time.UTC)},
		{"month end", day(2024, 4, 30),
			time.Date(2024, 4, 29, 16, 0, 0, 0, time.UTC), time.Date(2024, 4, 30, 16, 0, 0, 0, time.UTC)},
		{"leap day", day(2024, 2, 29),
			time.Date(2024, 2, 28, 16, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 16, 0, 0, 0, time.UTC)},
		{"year end", day(2024, 12, 31),
			time.Date(2024, 12, 30, 16, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC)},
		{"new year", day(2025, 1, 1),
			time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 16, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := tt.d.Start(), tt.d.End()
			if !start.Equal(tt.wantStart) {
				t.Errorf("Start() = %v, want %v", start, tt.wantStart)
			}
			if !end.Equal(tt.wantEnd) {
				t.Errorf("End() = %v, want %v", end, tt.wantEnd)
			}
			if got := end.Sub(start); got != 24*time.Hour {
				t.Errorf("End-Start = %v, want 24h", got)
			}
			if h, m, s := start.In(domain.Beijing).Clock(); h != 0 || m != 0 || s != 0 {
				t.Errorf("Start() is %02d:%02d:%02d Beijing time, want midnight", h, m, s)
			}
			if got := domain.DateOf(start); got != tt.d {
				t.Errorf("DateOf(Start()) = %v, want %v", got, tt.d)
			}
			if got := domain.DateOf(end.Add(-time.Nanosecond)); got != tt.d {
				t.Errorf("DateOf(End()-1ns) = %v, want %v", got, tt.d)
			}
			if got := domain.DateOf(end); got != tt.d.AddDays(1) {
				t.Errorf("DateOf(End()) = %v, want the next day", got)
			}
			if !tt.d.End().Equal(tt.d.AddDays(1).Start()) {
				t.Errorf("End() is not the next day's Start()")
			}
		})
	}
}

func TestDateOf_CountsInBeijingTime(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		newYork = time.FixedZone("EST", -5*60*60)
	}
	tests := []struct {
		name string
		t    time.Time
		want domain.Date
	}{
		{"16:00 UTC is next day midnight in Beijing", time.Date(2024, 3, 4, 16, 0, 0, 0, time.UTC), day(2024, 3, 5)},
		{"15:59:59 UTC is still the same day", time.Date(2024, 3, 4, 15, 59, 59, 0, time.UTC), day(2024, 3, 4)},
		{"new year's eve in UTC is new year in Beijing", time.Date(2024, 12, 31, 20, 0, 0, 0, time.UTC), day(2025, 1, 1)},
		{"another zone", time.Date(2024, 3, 4, 12, 0, 0, 0, newYork), day(2024, 3, 5)},
		{"Beijing time is taken as is", time.Date(2024, 3, 4, 23, 59, 59, 0, domain.Beijing), day(2024, 3, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.DateOf(tt.t); got != tt.want {
				t.Errorf("DateOf(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestDate_AddDays(t *testing.T) {
	tests := []struct {
		name string
		d    domain.Date
		n    int
		want domain.Date
	}{
		{"zero days", day(2024, 3, 5), 0, day(2024, 3, 5)},
		{"one day", day(2024, 3, 5), 1, day(2024, 3, 6)},
		{"end of January", day(2024, 1, 31), 1, day(2024, 2, 1)},
		{"into leap day", day(2024, 2, 28), 1, day(2024, 2, 29)},
		{"out of leap day", day(2024, 2, 29), 1, day(2024, 3, 1)},
		{"common-year February end", day(2023, 2, 28), 1, day(2023, 3, 1)},
		{"end of April (30 days)", day(2024, 4, 30), 1, day(2024, 5, 1)},
		{"end of year", day(2024, 12, 31), 1, day(2025, 1, 1)},
		{"back over new year", day(2025, 1, 1), -1, day(2024, 12, 31)},
		{"back into leap day", day(2024, 3, 1), -1, day(2024, 2, 29)},
		{"back over common-year February", day(2023, 3, 1), -1, day(2023, 2, 28)},
		{"30 days from Jan 31 in a leap year", day(2024, 1, 31), 30, day(2024, 3, 1)},
		{"whole leap year", day(2024, 1, 1), 366, day(2025, 1, 1)},
		{"whole common year", day(2023, 1, 1), 365, day(2024, 1, 1)},
		{"seven days before expiry across year end", day(2025, 1, 3), -7, day(2024, 12, 27)},
		{"thirty days lapse across month end", day(2024, 11, 15), 30, day(2024, 12, 15)},
		{"back a whole year", day(2025, 3, 1), -365, day(2024, 3, 1)},
		{"across the 1991 summer-time era", day(1991, 4, 13), 1, day(1991, 4, 14)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.AddDays(tt.n); got != tt.want {
				t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.n, got, tt.want)
			}
		})
	}
}

func TestDate_AddDaysEveryDayOfALeapYear(t *testing.T) {
	d := day(2024, 1, 1)
	for i := 0; i < 366; i++ {
		next := d.AddDays(1)
		if !next.After(d) || next.AddDays(-1) != d {
			t.Fatalf("%v.AddDays(1) = %v does not step back to it", d, next)
		}
		if !d.End().Equal(next.Start()) {
			t.Fatalf("%v.End() != %v.Start()", d, next)
		}
		d = next
	}
	if d != day(2025, 1, 1) {
		t.Errorf("after 366 steps d = %v, want 2025-01-01", d)
	}
}

func TestDate_Compare(t *testing.T) {
	tests := []struct {
		name string
		a, b domain.Date
		want int
	}{
		{"equal", day(2024, 3, 5), day(2024, 3, 5), 0},
		{"zero equals zero", domain.Date{}, domain.Date{}, 0},
		{"earlier day", day(2024, 3, 4), day(2024, 3, 5), -1},
		{"later day", day(2024, 3, 6), day(2024, 3, 5), 1},
		{"month beats day", day(2024, 2, 29), day(2024, 3, 1), -1},
		{"year beats month", day(2023, 12, 31), day(2024, 1, 1), -1},
		{"year beats month (later)", day(2025, 1, 1), day(2024, 12, 31), 1},
		{"far apart", day(1900, 1, 1), day(2100, 1, 1), -1},
		{"zero is before any date", domain.Date{}, day(1900, 1, 1), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Compare(tt.b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
			if got := tt.b.Compare(tt.a); got != -tt.want {
				t.Errorf("reverse Compare = %d, want %d", got, -tt.want)
			}
			if got := tt.a.Before(tt.b); got != (tt.want < 0) {
				t.Errorf("Before = %v, want %v", got, tt.want < 0)
			}
			if got := tt.a.After(tt.b); got != (tt.want > 0) {
				t.Errorf("After = %v, want %v", got, tt.want > 0)
			}
			// Compare must agree with the instants the dates start at.
			if !tt.a.IsZero() && !tt.b.IsZero() {
				if got := tt.a.Start().Compare(tt.b.Start()); got != tt.want {
					t.Errorf("Start().Compare = %d, want %d", got, tt.want)
				}
			}
		})
	}
}

func TestDate_Value(t *testing.T) {
	tests := []struct {
		name string
		d    domain.Date
		want driver.Value
	}{
		{"date is YYYY-MM-DD text", day(2024, 3, 5), "2024-03-05"},
		{"zero is NULL", domain.Date{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.d.Value()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Value() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDate_Scan(t *testing.T) {
	tests := []struct {
		name    string
		src     any
		want    domain.Date
		wantErr bool
		code    domain.Code
	}{
		{"NULL gives zero", nil, domain.Date{}, false, ""},
		{"time at UTC midnight (lib/pq DATE)", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), day(2024, 3, 5), false, ""},
		{"time in Beijing", time.Date(2024, 2, 29, 0, 0, 0, 0, domain.Beijing), day(2024, 2, 29), false, ""},
		{"string", "2024-03-05", day(2024, 3, 5), false, ""},
		{"bytes", []byte("2024-12-31"), day(2024, 12, 31), false, ""},
		{"timestamp text keeps its date part", "2024-03-05T00:00:00Z", day(2024, 3, 5), false, ""},
		{"timestamp bytes keep their date part", []byte("2024-03-05 00:00:00+00"), day(2024, 3, 5), false, ""},
		{"impossible date text", "2023-02-29", domain.Date{}, true, domain.CodeInvalidDate},
		{"garbage text", "yesterday", domain.Date{}, true, domain.CodeInvalidDate},
		{"integer is refused", int64(20240305), domain.Date{}, true, domain.CodeInternal},
		{"float is refused", 1.5, domain.Date{}, true, domain.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d domain.Date
			err := d.Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Scan(%#v) error = %v, wantErr %v", tt.src, err, tt.wantErr)
			}
			wantCode(t, err, tt.code)
			if d != tt.want {
				t.Errorf("Scan(%#v) = %v, want %v", tt.src, d, tt.want)
			}
		})
	}
}

func TestDate_ScanNullResetsToZero(t *testing.T) {
	d := day(2024, 3, 5)
	if err := d.Scan(nil); err != nil {
		t.Fatal(err)
	}
	if !d.IsZero() {
		t.Errorf("after Scan(nil), d = %v, want zero", d)
	}
}

func TestDate_ValueScanRoundTrip(t *testing.T) {
	for _, want := range []domain.Date{{}, day(2024, 3, 5), day(2024, 2, 29), day(1900, 1, 1), day(2099, 12, 31)} {
		v, err := want.Value()
		if err != nil {
			t.Fatal(err)
		}
		var got domain.Date
		if err := got.Scan(v); err != nil {
			t.Fatalf("Scan(%#v): %v", v, err)
		}
		if got != want {
			t.Errorf("round trip of %v gave %v", want, got)
		}
	}
}
