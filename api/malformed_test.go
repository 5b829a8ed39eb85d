package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/sim"
)

// sqlText is an SQL injection attempt, sent wherever an id or a field
// of a fixed form is expected.
const sqlText = "'; DROP TABLE accounts;--"

// malformedCase is one bad request and the refusal it must get.
type malformedCase struct {
	route  string
	name   string
	req    request
	status int
	code   domain.Code
}

// malformedRoute says what a /v1 route reads besides its path
// parameters, so that each of its inputs gets bad values.
type malformedRoute struct {
	// body is a valid JSON body; nil when the route reads none.
	body map[string]any
	// required are the body's fields that must be present.
	required []string
	// fields are bad values of the body's fields that have a fixed form.
	fields []fieldCase
	// paged routes read ?limit= and ?cursor=.
	paged bool
	// queries are bad values of the route's other query parameters.
	queries []queryCase
	// extra builds bad requests of other kinds (uploads).
	extra func(m *malformedAPI) []malformedCase
}

// malformedRoutes lists every /v1 route; a route missing here fails
// TestMalformed_EveryRouteIsListed.
var malformedRoutes = map[string]malformedRoute{
	"PUT /v1/persons/:id_number": {
		body: map[string]any{"name": "张三", "phone": "13800000000"}, required: []string{"name"},
		fields: []fieldCase{
			{"name", "", domain.CodeInvalidRequest},
			{"name", "张\u0000三", domain.CodeInvalidRequest},
			{"phone", sqlText, domain.CodeInvalidRequest},
		},
	},
	"GET /v1/persons/:id_number": {},
	"PUT /v1/persons/:id_number/enrolment": {
		body:     map[string]any{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": false},
		required: []string{"insutype", "admdvs", "status", "arrears"},
		fields: []fieldCase{
			{"insutype", sqlText, domain.CodeInvalidEnumValue},
			{"admdvs", sqlText, domain.CodeInvalidAdmdvs},
			{"status", sqlText, domain.CodeInvalidEnumValue},
		},
	},
	"PUT /v1/persons/:id_number/account": {
		body: map[string]any{"balance": "1200.00", "status": "normal"}, required: []string{"balance", "status"},
		fields: []fieldCase{
			{"balance", "1e3", domain.CodeInvalidAmount},
			{"balance", "-1.00", domain.CodeInvalidAmount},
			{"balance", sqlText, domain.CodeInvalidAmount},
			{"status", sqlText, domain.CodeInvalidEnumValue},
		},
	},
	"POST /v1/persons/:id_number/account/entries": {
		body:     map[string]any{"amount": "200.00", "kind": "contribution", "reference": "2026-11-contrib"},
		required: []string{"amount", "kind", "reference"},
		fields: []fieldCase{
			{"amount", "NaN", domain.CodeInvalidAmount},
			{"kind", sqlText, domain.CodeInvalidEnumValue},
			{"reference", sqlText, domain.CodeInvalidRequest},
		},
	},
	"PUT /v1/persons/:id_number/filings/:filing_no": {
		body:     map[string]any{"admdvs_to": "110105", "valid_from": "2026-01-01", "valid_until": "2026-12-31"},
		required: []string{"admdvs_to", "valid_from", "valid_until"},
		fields: []fieldCase{
			{"admdvs_to", sqlText, domain.CodeInvalidAdmdvs},
			{"valid_from", "2026-02-30", domain.CodeInvalidDate},
			{"valid_until", sqlText, domain.CodeInvalidDate},
		},
	},
	"POST /v1/persons/:id_number/death": {
		body: map[string]any{"date": daysFromToday(-23)}, required: []string{"date"},
		fields: []fieldCase{
			{"date", sqlText, domain.CodeInvalidDate},
			{"date", "2026-11-01T00:00:00Z", domain.CodeInvalidDate},
		},
	},
	"PUT /v1/institutions/:code": {
		body:     map[string]any{"name": "博乐市人民医院", "kind": "hospital", "admdvs": "652701", "designated": true},
		required: []string{"name", "kind", "admdvs", "designated"},
		fields: []fieldCase{
			{"kind", sqlText, domain.CodeInvalidEnumValue},
			{"admdvs", sqlText, domain.CodeInvalidAdmdvs},
			{"name", "医院\u0000", domain.CodeInvalidRequest},
		},
	},

	"POST /v1/bindings": {
		body:     map[string]any{"beneficiary_id_number": string(malformedBeneficiary), "relation": "child", "annual_limit": "3000.00", "valid_until": dateInYear(1, time.December, 31)},
		required: []string{"beneficiary_id_number", "relation"},
		fields: []fieldCase{
			{"beneficiary_id_number", sqlText, domain.CodeInvalidIDNumber},
			{"relation", sqlText, domain.CodeInvalidEnumValue},
			{"annual_limit", "3000.001", domain.CodeInvalidAmount},
			{"valid_until", "31/12/2027", domain.CodeInvalidDate},
		},
	},
	"GET /v1/bindings": {paged: true, queries: []queryCase{
		{"as=" + url.QueryEscape(sqlText), domain.CodeInvalidEnumValue},
		{"status=" + url.QueryEscape(sqlText), domain.CodeInvalidEnumValue},
		{"status=%FF", domain.CodeInvalidEnumValue},
	}},
	"POST /v1/bindings/:binding_id/documents": {extra: (*malformedAPI).uploadCases},
	"POST /v1/bindings/:binding_id/submit":    {},
	"PATCH /v1/bindings/:binding_id": {
		body: map[string]any{"annual_limit": "2000.00", "valid_until": dateInYear(2, time.June, 30)},
		fields: []fieldCase{
			{"annual_limit", "-1.00", domain.CodeInvalidAmount},
			{"annual_limit", sqlText, domain.CodeInvalidAmount},
			{"valid_until", sqlText, domain.CodeInvalidDate},
		},
	},
	"POST /v1/bindings/:binding_id/unbind": {
		body: map[string]any{"reason": "不再需要"},
		fields: []fieldCase{
			{"reason", "不再\u0000需要", domain.CodeInvalidRequest},
			{"reason", strings.Repeat("长", 10_000), domain.CodeInvalidRequest},
		},
	},
	"POST /v1/bindings/:binding_id/consent": {
		body: map[string]any{"decision": "accept"}, required: []string{"decision"},
		fields: []fieldCase{
			{"decision", sqlText, domain.CodeInvalidEnumValue},
			{"decision", "accepted", domain.CodeInvalidEnumValue},
		},
	},
	"GET /v1/bindings/:binding_id":                   {},
	"GET /v1/bindings/:binding_id/documents/:doc_id": {},
	"POST /v1/bindings/:binding_id/review": {
		body: map[string]any{"decision": "reject", "reason": "看不清"}, required: []string{"decision"},
		fields: []fieldCase{
			{"decision", sqlText, domain.CodeInvalidEnumValue},
			{"reason", "", domain.CodeInvalidRequest},
		},
	},
	"GET /v1/reviews": {paged: true, queries: []queryCase{{"status=" + url.QueryEscape(sqlText), domain.CodeInvalidEnumValue}}},

	"POST /v1/settlements": {
		body: malformedVisit(),
		required: []string{"visit_no", "patient_id_number", "cert_type", "medical_type", "service_date", "items",
			"use_family_account", "topup"},
		fields: []fieldCase{
			{"visit_no", sqlText, domain.CodeInvalidRequest},
			{"patient_id_number", sqlText, domain.CodeInvalidIDNumber},
			{"cert_type", sqlText, domain.CodeInvalidEnumValue},
			{"topup", map[string]any{"method": "cash", "Card_Token": "tok"}, domain.CodeInvalidRequest},
			{"topup", map[string]any{"method": 1}, domain.CodeInvalidRequest},
			{"topup", map[string]any{"method": "bank_card", "card_token": sqlText}, domain.CodeInvalidRequest},
			{"topup", map[string]any{"method": "bank_card", "card_token": "tok_\u0000"}, domain.CodeInvalidRequest},
			{"items", map[string]any{}, domain.CodeInvalidRequest},
			{"items", []any{"D001"}, domain.CodeInvalidRequest},
			{"items", malformedItems(domain.MaxBillItems + 1), domain.CodeInvalidRequest},
			{"items", malformedItem("code", sqlText), domain.CodeInvalidRequest},
			{"items", malformedItem("CODE", "D001"), domain.CodeInvalidRequest},
			{"items", malformedItem("price", "1.00"), domain.CodeInvalidRequest},
			{"items", malformedItem("name", "阿莫西林\u0000"), domain.CodeInvalidRequest},
			{"items", malformedItem("amount", 150), domain.CodeInvalidAmount},
		},
	},
	"GET /v1/settlements": {paged: true, queries: []queryCase{
		{"patient=" + url.QueryEscape(sqlText), domain.CodeInvalidIDNumber},
		{"from=2026-02-30", domain.CodeInvalidDate},
		{"to=" + url.QueryEscape(sqlText), domain.CodeInvalidDate},
		{"from=%00", domain.CodeInvalidDate},
	}},
	"GET /v1/settlements/:settlement_id": {},
	"POST /v1/settlements/:settlement_id/topup": {
		body: map[string]any{"method": "cash", "amount": "30.50", "receipt_no": "R-0001"}, required: []string{"method", "amount"},
		fields: []fieldCase{
			{"method", sqlText, domain.CodeInvalidEnumValue},
			{"method", "bank_card", domain.CodeInvalidRequest}, // without a card_token
			{"amount", "30.5e0", domain.CodeInvalidAmount},
			{"receipt_no", sqlText, domain.CodeInvalidRequest},
			{"card_token", sqlText, domain.CodeInvalidRequest},
			{"card_token", "tok_\u0000", domain.CodeInvalidRequest},
		},
	},
	"POST /v1/settlements/:settlement_id/cancel": {
		body: map[string]any{"reason": "患者退费"}, required: []string{"reason"},
		fields: []fieldCase{
			{"reason", " ", domain.CodeInvalidRequest},
			{"reason", "退费\u001b[2J", domain.CodeInvalidRequest},
		},
	},

	"GET /v1/me/account": {paged: true},
	"GET /v1/me/notifications": {paged: true, queries: []queryCase{
		{"unread=yes", domain.CodeInvalidEnumValue},
		{"lang=" + url.QueryEscape(sqlText), domain.CodeInvalidEnumValue},
	}},
	"POST /v1/me/notifications/:notification_id/read": {queries: []queryCase{{"lang=fr", domain.CodeInvalidEnumValue}}},
	"GET /v1/me/priority":                             {},
	"PUT /v1/me/priority":                             malformedPriority(),
	// The fixture's holder holds a live binding to the fixture's
	// beneficiary, a minor: requests reach the body's checks.
	"GET /v1/family/:beneficiary_id_number/priority": {},
	"PUT /v1/family/:beneficiary_id_number/priority": malformedPriority(),
	"GET /v1/admin/webhooks/parked":                  {paged: true},
	"POST /v1/admin/webhooks/:webhook_id/replay":     {},

	"GET /v1/premiums/:year": {},
	"POST /v1/premium-payments": {
		body:     map[string]any{"beneficiary_id_number": string(malformedBeneficiary), "year": premiumYear, "amount": "400.00"},
		required: []string{"beneficiary_id_number", "year", "amount"},
		fields: []fieldCase{
			{"beneficiary_id_number", sqlText, domain.CodeInvalidIDNumber},
			{"year", 2027.5, domain.CodeInvalidRequest},
			{"year", 1e100, domain.CodeInvalidRequest},
			{"year", -2027, domain.CodeInvalidRequest},
			{"amount", "0.00", domain.CodeInvalidAmount},
		},
	},
	"GET /v1/premium-payments/:payment_id": {},
}

// malformedItem is a bill of one item with field set to v.
func malformedItem(field string, v any) []any {
	it := map[string]any{"code": "D001", "name": "阿莫西林胶囊", "category": "drug", "amount": "150.00"}
	if strings.ToLower(field) != field {
		delete(it, strings.ToLower(field))
	}
	it[field] = v
	return []any{it}
}

// malformedItems is a bill of n valid items.
func malformedItems(n int) []any {
	items := make([]any, n)
	for i := range items {
		items[i] = map[string]any{"code": fmt.Sprintf("D%03d", i), "name": "药", "category": "drug", "amount": "1.00"}
	}
	return items
}

// malformedIDs are n distinct binding ids.
func malformedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	return ids
}

// pathRefusals is the refusal of a bad value of each path parameter.
var pathRefusals = map[string]struct {
	status int
	code   domain.Code
}{
	":id_number":       {400, domain.CodeInvalidIDNumber},
	":filing_no":       {400, domain.CodeInvalidRequest},
	":code":            {400, domain.CodeInvalidInstitutionCode},
	":binding_id":      {404, domain.CodeBindingNotFound},
	":doc_id":          {404, domain.CodeDocumentNotFound},
	":settlement_id":   {404, domain.CodeSettlementNotFound},
	":notification_id": {404, domain.CodeNotificationNotFound},
	":webhook_id":      {404, domain.CodeWebhookNotFound},
	":year":            {400, domain.CodeInvalidRequest},
	":payment_id":      {404, domain.CodePremiumNotFound},
	// A well-formed id number of a person the caller has no binding to is
	// 403 (TestFamilyPriority_Refusals); a malformed one is 400.
	":beneficiary_id_number": {400, domain.CodeInvalidIDNumber},
}

// badPathValues are bad values of any path parameter, escaped for a URL.
var badPathValues = map[string]string{
	"SQL":           url.PathEscape(sqlText),
	"NUL":           "%00",
	"invalid UTF-8": "%FF%FE",
	"300 digits":    strings.Repeat("9", 300),
	"with a space":  "1%201",
}

// The fixture's parties and resources.
var (
	malformedHolder      = domain.ComposeIDNumber("652701", domain.NewDate(1985, 3, 12), 113)
	malformedBeneficiary = domain.ComposeIDNumber("652701", domain.NewDate(2016, 5, 1), 331)
	malformedHospital    = domain.InstitutionCode("H65270100001")
)

const (
	malformedBindingID    = "00000000-0000-4000-8000-0000000000b1"
	malformedSettlementID = "00000000-0000-4000-8000-0000000000c1"
)

// malformedVisit is a valid settlement request for the fixture's patient.
func malformedVisit() map[string]any {
	return map[string]any{
		"visit_no": "V0001", "patient_id_number": string(malformedBeneficiary), "cert_type": "e_voucher",
		"medical_type": "outpatient", "service_date": testToday.String(), "use_family_account": false,
		"topup": map[string]any{"method": "cash"},
		"items": []any{map[string]any{"code": "D001", "name": "阿莫西林胶囊", "category": "drug", "amount": "150.00"}},
	}
}

// malformedAPI is an API on a database of its own, holding only the
// fixture, with a Temporal that refuses every call: no background work
// writes there, and a malformed request never reaches a workflow.
type malformedAPI struct {
	*testAPI
	temporal *noWorkflowTemporal
	// params holds a valid value of each path parameter.
	params map[string]string
}

func newMalformedAPI(t *testing.T) *malformedAPI {
	t.Helper()
	ctx := context.Background()
	u, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(drop)
	store := db.NewStore(dbtest.Open(t, u))
	noWorkflows := &noWorkflowTemporal{}
	d := Deps{Store: store, Temporal: noWorkflows, Premiums: sim.Premiums{DB: store.DB()}, TaskQueue: "gongji-malformed-test", JWTSecret: testSecret,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return testNow }}
	m := &malformedAPI{testAPI: &testAPI{t: t, router: newRouter(d), store: store}, temporal: noWorkflows, params: map[string]string{
		":id_number": string(newID()), ":filing_no": "BA-1", ":code": string(malformedHospital), ":binding_id": malformedBindingID,
		":doc_id": "00000000-0000-4000-8000-0000000000d1", ":settlement_id": malformedSettlementID, ":notification_id": "1",
		":webhook_id": "1", ":year": strconv.Itoa(premiumYear), ":payment_id": "00000000-0000-4000-8000-0000000000e1",
		":beneficiary_id_number": string(malformedBeneficiary),
	}}
	m.writeFixture(ctx)
	return m
}

// writeFixture stores a holder with an account, the beneficiary, their
// binding awaiting documents, a designated hospital and a settlement of
// it, so that requests naming them reach the handlers' own checks.
func (m *malformedAPI) writeFixture(ctx context.Context) {
	t, s := m.t, m.store
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	for _, id := range []domain.IDNumber{malformedHolder, malformedBeneficiary} {
		must(s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "张伟"}))
	}
	must(s.PutEnrolment(ctx, domain.Enrolment{IDNumber: malformedHolder, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentNormal}))
	must(s.PutEnrolment(ctx, domain.Enrolment{IDNumber: malformedBeneficiary, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal}))
	must(s.PutAccount(ctx, malformedHolder, domain.MustAmount("5000.00"), domain.AccountNormal))
	must(nil, s.CreateBinding(ctx, db.NewBinding{ID: malformedBindingID, Holder: malformedHolder, Beneficiary: malformedBeneficiary,
		Relation: domain.RelationChild, At: testNow}))
	must(s.PutInstitution(ctx, domain.Institution{Code: malformedHospital, Name: "博乐市人民医院", Kind: malformedHospital.Kind(),
		Admdvs: malformedHospital.Admdvs(), Designated: true}))
	_, created, err := s.CreateSettlement(ctx, db.Settlement{ID: malformedSettlementID, Institution: string(malformedHospital), VisitNo: "V-FIXTURE",
		Patient: string(malformedBeneficiary), CertType: "e_voucher", MedicalType: "outpatient", ServiceDate: testToday,
		Insutype: "390", ItemsJSON: []byte(`[]`), TopupMethod: "cash", RequestHash: "fixture", Total: domain.MustAmount("10.00")})
	if err != nil || !created {
		t.Fatalf("fixture settlement: created %t, %v", created, err)
	}
}

// tokenFor signs a token of the first role the route allows: the
// fixture's holder, its hospital, or a member of staff.
func (m *malformedAPI) tokenFor(route string) string {
	switch role := allowedRoles[route][0]; role {
	case domain.RoleInsured:
		return m.token(role, string(malformedHolder))
	case domain.RoleInstitution:
		return m.token(role, string(malformedHospital))
	default:
		return m.token(role, string(role)+"01")
	}
}

// path fills the route's parameters with the fixture's values, except
// those given in bad.
func (m *malformedAPI) path(route string, bad map[string]string) string {
	_, p, _ := strings.Cut(route, " ")
	segments := strings.Split(p, "/")
	for i, s := range segments {
		if v, ok := bad[s]; ok {
			segments[i] = v
		} else if v, ok := m.params[s]; ok {
			segments[i] = v
		}
	}
	return strings.Join(segments, "/")
}

// call is a request to the route with the fixture's path and the
// route's token.
func (m *malformedAPI) call(route string, body any) request {
	method, _, _ := strings.Cut(route, " ")
	return request{method: method, path: m.path(route, nil), token: m.tokenFor(route), body: body}
}

// casesOf builds every bad request for one route.
func (m *malformedAPI) casesOf(route string, spec malformedRoute) []malformedCase {
	method, pattern, _ := strings.Cut(route, " ")
	var out []malformedCase
	add := func(name string, r request, status int, code domain.Code) {
		out = append(out, malformedCase{route: route, name: name, req: r, status: status, code: code})
	}
	var validBody any // a nil map would be sent as null
	if spec.body != nil {
		validBody = spec.body
	}

	sqlToken := m.call(route, validBody)
	sqlToken.token = sqlText
	add("SQL as the bearer token", sqlToken, 401, domain.CodeUnauthenticated)
	if method == "POST" {
		r := m.call(route, validBody)
		r.headers = map[string]string{idempotencyHeader: "two words"}
		add("Idempotency-Key with a space", r, 400, domain.CodeInvalidRequest)
	}
	for _, segment := range strings.Split(pattern, "/") {
		if !strings.HasPrefix(segment, ":") {
			continue
		}
		refusal, ok := pathRefusals[segment]
		if !ok {
			m.t.Fatalf("%s: no refusal known for the path parameter %s; add it to pathRefusals", route, segment)
		}
		for _, name := range slices.Sorted(maps.Keys(badPathValues)) {
			r := m.call(route, validBody)
			r.path = m.path(route, map[string]string{segment: badPathValues[name]})
			add(segment+" is "+name, r, refusal.status, refusal.code)
		}
	}
	if spec.body == nil && (len(spec.fields) > 0 || len(spec.required) > 0) {
		m.t.Fatalf("%s: fields without a valid body to set them in", route)
	}
	if spec.paged {
		out = append(out, m.queryCases(route, pageQueryCases())...)
	}
	out = append(out, m.queryCases(route, spec.queries)...)
	if spec.body != nil {
		out = append(out, m.bodyCases(route, spec.body, spec.required)...)
		out = append(out, m.fieldCases(route, spec.body, spec.fields)...)
	}
	if spec.extra != nil {
		out = append(out, spec.extra(m)...)
	}
	return out
}

// pageQueryCases are bad ?limit= and ?cursor= values.
func pageQueryCases() []queryCase {
	cursor := func(v any) string {
		b, _ := json.Marshal(v)
		return "cursor=" + base64.RawURLEncoding.EncodeToString(b)
	}
	return []queryCase{
		{"limit=0", domain.CodeInvalidRequest},
		{"limit=101", domain.CodeInvalidRequest},
		{"limit=-1", domain.CodeInvalidRequest},
		{"limit=1e1", domain.CodeInvalidRequest},
		{"limit=" + url.QueryEscape(sqlText), domain.CodeInvalidRequest},
		{"limit=99999999999999999999", domain.CodeInvalidRequest},
		{"cursor=" + url.QueryEscape(sqlText), domain.CodeInvalidRequest},
		{"cursor=%FF", domain.CodeInvalidRequest},
		{cursor(map[string]any{"t": "2026-11-24T10:00:00Z"}), domain.CodeInvalidRequest},
		{cursor(map[string]any{"t": "2026-11-24T10:00:00Z", "i": sqlText}), domain.CodeInvalidRequest},
		{cursor(map[string]any{"t": "2026-11-24T10:00:00Z", "i": "\u0000"}), domain.CodeInvalidRequest},
		{cursor(map[string]any{"t": "yesterday", "i": "1"}), domain.CodeInvalidRequest},
		{cursor([]any{1, 2}), domain.CodeInvalidRequest},
	}
}

// queryCase is a query string that the route refuses with 400 and code.
type queryCase struct {
	query string
	code  domain.Code
}

func (m *malformedAPI) queryCases(route string, cases []queryCase) []malformedCase {
	var out []malformedCase
	for _, c := range cases {
		r := m.call(route, nil)
		r.path += "?" + c.query
		out = append(out, malformedCase{route: route, name: "?" + c.query, req: r, status: 400, code: c.code})
	}
	return out
}

// bodyCases are the refusals every JSON body gets: not JSON, not an
// object, the wrong media type, too large, not UTF-8, an unknown or
// miscased field, a missing required field, a field of the wrong JSON
// type.
func (m *malformedAPI) bodyCases(route string, valid map[string]any, required []string) []malformedCase {
	raw, err := json.Marshal(valid)
	if err != nil {
		m.t.Fatal(err)
	}
	body, rest := string(raw), string(raw[1:])
	var out []malformedCase
	add := func(name string, body string, contentType string, status int, code domain.Code) {
		r := m.call(route, body)
		r.contentType = contentType
		out = append(out, malformedCase{route: route, name: name, req: r, status: status, code: code})
	}
	add("body cut short", body[:len(body)/2], "", 400, domain.CodeInvalidRequest)
	add("body is an array", "["+body+"]", "", 400, domain.CodeInvalidRequest)
	add("body is an SQL string", `"`+sqlText+`"`, "", 400, domain.CodeInvalidRequest)
	add("body is null", "null", "", 400, domain.CodeInvalidRequest)
	add("two JSON values", body+body, "", 400, domain.CodeInvalidRequest)
	add("body is not UTF-8", "{\"\xff\xfe\":1,"+rest, "", 400, domain.CodeInvalidRequest)
	add("nested 20000 deep", `{"x":`+strings.Repeat("[", 20_000)+strings.Repeat("]", 20_000)+"}", "", 400, domain.CodeInvalidRequest)
	add("text/plain", body, "text/plain", 415, domain.CodeUnsupportedMediaType)
	add("form-encoded", "name=x", "application/x-www-form-urlencoded", 415, domain.CodeUnsupportedMediaType)
	add("over 64 KiB", `{"pad":"`+strings.Repeat("x", maxJSONBody)+`",`+rest, "", 413, domain.CodeBodyTooLarge)
	add("unknown field named in SQL", string(mustJSON(m.t, with(valid, sqlText, 1))), "", 400, domain.CodeInvalidRequest)
	for _, name := range slices.Sorted(maps.Keys(valid)) {
		add(name+" in upper case", string(mustJSON(m.t, with(without(valid, name), strings.ToUpper(name), valid[name]))), "", 400, domain.CodeInvalidRequest)
		var wrong any = "x"
		if _, isString := valid[name].(string); isString {
			wrong = 12.5
		}
		add(name+" of the wrong JSON type", string(mustJSON(m.t, with(valid, name, wrong))), "", 400, fieldTypeCode(name))
	}
	for _, name := range required {
		add("without "+name, string(mustJSON(m.t, without(valid, name))), "", 400, domain.CodeInvalidRequest)
		add(name+" null", string(mustJSON(m.t, with(valid, name, nil))), "", 400, domain.CodeInvalidRequest)
	}
	return out
}

// fieldTypeCode is the code of a JSON value of the wrong type in the
// named field: amounts and dates say what they are.
func fieldTypeCode(field string) domain.Code {
	switch field {
	case "amount", "balance", "annual_limit":
		return domain.CodeInvalidAmount
	case "date", "valid_from", "valid_until", "service_date":
		return domain.CodeInvalidDate
	}
	return domain.CodeInvalidRequest
}

// fieldCase is a value of one field that the route refuses with 400 and
// code.
type fieldCase struct {
	field string
	value any
	code  domain.Code
}

func (m *malformedAPI) fieldCases(route string, valid map[string]any, cases []fieldCase) []malformedCase {
	var out []malformedCase
	for _, c := range cases {
		name := fmt.Sprintf("%s %s", c.field, clipRunes(fmt.Sprintf("%q", c.value), 40))
		out = append(out, malformedCase{route: route, name: name, req: m.call(route, with(valid, c.field, c.value)), status: 400, code: c.code})
	}
	return out
}

// uploadCases are bad document uploads.
func (m *malformedAPI) uploadCases() []malformedCase {
	const route = "POST /v1/bindings/:binding_id/documents"
	pdf := []byte("%PDF-1.4\n")
	var out []malformedCase
	add := func(name string, body []byte, contentType string, status int, code domain.Code) {
		r := m.call(route, body)
		r.contentType = contentType
		out = append(out, malformedCase{route: route, name: name, req: r, status: status, code: code})
	}
	form := func(kind *string, file []byte) ([]byte, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if kind != nil {
			_ = w.WriteField("kind", *kind)
		}
		if file != nil {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="proof.pdf"`)
			h.Set("Content-Type", "application/pdf")
			part, _ := w.CreatePart(h)
			_, _ = part.Write(file)
		}
		_ = w.Close()
		return buf.Bytes(), w.FormDataContentType()
	}
	kind := func(s string) *string { return &s }

	b, ct := form(kind("birth_certificate"), pdf)
	add("JSON instead of a form", []byte(`{"kind":"birth_certificate"}`), "application/json", 415, domain.CodeUnsupportedMediaType)
	add("multipart without a boundary", b, "multipart/form-data", 415, domain.CodeUnsupportedMediaType)
	add("a form cut short", b[:len(b)/2], ct, 400, domain.CodeInvalidRequest)
	add("not multipart at all", []byte(sqlText), ct, 400, domain.CodeInvalidRequest)
	b, ct = form(nil, pdf)
	add("without kind", b, ct, 400, domain.CodeInvalidRequest)
	b, ct = form(kind("birth_certificate"), nil)
	add("without file", b, ct, 400, domain.CodeInvalidRequest)
	b, ct = form(kind("birth_certificate"), []byte{})
	add("an empty file", b, ct, 400, domain.CodeInvalidRequest)
	b, ct = form(kind(sqlText), pdf)
	add("kind in SQL", b, ct, 400, domain.CodeInvalidEnumValue)
	b, ct = form(kind("\xff\xfe"), pdf)
	add("kind not UTF-8", b, ct, 400, domain.CodeInvalidEnumValue)
	b, ct = form(kind("birth_certificate"), []byte("<script>alert(1)</script>"))
	add("an HTML file", b, ct, 415, domain.CodeDocumentType)
	b, ct = form(kind("birth_certificate"), append(pdf, bytes.Repeat([]byte{'x'}, domain.MaxDocumentSize)...))
	add("a file over 10 MiB", b, ct, 413, domain.CodeDocumentTooLarge)
	return out
}

// with returns a copy of body with field set to v.
func with(body map[string]any, field string, v any) map[string]any {
	out := maps.Clone(body)
	out[field] = v
	return out
}

// without returns a copy of body without field.
func without(body map[string]any, field string) map[string]any {
	out := maps.Clone(body)
	delete(out, field)
	return out
}

// requestBodyText is the body a request sends, as text.
func requestBodyText(t *testing.T, body any) string {
	switch b := body.(type) {
	case nil:
		return ""
	case string:
		return b
	case []byte:
		return string(b)
	}
	return string(mustJSON(t, body))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// internalMarkers match what only the server's insides say: Go type
// names, decoder and driver messages, panics.
var internalMarkers = regexp.MustCompile(`\b(?:api|domain|db|json|sql|pq|decimal|reflect|runtime|gin)\.[A-Za-z]|` +
	`\b(?:pq|sql|json|http|multipart):|SQLSTATE|goroutine|panic|\[\]|map\[|struct \{|Go (?:struct|value|type)|` +
	`invalid character|unexpected end of|cannot unmarshal|\.go:\d|%!|<nil>`)

// internalText returns the first part of a message that looks like
// internal text and is not part of the client's own input, or "".
func internalText(message, input string) string {
	for _, m := range internalMarkers.FindAllString(message, -1) {
		if !strings.Contains(input, m) {
			return m
		}
	}
	return ""
}

// noWorkflowTemporal stands in for Temporal in the malformed table: a
// malformed request must never reach a workflow, so every call is
// counted and refused as unavailable.
type noWorkflowTemporal struct{ calls atomic.Int64 }

func (r *noWorkflowTemporal) refuse() error {
	r.calls.Add(1)
	return serviceerror.NewUnavailable("the malformed table allows no workflow call")
}

func (r *noWorkflowTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return nil, r.refuse()
}

func (r *noWorkflowTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, r.refuse()
}

func (r *noWorkflowTemporal) SignalWorkflow(context.Context, string, string, string, any) error {
	return r.refuse()
}

func (r *noWorkflowTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, r.refuse()
}

func TestMalformed_EveryRouteIsListed(t *testing.T) {
	routes := v1Routes(newTestAPI(t))
	for _, r := range routes {
		if _, ok := malformedRoutes[r]; !ok {
			t.Errorf("route %s has no entry in malformedRoutes", r)
		}
	}
	for r := range malformedRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("malformedRoutes lists %s, which the router lacks", r)
		}
	}
}

// TestMalformed_ValidBodiesPassValidation proves the table's starting
// points valid, so that each bad request is refused for what it changes:
// sent as they are, the routes' bodies get past every input check.
func TestMalformed_ValidBodiesPassValidation(t *testing.T) {
	m := newMalformedAPI(t)
	for _, route := range slices.Sorted(maps.Keys(malformedRoutes)) {
		if body := malformedRoutes[route].body; body != nil {
			t.Run(route, func(t *testing.T) {
				res := m.do(m.call(route, body))
				if res.status == 400 || res.status == 413 || res.status == 415 {
					t.Fatalf("the valid body %s was refused: %d %s", mustJSON(t, body), res.status, res.body)
				}
			})
		}
	}
}

// TestMalformed_EveryRouteRefusesBadInputWithItsCodeAndWritesNothing
// sends every bad request of the table to an API on a database of its
// own: each is refused with its status and code, a message free of
// internal text, no table changed and no workflow called.
func TestMalformed_EveryRouteRefusesBadInputWithItsCodeAndWritesNothing(t *testing.T) {
	m := newMalformedAPI(t)
	conn := m.store.DB()
	for _, route := range slices.Sorted(maps.Keys(malformedRoutes)) {
		for _, c := range m.casesOf(route, malformedRoutes[route]) {
			t.Run(c.route+" "+c.name, func(t *testing.T) {
				calls, before := m.temporal.calls.Load(), snapshotTables(t, conn)
				res := m.do(c.req)
				res.expect(t, c.status, c.code)
				var env errorBody
				res.json(t, &env)
				if env.Error.Message == "" {
					t.Fatalf("%s: the refusal has no message", res.body)
				}
				input := c.req.path + requestBodyText(t, c.req.body)
				if leak := internalText(env.Error.Message, input); leak != "" {
					t.Fatalf("the message %q shows %q", env.Error.Message, leak)
				}
				if n := m.temporal.calls.Load() - calls; n != 0 {
					t.Fatalf("the request made %d Temporal calls", n)
				}
				if changed := changedTables(before, snapshotTables(t, conn)); len(changed) > 0 {
					t.Fatalf("the request changed %s", strings.Join(changed, ", "))
				}
			})
		}
	}
}

// malformedPriority is the body and bad fields of both payer-order routes
// (PUT /v1/me/priority and /v1/family/{id}/priority), which share a decoder.
func malformedPriority() malformedRoute {
	return malformedRoute{
		body: map[string]any{"binding_ids": []string{malformedBindingID}}, required: []string{"binding_ids"},
		fields: []fieldCase{
			{"binding_ids", []any{1}, domain.CodeInvalidRequest},
			{"binding_ids", []string{""}, domain.CodeInvalidRequest},
			{"binding_ids", []string{malformedBindingID, malformedBindingID}, domain.CodeInvalidRequest},
			{"binding_ids", malformedIDs(maxPriorityBindings + 1), domain.CodeInvalidRequest},
			{"binding_ids", []string{sqlText}, domain.CodeInvalidRequest},
			{"binding_ids", []string{"\u0000"}, domain.CodeInvalidRequest},
		},
	}
}
