package domain_test

import (
	"encoding"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"gongji/domain"
)

// refusedAmounts are refused by both ParseAmount and ParseSignedAmount.
var refusedAmounts = []struct {
	name, in string
}{
	{"three decimals", "12.345"},
	{"three zero decimals", "12.300"},
	{"exponent", "1e3"},
	{"upper-case exponent", "1E3"},
	{"exponent with decimals", "1.5e2"},
	{"NaN", "NaN"},
	{"lower-case nan", "nan"},
	{"infinity", "Inf"},
	{"plus sign", "+1"},
	{"leading zero with decimals", "01.00"},
	{"leading zero", "01"},
	{"double zero", "00"},
	{"no integer part", ".5"},
	{"no decimals after point", "5."},
	{"empty", ""},
	{"leading space", " 1"},
	{"trailing space", "1 "},
	{"trailing newline", "1\n"},
	{"negative zero with decimals", "-0.00"},
	{"negative zero", "-0"},
	{"negative zero one decimal", "-0.0"},
	{"lone minus", "-"},
	{"double minus", "--1"},
	{"minus then space", "- 1"},
	{"unicode minus", "−1"},
	{"13-digit integer part", "1234567890123"},
	{"13-digit integer part with decimals", "1234567890123.00"},
	{"13-digit negative", "-1234567890123"},
	{"thousands separator", "1,000.00"},
	{"decimal comma", "12,30"},
	{"underscore", "1_000"},
	{"hex", "0x10"},
	{"two points", "12.3.4"},
	{"full-width digits", "１２"},
	{"currency sign", "¥12.30"},
	{"JSON-quoted", `"12.30"`},
	{"letters", "twelve"},
}

func TestParseAmount(t *testing.T) {
	accepted := []struct {
		in, want string
	}{
		{"12.30", "12.30"},
		{"12.3", "12.30"},
		{"0", "0.00"},
		{"0.0", "0.00"},
		{"0.00", "0.00"},
		{"0.5", "0.50"},
		{"0.01", "0.01"},
		{"12", "12.00"},
		{"100", "100.00"},
		{"10.05", "10.05"},
		{"999999999999.99", "999999999999.99"},
		{"100000000000", "100000000000.00"},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.in, func(t *testing.T) {
			a, err := domain.ParseAmount(tt.in)
			wantCode(t, err, "")
			if got := a.String(); got != tt.want {
				t.Errorf("ParseAmount(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			if !a.Equal(decimal.RequireFromString(tt.in)) {
				t.Errorf("ParseAmount(%q) = %v, not equal to its input", tt.in, a)
			}
		})
	}
	refused := append([]struct{ name, in string }{
		{"negative", "-5.00"},
		{"negative cent", "-0.01"},
		{"negative integer", "-1"},
	}, refusedAmounts...)
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			a, err := domain.ParseAmount(tt.in)
			wantCode(t, err, domain.CodeInvalidAmount)
			if !a.IsZero() {
				t.Errorf("ParseAmount(%q) returned %v along with an error", tt.in, a)
			}
		})
	}
}

func TestParseSignedAmount(t *testing.T) {
	accepted := []struct {
		in, want string
	}{
		{"-5.00", "-5.00"},
		{"-5", "-5.00"},
		{"-0.01", "-0.01"},
		{"-0.5", "-0.50"},
		{"-999999999999.99", "-999999999999.99"},
		{"12.30", "12.30"},
		{"0", "0.00"},
	}
	for _, tt := range accepted {
		t.Run("accepts "+tt.in, func(t *testing.T) {
			a, err := domain.ParseSignedAmount(tt.in)
			wantCode(t, err, "")
			if got := a.String(); got != tt.want {
				t.Errorf("ParseSignedAmount(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	refused := append([]struct{ name, in string }{
		{"negative leading zero", "-01"},
		{"negative exponent", "-1e3"},
		{"negative three decimals", "-1.234"},
		{"negative no integer part", "-.5"},
	}, refusedAmounts...)
	for _, tt := range refused {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := domain.ParseSignedAmount(tt.in)
			wantCode(t, err, domain.CodeInvalidAmount)
		})
	}
}

func TestMustAmount(t *testing.T) {
	if got := domain.MustAmount("-7.5").String(); got != "-7.50" {
		t.Errorf("MustAmount(-7.5) = %s, want -7.50", got)
	}
	for _, in := range []string{"12.345", "1e3", "", "-0.00"} {
		t.Run("panics on "+in, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MustAmount(%q) did not panic", in)
				}
			}()
			domain.MustAmount(in)
		})
	}
}

func TestNewAmount(t *testing.T) {
	ok := []struct {
		name string
		d    decimal.Decimal
		want string
	}{
		{"two decimals", decimal.New(1230, -2), "12.30"},
		{"one decimal", decimal.New(123, -1), "12.30"},
		{"integer", decimal.New(12, 0), "12.00"},
		{"trailing zeros beyond two decimals", decimal.New(123000, -4), "12.30"},
		{"negative", decimal.New(-5, 0), "-5.00"},
		{"zero", decimal.Zero, "0.00"},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.NewAmount(tt.d).String(); got != tt.want {
				t.Errorf("NewAmount(%s) = %s, want %s", tt.d, got, tt.want)
			}
		})
	}
	for _, d := range []decimal.Decimal{decimal.New(12345, -3), decimal.New(1, -3), decimal.RequireFromString("0.001")} {
		t.Run("panics on "+d.String(), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewAmount(%s) did not panic", d)
				}
			}()
			domain.NewAmount(d)
		})
	}
}

func TestAmount_StringAlwaysHasTwoDecimals(t *testing.T) {
	tests := []struct {
		name string
		a    domain.Amount
		want string
	}{
		{"Zero", domain.Zero, "0.00"},
		{"zero value", domain.Amount{}, "0.00"},
		{"one decimal", domain.MustAmount("12.3"), "12.30"},
		{"integer", domain.MustAmount("12"), "12.00"},
		{"negative", domain.MustAmount("-0.5"), "-0.50"},
		{"largest", domain.MustAmount("999999999999.99"), "999999999999.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAmount_Arithmetic(t *testing.T) {
	m := domain.MustAmount
	tests := []struct {
		name string
		got  domain.Amount
		want string
	}{
		{"Add", m("12.30").Add(m("0.70")), "13.00"},
		{"Add negative", m("12.30").Add(m("-12.30")), "0.00"},
		{"Add to zero value", domain.Amount{}.Add(m("1.01")), "1.01"},
		{"Sub", m("10").Sub(m("0.01")), "9.99"},
		{"Sub below zero", m("1").Sub(m("2.5")), "-1.50"},
		{"Neg", m("3.20").Neg(), "-3.20"},
		{"Neg negative", m("-3.20").Neg(), "3.20"},
		{"Neg zero stays zero", domain.Zero.Neg(), "0.00"},
		{"Min left", m("1.00").Min(m("2.00")), "1.00"},
		{"Min right", m("2.00").Min(m("1.00")), "1.00"},
		{"Min equal", m("2.0").Min(m("2.00")), "2.00"},
		{"Min negative", m("-1").Min(m("0")), "-1.00"},
		{"no float drift", m("0.10").Add(m("0.20")), "0.30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAmount_MarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		a    domain.Amount
		want string
	}{
		{"one decimal gets two", domain.MustAmount("12.3"), `"12.30"`},
		{"two decimals", domain.MustAmount("12.30"), `"12.30"`},
		{"integer", domain.MustAmount("12"), `"12.00"`},
		{"zero", domain.MustAmount("0"), `"0.00"`},
		{"Zero", domain.Zero, `"0.00"`},
		{"zero value", domain.Amount{}, `"0.00"`},
		{"negative", domain.MustAmount("-5"), `"-5.00"`},
		{"from NewAmount", domain.NewAmount(decimal.New(5, -1)), `"0.50"`},
		{"result of arithmetic", domain.MustAmount("0.1").Add(domain.MustAmount("0.2")), `"0.30"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("json.Marshal = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestAmount_MarshalJSONInStruct(t *testing.T) {
	type body struct {
		Total domain.Amount  `json:"total"`
		Limit *domain.Amount `json:"limit"`
	}
	limit := domain.MustAmount("500")
	b, err := json.Marshal(body{Total: domain.MustAmount("12.3"), Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"total":"12.30","limit":"500.00"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	b, err = json.Marshal(body{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"total":"0.00","limit":null}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
}

func TestAmount_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		code domain.Code
	}{
		{"string with two decimals", `"12.30"`, "12.30", ""},
		{"string with one decimal", `"12.3"`, "12.30", ""},
		{"string zero", `"0"`, "0.00", ""},
		{"negative string (signed)", `"-5.00"`, "-5.00", ""},
		{"JSON number with decimals", `12.3`, "", domain.CodeInvalidAmount},
		{"JSON integer", `12`, "", domain.CodeInvalidAmount},
		{"JSON zero", `0`, "", domain.CodeInvalidAmount},
		{"JSON exponent number", `1e3`, "", domain.CodeInvalidAmount},
		{"null", `null`, "", domain.CodeInvalidAmount},
		{"bool", `true`, "", domain.CodeInvalidAmount},
		{"object", `{"amount":"12.30"}`, "", domain.CodeInvalidAmount},
		{"three decimals", `"12.345"`, "", domain.CodeInvalidAmount},
		{"exponent string", `"1e3"`, "", domain.CodeInvalidAmount},
		{"NaN string", `"NaN"`, "", domain.CodeInvalidAmount},
		{"empty string", `""`, "", domain.CodeInvalidAmount},
		{"negative zero string", `"-0.00"`, "", domain.CodeInvalidAmount},
		{"plus string", `"+1"`, "", domain.CodeInvalidAmount},
		{"padded string", `" 1"`, "", domain.CodeInvalidAmount},
		{"long number", `123456789012345678901234567890.123`, "", domain.CodeInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a domain.Amount
			err := a.UnmarshalJSON([]byte(tt.in))
			wantCode(t, err, tt.code)
			if tt.code == "" && a.String() != tt.want {
				t.Errorf("got %s, want %s", a, tt.want)
			}
		})
	}
}

func TestAmount_UnmarshalJSONInStruct(t *testing.T) {
	type body struct {
		Total domain.Amount  `json:"total"`
		Limit *domain.Amount `json:"limit"`
	}
	tests := []struct {
		name      string
		in        string
		wantTotal string
		wantLimit string // "" for a nil pointer
		code      domain.Code
	}{
		{"strings", `{"total":"12.30","limit":"500"}`, "12.30", "500.00", ""},
		{"null pointer stays nil", `{"total":"1.00","limit":null}`, "1.00", "", ""},
		{"absent fields", `{}`, "0.00", "", ""},
		{"number refused", `{"total":12.3}`, "", "", domain.CodeInvalidAmount},
		{"number refused through pointer", `{"total":"1","limit":500}`, "", "", domain.CodeInvalidAmount},
		{"too precise refused", `{"total":"0.001"}`, "", "", domain.CodeInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b body
			err := json.Unmarshal([]byte(tt.in), &b)
			wantCode(t, err, tt.code)
			if tt.code != "" {
				return
			}
			if got := b.Total.String(); got != tt.wantTotal {
				t.Errorf("total = %s, want %s", got, tt.wantTotal)
			}
			switch {
			case tt.wantLimit == "" && b.Limit != nil:
				t.Errorf("limit = %v, want nil", b.Limit)
			case tt.wantLimit != "" && (b.Limit == nil || b.Limit.String() != tt.wantLimit):
				t.Errorf("limit = %v, want %s", b.Limit, tt.wantLimit)
			}
		})
	}
}

func TestAmount_JSONRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.01", "12.3", "-5", "999999999999.99"} {
		want := domain.MustAmount(s)
		b, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var got domain.Amount
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !got.Equal(want.Decimal) || got.String() != want.String() {
			t.Errorf("round trip of %s gave %s", want, got)
		}
	}
}

// Text encodings (YAML policy files, env config, form binding) must be as
// strict as JSON: the text methods must not fall through to decimal's.
func TestAmount_TextEncodingIsStrict(t *testing.T) {
	var _ encoding.TextUnmarshaler = (*domain.Amount)(nil)
	var _ encoding.TextMarshaler = domain.Amount{}

	tests := []struct {
		in   string
		want string
		code domain.Code
	}{
		{"12.30", "12.30", ""},
		{"12.3", "12.30", ""},
		{"-5", "-5.00", ""},
		{"12.345", "", domain.CodeInvalidAmount},
		{"1e3", "", domain.CodeInvalidAmount},
		{"NaN", "", domain.CodeInvalidAmount},
		{"", "", domain.CodeInvalidAmount},
		{"-0.00", "", domain.CodeInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var a domain.Amount
			err := a.UnmarshalText([]byte(tt.in))
			wantCode(t, err, tt.code)
			if tt.code == "" && a.String() != tt.want {
				t.Errorf("UnmarshalText(%q) = %s, want %s", tt.in, a, tt.want)
			}
		})
	}
	b, err := domain.MustAmount("12.3").MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "12.30" {
		t.Errorf("MarshalText() = %q, want \"12.30\"", b)
	}
}

func TestAmount_Value(t *testing.T) {
	tests := []struct {
		name string
		a    domain.Amount
		want string
	}{
		{"two decimals", domain.MustAmount("12.3"), "12.30"},
		{"zero value", domain.Amount{}, "0.00"},
		{"negative", domain.MustAmount("-0.5"), "-0.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.a.Value()
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := v.(string); !ok || s != tt.want {
				t.Errorf("Value() = %#v, want %q", v, tt.want)
			}
		})
	}
}

func TestAmount_Scan(t *testing.T) {
	tests := []struct {
		name    string
		src     any
		want    string
		wantErr bool
	}{
		{"NUMERIC text", "12.30", "12.30", false},
		{"NUMERIC bytes (lib/pq)", []byte("1234.50"), "1234.50", false},
		{"negative bytes", []byte("-0.01"), "-0.01", false},
		{"int64", int64(12), "12.00", false},
		{"float64", 12.3, "12.30", false},
		{"NULL is refused", nil, "", true},
		{"garbage is refused", "twelve", "", true},
		{"NaN float is refused", nanFloat(), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a domain.Amount
			err := a.Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Scan(%#v) error = %v, wantErr %v", tt.src, err, tt.wantErr)
			}
			if !tt.wantErr && a.String() != tt.want {
				t.Errorf("Scan(%#v) = %s, want %s", tt.src, a, tt.want)
			}
		})
	}
}

func nanFloat() float64 {
	zero := 0.0
	return zero / zero
}

func TestAmount_ValueScanRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.01", "12.3", "-5", "999999999999.99", "-999999999999.99"} {
		want := domain.MustAmount(s)
		v, err := want.Value()
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range []any{v, []byte(v.(string))} {
			var got domain.Amount
			if err := got.Scan(src); err != nil {
				t.Fatalf("Scan(%#v): %v", src, err)
			}
			if !got.Equal(want.Decimal) || got.String() != want.String() {
				t.Errorf("round trip of %s via %T gave %s", want, src, got)
			}
		}
	}
}

func TestAmount_FormatAlwaysShowsTwoDecimals(t *testing.T) {
	a := domain.MustAmount("30.5")
	for _, verb := range []string{"%s", "%v", "%d"} {
		if got := fmt.Sprintf(verb, a); got != "30.50" {
			t.Errorf("Sprintf(%q) = %q, want 30.50", verb, got)
		}
	}
}
