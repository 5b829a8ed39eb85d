package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/domain"
)

// jsonRequest is a JSON request body an endpoint decodes with decodeJSON.
type jsonRequest struct {
	route string
	// newDTO returns a pointer to the request type the handler decodes.
	newDTO func() any
	// example is a valid body.
	example string
	// parse, when set, is the handler's own parsing of the body beyond
	// decoding; checkParsed checks what it returns.
	parse func(s *server, c *gin.Context) (any, error)
}

func dto[T any]() any { return new(T) }

// jsonRequests lists every request type decoded by decodeJSON, one per
// endpoint that reads a JSON body.
var jsonRequests = []jsonRequest{
	{route: "PUT /v1/persons/:id_number", newDTO: dto[putPersonRequest], example: `{"name":"张三","phone":"+8613800000000"}`},
	{route: "POST /v1/persons/:id_number/death", newDTO: dto[deathRequest], example: `{"date":"2026-11-01"}`},
	{route: "PUT /v1/persons/:id_number/enrolment", newDTO: dto[putEnrolmentRequest],
		example: `{"insutype":"310","admdvs":"652701","status":"normal","arrears":false}`},
	{route: "PUT /v1/persons/:id_number/account", newDTO: dto[putAccountRequest], example: `{"balance":"1200.00","status":"normal"}`},
	{route: "POST /v1/persons/:id_number/account/entries", newDTO: dto[postEntryRequest],
		example: `{"amount":"-200.5","kind":"adjustment","reference":"2026-11-contrib"}`},
	{route: "PUT /v1/persons/:id_number/filings/:filing_no", newDTO: dto[putFilingRequest],
		example: `{"admdvs_to":"110105","valid_from":"2026-01-01","valid_until":"2026-12-31"}`},
	{route: "PUT /v1/institutions/:code", newDTO: dto[putInstitutionRequest],
		example: `{"name":"博乐市人民医院","kind":"hospital","admdvs":"652701","designated":true}`},
	{route: "POST /v1/bindings", newDTO: dto[postBindingRequest],
		example: `{"beneficiary_id_number":"652701201605010331","relation":"child","annual_limit":"3000.00","valid_until":"2027-12-31"}`},
	{route: "PATCH /v1/bindings/:binding_id", newDTO: dto[patchBindingRequest], example: `{"annual_limit":null,"valid_until":"2028-06-30"}`},
	{route: "POST /v1/bindings/:binding_id/review", newDTO: dto[reviewRequest], example: `{"decision":"reject","reason":"证明不清晰\n请重传"}`},
	{route: "POST /v1/bindings/:binding_id/unbind", newDTO: dto[unbindRequest], example: `{"reason":"不再需要"}`},
	{route: "POST /v1/settlements", newDTO: dto[postSettlementRequest], example: `{"visit_no":"V0001",` +
		`"patient_id_number":"652701201605010331","cert_type":"e_voucher","medical_type":"outpatient","service_date":"2026-11-24",` +
		`"use_family_account":true,"topup":{"method":"bank_card","card_token":"tok_demo"},"items":[` +
		`{"code":"D001","name":"阿莫西林胶囊","category":"drug","amount":"150.00"},{"code":"N001","name":"口罩","category":"non_medical","amount":"5.5"}]}`,
		parse: func(s *server, c *gin.Context) (any, error) { return s.parseSettlement(c) }},
	{route: "POST /v1/settlements/:settlement_id/topup", newDTO: dto[topupRequestBody], example: `{"method":"cash","amount":"30.50","receipt_no":"R-0001"}`},
	{route: "POST /v1/settlements/:settlement_id/cancel", newDTO: dto[cancelRequestBody], example: `{"reason":"患者退费"}`},
	{route: "PUT /v1/me/priority", newDTO: dto[priorityRequest], example: `{"binding_ids":["00000000-0000-4000-8000-000000000000"]}`},
	{route: "POST /v1/premium-payments", newDTO: dto[postPremiumPaymentRequest],
		example: `{"beneficiary_id_number":"652701201605010331","year":2027,"amount":"400.00"}`,
		parse:   func(s *server, c *gin.Context) (any, error) { return s.parsePremiumPayment(c) }},
	{route: "POST /v1/bindings/:binding_id/consent", newDTO: dto[consentRequest], example: `{"decision":"accept"}`},
	// Appended: the seed corpus names requests by their position.
	{route: "PUT /v1/family/:beneficiary_id_number/priority", newDTO: dto[priorityRequest], example: `{"binding_ids":["00000000-0000-4000-8000-000000000000"]}`},
}

// jsonRequestIndex is the position of route in jsonRequests, as the
// fuzz target's first argument.
func jsonRequestIndex(route string) uint8 {
	for i, r := range jsonRequests {
		if r.route == route {
			return uint8(i)
		}
	}
	panic("no JSON request for " + route)
}

// jsonContext is a request context with body sent as application/json.
func jsonContext(body []byte) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	c.Request.Header.Set("Content-Type", "application/json")
	return c
}

// FuzzDecodeJSONRequest feeds any body to the strict decoder of one of the
// request types (which picks it) and checks: it never panics; a refusal is
// a domain error with a 4xx status whose message names no Go type or
// decoder internals; an accepted body holds only the type's exact JSON
// names (at any depth), and re-encoding what was decoded gives a body that
// is accepted again and encodes to the same bytes. For settlements and
// premium payments the handler's own parsing runs too, and what it accepts
// has valid fields.
func FuzzDecodeJSONRequest(f *testing.F) {
	for i, r := range jsonRequests {
		f.Add(uint8(i), []byte(r.example))
		f.Add(uint8(i), []byte(`{"`+strings.ToUpper(strings.SplitN(r.example[2:], `"`, 2)[0])+`":"'; DROP TABLE accounts;--"}`))
	}
	f.Add(jsonRequestIndex("POST /v1/settlements"), []byte(`{"items":{}}`))
	f.Add(jsonRequestIndex("POST /v1/settlements"), []byte(`{"topup":{"Method":"cash"}}`))
	f.Add(jsonRequestIndex("POST /v1/premium-payments"), []byte(`{"year":2027.0,"amount":400}`))
	f.Add(jsonRequestIndex("PUT /v1/persons/:id_number"), []byte("{\"name\":\"\xff\"}"))
	f.Add(jsonRequestIndex("PUT /v1/persons/:id_number"), []byte(`{"name":"a"}{"name":"b"}`))
	f.Add(jsonRequestIndex("PUT /v1/me/priority"), []byte(`{"binding_ids":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`))
	s := &server{now: func() time.Time { return testNow }}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := jsonRequests[int(which)%len(jsonRequests)]
		decoded := r.newDTO()
		err := decodeJSON(jsonContext(body), decoded)
		if err != nil {
			checkClientError(t, r.route, string(body), err)
			return
		}
		checkExactNames(t, r, body)
		once, err := json.Marshal(decoded)
		if err != nil {
			t.Fatalf("%s: re-encoding %#v: %v", r.route, decoded, err)
		}
		again := r.newDTO()
		if err := decodeJSON(jsonContext(once), again); err != nil {
			t.Fatalf("%s: %s was accepted, its re-encoding %s is refused: %v", r.route, body, once, err)
		}
		if twice, _ := json.Marshal(again); !bytes.Equal(once, twice) {
			t.Fatalf("%s: %s re-encodes as %s, then as %s", r.route, body, once, twice)
		}
		if r.parse == nil {
			return
		}
		parsed, err := r.parse(s, jsonContext(body))
		if err != nil {
			checkClientError(t, r.route, string(body), err)
			return
		}
		checkParsed(t, parsed)
	})
}

// checkClientError fails unless err is a domain error answered with a 4xx
// status and a message free of internals.
func checkClientError(t *testing.T, route, input string, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("%s: %q refused with a non-domain error (a 500): %v", route, input, err)
	}
	if status := StatusOf(de.Code); status < 400 || status >= 500 {
		t.Fatalf("%s: %q refused with %s, status %d", route, input, de.Code, status)
	}
	if leak := internalText(de.Message, input); leak != "" {
		t.Fatalf("%s: %q refused with %q, which shows %q", route, input, de.Message, leak)
	}
}

// checkExactNames fails if the accepted body holds an object key, at any
// depth, that is not spelt exactly as a JSON name of the request type.
func checkExactNames(t *testing.T, r jsonRequest, body []byte) {
	t.Helper()
	names := jsonNames(reflect.TypeOf(r.newDTO()), map[string]bool{})
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: accepted %q, which is not JSON: %v", r.route, body, err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if !names[k] {
					t.Fatalf("%s: accepted %s with the key %q, which the contract does not spell so", r.route, body, k)
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	obj, isObject := v.(map[string]any)
	if !isObject {
		t.Fatalf("%s: accepted %s, which is not a JSON object", r.route, body)
	}
	if _, raw := r.newDTO().(*patchBindingRequest); raw {
		// Its fields are raw JSON, read by mergeTerms: only the top level
		// is the decoder's.
		for k := range obj {
			if !names[k] {
				t.Fatalf("%s: accepted %s with the key %q", r.route, body, k)
			}
		}
		return
	}
	walk(v)
}

// jsonNames adds the JSON names of t's fields, and of the structs they
// hold, to names.
func jsonNames(t reflect.Type, names map[string]bool) map[string]bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeOf(server{}).PkgPath() {
		return names
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names[name] = true
		jsonNames(t.Field(i).Type, names)
	}
	return names
}

// checkParsed checks the fields of a request a handler's parsing accepted.
func checkParsed(t *testing.T, parsed any) {
	t.Helper()
	today := domain.DateOf(testNow)
	checkID := func(id domain.IDNumber) {
		if again, err := domain.ParseIDNumber(string(id), today); err != nil || again != id {
			t.Fatalf("accepted the ID number %q: %v", id, err)
		}
	}
	checkAmount := func(a domain.Amount) {
		if again, err := domain.ParseAmount(a.String()); err != nil || !a.IsPositive() || !again.Equal(a.Decimal) {
			t.Fatalf("accepted the amount %s: want more than zero with two decimals", a.Decimal)
		}
	}
	switch p := parsed.(type) {
	case settlementRequest:
		checkID(p.Patient)
		if domain.ValidateVisitNo(p.VisitNo) != nil || p.ServiceDate.IsZero() || len(p.Items) == 0 || len(p.Items) > domain.MaxBillItems {
			t.Fatalf("accepted the settlement %+v", p)
		}
		for _, it := range p.Items {
			checkAmount(it.Amount)
			if _, err := domain.ParseItemCategory(string(it.Category)); err != nil || it.Code == "" || it.Name == "" {
				t.Fatalf("accepted the item %+v", it)
			}
		}
	case premiumPaymentRequest:
		checkID(p.Beneficiary)
		checkAmount(p.Amount)
		if domain.ValidatePremiumYear(p.Year) != nil {
			t.Fatalf("accepted the year %d", p.Year)
		}
	default:
		t.Fatalf("no check for %T", parsed)
	}
}

// TestJSONRequests_ListEveryRouteWithAJSONBody keeps the fuzz target's
// request types in step with the malformed table, which lists every route.
func TestJSONRequests_ListEveryRouteWithAJSONBody(t *testing.T) {
	fuzzed := map[string]bool{}
	for _, r := range jsonRequests {
		fuzzed[r.route] = true
	}
	for route, spec := range malformedRoutes {
		if (spec.body != nil) != fuzzed[route] {
			t.Errorf("%s: a JSON body in malformedRoutes is %t, in jsonRequests %t", route, spec.body != nil, fuzzed[route])
		}
	}
}
