package api

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gongji/domain"
)

// ---- helpers of the sync tests ----

// syncSub returns a copy of the API whose helpers report to t (for subtests).
func (a *testAPI) syncSub(t *testing.T) *testAPI {
	c := *a
	c.t = t
	return &c
}

func (a *testAPI) syncPut(path string, body any) response {
	a.t.Helper()
	return a.do(request{method: "PUT", path: path, token: a.admin(), body: body})
}

func (a *testAPI) syncPost(path string, body any) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: path, token: a.admin(), body: body})
}

func (a *testAPI) syncGet(path string) response {
	a.t.Helper()
	return a.do(request{method: "GET", path: path, token: a.admin()})
}

// syncPersonPath is /v1/persons/{id} followed by rest.
func syncPersonPath(id domain.IDNumber, rest string) string {
	return "/v1/persons/" + string(id) + rest
}

type syncObj = map[string]any

// syncWith returns a copy of base with the key/value pairs set.
func syncWith(base syncObj, kv ...any) syncObj {
	out := make(syncObj, len(base)+len(kv)/2)
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// syncWithout returns a copy of base lacking key.
func syncWithout(base syncObj, key string) syncObj {
	out := syncWith(base)
	delete(out, key)
	return out
}

// syncExpectJSON fails unless the response body is the JSON value want (key
// order and spacing aside).
func syncExpectJSON(t *testing.T, res response, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Fatalf("body = %s\nwant   %s", res.body, want)
	}
}

// syncErrorEnvelope is the decoded error body.
type syncErrorEnvelope struct {
	Error struct {
		Code    domain.Code    `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func (r response) syncEnvelope(t *testing.T) syncErrorEnvelope {
	t.Helper()
	var env syncErrorEnvelope
	r.json(t, &env)
	return env
}

// syncInternalText are fragments that must never reach a client: driver and SQL
// errors, stack traces, Go type and file names.
var syncInternalText = []string{"pq:", "sql", "goroutine", "runtime", "panic", ".go:", "api.", "db.", "domain.", "reflect"}

// syncExpectSafeError fails unless the response is a well-formed error envelope
// whose message holds no internal text.
func syncExpectSafeError(t *testing.T, res response) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
	env := res.syncEnvelope(t)
	if env.Error.Message == "" {
		t.Errorf("error without a message: %s", res.body)
	}
	lower := strings.ToLower(string(res.body))
	for _, frag := range syncInternalText {
		if strings.Contains(lower, frag) {
			t.Errorf("error body holds internal text %q: %s", frag, res.body)
		}
	}
}

// syncTables are the tables the sync endpoints write, each with the column
// naming the person or institution a row belongs to.
var syncTables = []struct{ name, key string }{
	{"persons", "id_number"},
	{"enrolments", "id_number"},
	{"accounts", "id_number"},
	{"ledger_entries", "account_id_number"},
	{"institutions", "code"},
	{"filings", "id_number"},
}

// syncSnapshot returns a digest of every row, in every sync table, that
// belongs to one of the keys (ID numbers or institution codes, in any
// case): any insert, update (updated_at moves) or delete of such a row
// changes it. Rows of other tests are left out so that work elsewhere
// cannot disturb it.
func (a *testAPI) syncSnapshot(keys ...string) syncState {
	a.t.Helper()
	upper := make([]string, len(keys))
	for i, k := range keys {
		if strings.Contains(k, ",") {
			a.t.Fatalf("snapshot key %q holds a comma", k)
		}
		upper[i] = strings.ToUpper(k)
	}
	st := syncState{keys: keys, digests: map[string]string{}}
	for _, table := range syncTables {
		var digest string
		q := fmt.Sprintf(`SELECT COALESCE(md5(string_agg(t::text, '|' ORDER BY t::text)), '') || ':' || count(*)
			FROM %s t WHERE upper(t.%s::text) = ANY(string_to_array($1, ','))`, table.name, table.key)
		if err := a.store.DB().GetContext(context.Background(), &digest, q, strings.Join(upper, ",")); err != nil {
			a.t.Fatal(err)
		}
		st.digests[table.name] = digest
	}
	return st
}

// syncState is what syncSnapshot saw.
type syncState struct {
	keys    []string
	digests map[string]string
}

// syncExpectUnchanged fails if any row of before's keys was written since.
func (a *testAPI) syncExpectUnchanged(before syncState) {
	a.t.Helper()
	after := a.syncSnapshot(before.keys...)
	for _, table := range syncTables {
		if before.digests[table.name] != after.digests[table.name] {
			a.t.Errorf("table %s was written for %v: %s -> %s", table.name, before.keys,
				before.digests[table.name], after.digests[table.name])
		}
	}
}

// syncPathKey returns the ID number or institution code a path names, or "".
func syncPathKey(path string) string {
	for _, prefix := range []string{"/v1/persons/", "/v1/institutions/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			key, _, _ := strings.Cut(rest, "/")
			return key
		}
	}
	return ""
}

// syncExpectLedgerWhole checks, through the store, that every account's balance
// is its opening balance plus the sum of its entries, and that id's balance
// is want.
func (a *testAPI) syncExpectLedgerWhole(id domain.IDNumber, want string) {
	a.t.Helper()
	ctx := context.Background()
	mismatches, err := a.store.LedgerMismatches(ctx)
	if err != nil {
		a.t.Fatal(err)
	}
	if len(mismatches) != 0 {
		a.t.Fatalf("ledger mismatches: %+v", mismatches)
	}
	acct, err := a.store.Account(ctx, id)
	if err != nil {
		a.t.Fatal(err)
	}
	if acct.Balance.String() != want {
		a.t.Fatalf("balance of %s = %s, want %s", id, acct.Balance, want)
	}
	if n := a.count(`SELECT count(*) FROM accounts a WHERE a.id_number = $1 AND a.balance =
		a.opening_balance + (SELECT COALESCE(sum(e.amount), 0) FROM ledger_entries e WHERE e.account_id_number = $1)`, id); n != 1 {
		a.t.Fatalf("balance of %s is not opening + sum(entries)", id)
	}
}

// syncIDEndingInX returns an unused valid ID number whose check character is X.
func syncIDEndingInX(t *testing.T) domain.IDNumber {
	t.Helper()
	birth := newID().BirthDate() // a birth date no other test's ID carries
	for seq := 0; seq < 1000; seq++ {
		if id := domain.ComposeIDNumber("652701", birth, seq); id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no sequence gives the check character X")
	return ""
}

var syncNextInstitution atomic.Int64

// syncInstitutionCode returns an unused institution code in 652701 of the
// given letter (H or P).
func syncInstitutionCode(letter string) string {
	return fmt.Sprintf("%s652701%05d", letter, 50000+syncNextInstitution.Add(1))
}

// syncPerson creates a person through the API, with an enrolment when
// insutype is not empty.
func (a *testAPI) syncPerson(insutype string) domain.IDNumber {
	a.t.Helper()
	id := newID()
	a.syncPut(syncPersonPath(id, ""), syncObj{"name": "李四"}).expect(a.t, 200, "")
	if insutype != "" {
		a.syncPut(syncPersonPath(id, "/enrolment"), syncObj{"insutype": insutype, "admdvs": "652701", "status": "normal", "arrears": false}).
			expect(a.t, 200, "")
	}
	return id
}

// ---- persons ----

func TestPutPerson_NewPerson_AnswersItAndGetShowsNothingElseYet(t *testing.T) {
	a := newTestAPI(t)
	id := newID()
	res := a.syncPut(syncPersonPath(id, ""), syncObj{"name": "张三", "phone": "+8613800000000"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"name":"张三","phone":"+8613800000000","death_date":null}`, id))

	got := a.syncGet(syncPersonPath(id, ""))
	got.expect(t, 200, "")
	syncExpectJSON(t, got, fmt.Sprintf(`{"id_number":%q,"name":"张三","phone":"+8613800000000","death_date":null,
		"enrolment":null,"account":null,"filings":[]}`, id))
}

func TestGetPerson_FullySynced_ShowsEnrolmentAccountAndFilings(t *testing.T) {
	a := newTestAPI(t)
	id := newID()
	a.syncPut(syncPersonPath(id, ""), syncObj{"name": "阿依古丽·买买提"}).expect(t, 200, "")
	a.syncPut(syncPersonPath(id, "/enrolment"), syncObj{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": true}).expect(t, 200, "")
	a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1000.00", "status": "normal"}).expect(t, 200, "")
	a.syncPut(syncPersonPath(id, "/filings/YD-2026-001"), syncObj{"admdvs_to": "650102", "valid_from": "2026-01-01", "valid_until": "2026-06-30"}).expect(t, 200, "")
	a.syncPut(syncPersonPath(id, "/filings/YD-2026-002"), syncObj{"admdvs_to": "110105", "valid_from": "2026-07-01", "valid_until": "2026-12-31"}).expect(t, 200, "")

	res := a.syncGet(syncPersonPath(id, ""))
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%[1]q,"name":"阿依古丽·买买提","phone":"","death_date":null,
		"enrolment":{"id_number":%[1]q,"insutype":"310","admdvs":"652701","status":"normal","arrears":true},
		"account":{"id_number":%[1]q,"opening_balance":"1000.00","balance":"1000.00","status":"normal"},
		"filings":[
			{"id_number":%[1]q,"filing_no":"YD-2026-002","admdvs_to":"110105","valid_from":"2026-07-01","valid_until":"2026-12-31"},
			{"id_number":%[1]q,"filing_no":"YD-2026-001","admdvs_to":"650102","valid_from":"2026-01-01","valid_until":"2026-06-30"}]}`, id))
}

func TestPutPerson_LowerCaseX_IsStoredUpperCase(t *testing.T) {
	a := newTestAPI(t)
	id := syncIDEndingInX(t)
	lower := strings.ToLower(string(id))
	if lower == string(id) || !strings.HasSuffix(lower, "x") {
		t.Fatalf("test ID %s does not end in X", id)
	}

	res := a.syncPut("/v1/persons/"+lower, syncObj{"name": "王五"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"name":"王五","phone":"","death_date":null}`, id))
	if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1`, string(id)); n != 1 {
		t.Fatalf("%d rows with the upper-case ID, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1`, lower); n != 0 {
		t.Fatalf("%d rows with the lower-case ID, want 0", n)
	}

	// Both spellings name the same person.
	a.syncPut(syncPersonPath(id, ""), syncObj{"name": "王六"}).expect(t, 200, "")
	got := a.syncGet("/v1/persons/" + lower)
	got.expect(t, 200, "")
	var p struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	}
	got.json(t, &p)
	if p.IDNumber != string(id) || p.Name != "王六" {
		t.Fatalf("GET by lower-case ID = %s", got.body)
	}
	if n := a.count(`SELECT count(*) FROM persons WHERE upper(id_number) = $1`, string(id)); n != 1 {
		t.Fatalf("%d rows for the person, want 1", n)
	}
}

func TestPutPerson_Again_ReplacesNameAndPhone(t *testing.T) {
	a := newTestAPI(t)
	id := newID()
	a.syncPut(syncPersonPath(id, ""), syncObj{"name": "张三", "phone": "13800000000"}).expect(t, 200, "")
	res := a.syncPut(syncPersonPath(id, ""), syncObj{"name": "张三丰", "phone": "13900000000"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"name":"张三丰","phone":"13900000000","death_date":null}`, id))
	if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1 AND name = '张三丰' AND phone = '13900000000'`, id); n != 1 {
		t.Fatalf("stored person not replaced")
	}
}

func TestPutPerson_SQLLookingName_IsStoredLiterally(t *testing.T) {
	a := newTestAPI(t)
	for _, name := range []string{"Robert'); DROP TABLE persons;--", `x' OR '1'='1`, `"; DELETE FROM accounts; --`, `$1 \' \\`} {
		id := newID()
		a.syncPut(syncPersonPath(id, ""), syncObj{"name": name}).expect(t, 200, "")
		res := a.syncGet(syncPersonPath(id, ""))
		res.expect(t, 200, "")
		var p struct {
			Name string `json:"name"`
		}
		res.json(t, &p)
		if p.Name != name {
			t.Fatalf("name = %q, want %q verbatim", p.Name, name)
		}
		if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1 AND name = $2`, id, name); n != 1 {
			t.Fatalf("stored name of %s is not %q", id, name)
		}
	}
	if n := a.count(`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('persons', 'accounts')`); n != 2 {
		t.Fatalf("%d of the persons and accounts tables are left", n)
	}
}

func TestPutPerson_NameOf64Characters_IsAccepted(t *testing.T) {
	a := newTestAPI(t)
	id := newID()
	name := strings.Repeat("汉", 64)
	a.syncPut(syncPersonPath(id, ""), syncObj{"name": name}).expect(t, 200, "")
	if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1 AND name = $2`, id, name); n != 1 {
		t.Fatal("64-character name not stored")
	}
}

func TestPutPerson_ContentTypeWithCharset_IsAccepted(t *testing.T) {
	a := newTestAPI(t)
	id := newID()
	a.do(request{method: "PUT", path: syncPersonPath(id, ""), token: a.admin(), body: `{"name":"张三"}`,
		contentType: "application/json; charset=utf-8"}).expect(t, 200, "")
	if n := a.count(`SELECT count(*) FROM persons WHERE id_number = $1`, id); n != 1 {
		t.Fatal("person not stored")
	}
}

// ---- enrolment ----

func TestPutEnrolment_KnownPerson_IsRecordedAndReplaced(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncPerson("")
	res := a.syncPut(syncPersonPath(id, "/enrolment"), syncObj{"insutype": "390", "admdvs": "652722", "status": "normal", "arrears": false})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"insutype":"390","admdvs":"652722","status":"normal","arrears":false}`, id))

	res = a.syncPut(syncPersonPath(id, "/enrolment"), syncObj{"insutype": "310", "admdvs": "652701", "status": "suspended", "arrears": true})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"insutype":"310","admdvs":"652701","status":"suspended","arrears":true}`, id))

	var got struct {
		Enrolment json.RawMessage `json:"enrolment"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &got)
	syncExpectJSON(t, response{body: got.Enrolment},
		fmt.Sprintf(`{"id_number":%q,"insutype":"310","admdvs":"652701","status":"suspended","arrears":true}`, id))
	if n := a.count(`SELECT count(*) FROM enrolments WHERE id_number = $1`, id); n != 1 {
		t.Fatalf("%d enrolment rows, want 1", n)
	}
}

// ---- account ----

func TestPutAccount_Employee_OpensWithOpeningBalance(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncPerson("310")
	res := a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1000.5", "status": "normal"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.50","balance":"1000.50","status":"normal"}`, id))
	a.syncExpectLedgerWhole(id, "1000.50")
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 0 {
		t.Fatalf("opening an account wrote %d ledger entries", n)
	}
}

func TestPutAccount_SameBalanceAndFrozen_FreezesTheAccount(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("1000.00")
	res := a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1000.00", "status": "frozen"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.00","balance":"1000.00","status":"frozen"}`, id))
	if n := a.count(`SELECT count(*) FROM accounts WHERE id_number = $1 AND status = 'frozen'`, id); n != 1 {
		t.Fatal("account not frozen in the database")
	}

	// And back again; the balance may be written with fewer decimals.
	res = a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1000", "status": "normal"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.00","balance":"1000.00","status":"normal"}`, id))
}

func TestPutAccount_SameBalanceAfterEntries_ChangesOnlyTheStatus(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("1000.00")
	a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "200.00", "kind": "contribution", "reference": "c-1"}).expect(t, 201, "")

	// The opening balance is no longer the balance: repeating it conflicts.
	a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1000.00", "status": "frozen"}).expect(t, 409, domain.CodeAccountBalanceConflict)
	res := a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1200.00", "status": "frozen"})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.00","balance":"1200.00","status":"frozen"}`, id))
	a.syncExpectLedgerWhole(id, "1200.00")
}

func TestPutAccount_DifferentBalanceLater_IsConflictAndChangesNothing(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("1000.00")
	before := a.syncSnapshot(string(id))

	res := a.syncPut(syncPersonPath(id, "/account"), syncObj{"balance": "1500.00", "status": "frozen"})
	res.expect(t, 409, domain.CodeAccountBalanceConflict)
	syncExpectSafeError(t, res)
	if got := res.syncEnvelope(t).Error.Details["balance"]; got != "1000.00" {
		t.Fatalf("details.balance = %v, want \"1000.00\" (%s)", got, res.body)
	}
	a.syncExpectUnchanged(before)

	var got struct {
		Account json.RawMessage `json:"account"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &got)
	syncExpectJSON(t, response{body: got.Account},
		fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.00","balance":"1000.00","status":"normal"}`, id))
	a.syncExpectLedgerWhole(id, "1000.00")
}

// ---- account entries ----

// syncEntryBody decodes an entry answer, checking id and at, and returns the
// rest for comparison.
func syncEntryBody(t *testing.T, res response) (id string, rest response) {
	t.Helper()
	var m map[string]any
	res.json(t, &m)
	id, _ = m["id"].(string)
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		t.Fatalf("entry id %v is not a decimal string: %s", m["id"], res.body)
	}
	at, _ := m["at"].(string)
	ts, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t.Fatalf("entry at %q is not RFC 3339: %s", at, res.body)
	}
	if _, off := ts.Zone(); off != 8*3600 {
		t.Fatalf("entry at %q is not in Beijing time", at)
	}
	delete(m, "id")
	delete(m, "at")
	raw, _ := json.Marshal(m)
	return id, response{body: raw}
}

func TestPostAccountEntry_ContributionThenAdjustment_MovesTheBalance(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("1000.00")

	res := a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "200.00", "kind": "contribution", "reference": "2026-11:contrib"})
	res.expect(t, 201, "")
	first, rest := syncEntryBody(t, res)
	syncExpectJSON(t, rest, fmt.Sprintf(`{"id_number":%q,"amount":"200.00","kind":"contribution","reference":"2026-11:contrib","balance":"1200.00"}`, id))

	res = a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "-50.00", "kind": "adjustment", "reference": "fix_1"})
	res.expect(t, 201, "")
	second, rest := syncEntryBody(t, res)
	syncExpectJSON(t, rest, fmt.Sprintf(`{"id_number":%q,"amount":"-50.00","kind":"adjustment","reference":"fix_1","balance":"1150.00"}`, id))
	if first == second {
		t.Fatalf("two entries share id %s", first)
	}

	// A positive adjustment adds money.
	res = a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "0.05", "kind": "adjustment", "reference": "fix.2"})
	res.expect(t, 201, "")
	_, rest = syncEntryBody(t, res)
	syncExpectJSON(t, rest, fmt.Sprintf(`{"id_number":%q,"amount":"0.05","kind":"adjustment","reference":"fix.2","balance":"1150.05"}`, id))

	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 3 {
		t.Fatalf("%d ledger entries, want 3", n)
	}
	a.syncExpectLedgerWhole(id, "1150.05")

	var got struct {
		Account json.RawMessage `json:"account"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &got)
	syncExpectJSON(t, response{body: got.Account},
		fmt.Sprintf(`{"id_number":%q,"opening_balance":"1000.00","balance":"1150.05","status":"normal"}`, id))
}

func TestPostAccountEntry_SameReferenceAndBodyAgain_ReturnsTheSameEntry(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	body := syncObj{"amount": "25.00", "kind": "contribution", "reference": "ref-42"}

	res := a.syncPost(syncPersonPath(id, "/account/entries"), body)
	res.expect(t, 201, "")
	firstID, _ := syncEntryBody(t, res)

	again := a.syncPost(syncPersonPath(id, "/account/entries"), body)
	again.expect(t, 201, "")
	againID, rest := syncEntryBody(t, again)
	if againID != firstID {
		t.Fatalf("replay gave entry %s, want %s", againID, firstID)
	}
	syncExpectJSON(t, rest, fmt.Sprintf(`{"id_number":%q,"amount":"25.00","kind":"contribution","reference":"ref-42","balance":"125.00"}`, id))
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}
	a.syncExpectLedgerWhole(id, "125.00")
}

func TestPostAccountEntry_SameReferenceOtherAmount_IsConflictAndChangesNothing(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "25.00", "kind": "contribution", "reference": "ref-7"}).expect(t, 201, "")
	before := a.syncSnapshot(string(id))

	for _, body := range []syncObj{
		{"amount": "26.00", "kind": "contribution", "reference": "ref-7"},
		{"amount": "25.00", "kind": "adjustment", "reference": "ref-7"},
	} {
		res := a.syncPost(syncPersonPath(id, "/account/entries"), body)
		res.expect(t, 409, domain.CodeEntryReferenceConflict)
		syncExpectSafeError(t, res)
	}
	a.syncExpectUnchanged(before)
	a.syncExpectLedgerWhole(id, "125.00")
}

func TestPostAccountEntry_SameReferenceOnAnotherAccount_IsItsOwnEntry(t *testing.T) {
	a := newTestAPI(t)
	one, two := a.syncEmployee("100.00"), a.syncEmployee("100.00")
	body := syncObj{"amount": "10.00", "kind": "contribution", "reference": "2026-11"}
	res1 := a.syncPost(syncPersonPath(one, "/account/entries"), body)
	res1.expect(t, 201, "")
	res2 := a.syncPost(syncPersonPath(two, "/account/entries"), body)
	res2.expect(t, 201, "")
	id1, _ := syncEntryBody(t, res1)
	id2, _ := syncEntryBody(t, res2)
	if id1 == id2 {
		t.Fatalf("both accounts got entry %s", id1)
	}
	a.syncExpectLedgerWhole(one, "110.00")
	a.syncExpectLedgerWhole(two, "110.00")
}

func TestPostAccountEntry_AdjustmentThatWouldOverdraw_IsInsufficientBalance(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	before := a.syncSnapshot(string(id))

	res := a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "-100.01", "kind": "adjustment", "reference": "too-much"})
	res.expect(t, 422, domain.CodeInsufficientBalance)
	syncExpectSafeError(t, res)
	if got := res.syncEnvelope(t).Error.Details["balance"]; got != "100.00" {
		t.Fatalf("details.balance = %v, want \"100.00\"", got)
	}
	a.syncExpectUnchanged(before)
	a.syncExpectLedgerWhole(id, "100.00")

	// Down to exactly zero is allowed.
	res = a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "-100.00", "kind": "adjustment", "reference": "all"})
	res.expect(t, 201, "")
	_, rest := syncEntryBody(t, res)
	syncExpectJSON(t, rest, fmt.Sprintf(`{"id_number":%q,"amount":"-100.00","kind":"adjustment","reference":"all","balance":"0.00"}`, id))
	a.syncExpectLedgerWhole(id, "0.00")
}

func TestPostAccountEntry_BalanceBeyondLargestAmount_IsInvalidAmountNotInternal(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("999999999999.99")
	before := a.syncSnapshot(string(id))

	res := a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "0.01", "kind": "contribution", "reference": "overflow"})
	res.expect(t, 400, domain.CodeInvalidAmount)
	syncExpectSafeError(t, res)
	a.syncExpectUnchanged(before)
	a.syncExpectLedgerWhole(id, "999999999999.99")

	// Up to the largest balance is fine.
	a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "-0.01", "kind": "adjustment", "reference": "down"}).expect(t, 201, "")
	res = a.syncPost(syncPersonPath(id, "/account/entries"), syncObj{"amount": "0.01", "kind": "contribution", "reference": "up"})
	res.expect(t, 201, "")
	a.syncExpectLedgerWhole(id, "999999999999.99")
}

// ---- institutions ----

func TestPutInstitution_DesignatedHospital_IsStored(t *testing.T) {
	a := newTestAPI(t)
	code := syncInstitutionCode("H")
	res := a.syncPut("/v1/institutions/"+code, syncObj{"name": "博州人民医院", "kind": "hospital", "admdvs": "652701", "designated": true})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"code":%q,"name":"博州人民医院","kind":"hospital","admdvs":"652701","designated":true}`, code))

	got, ok, err := a.store.Institution(context.Background(), domain.InstitutionCode(code))
	if err != nil || !ok {
		t.Fatalf("institution not stored: %v %v", ok, err)
	}
	if want := (domain.Institution{Code: domain.InstitutionCode(code), Name: "博州人民医院", Kind: "hospital", Admdvs: "652701", Designated: true}); got != want {
		t.Fatalf("stored %+v, want %+v", got, want)
	}
}

func TestPutInstitution_NonDesignatedPharmacy_IsStored(t *testing.T) {
	a := newTestAPI(t)
	code := syncInstitutionCode("P")
	res := a.syncPut("/v1/institutions/"+code, syncObj{"name": "博乐市大药房", "kind": "pharmacy", "admdvs": "652701", "designated": false})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"code":%q,"name":"博乐市大药房","kind":"pharmacy","admdvs":"652701","designated":false}`, code))
	if n := a.count(`SELECT count(*) FROM institutions WHERE code = $1 AND kind = 'pharmacy' AND NOT designated`, code); n != 1 {
		t.Fatal("pharmacy not stored as non-designated")
	}
}

func TestPutInstitution_Again_ReplacesIt(t *testing.T) {
	a := newTestAPI(t)
	code := syncInstitutionCode("H")
	a.syncPut("/v1/institutions/"+code, syncObj{"name": "旧名", "kind": "hospital", "admdvs": "652701", "designated": true}).expect(t, 200, "")
	res := a.syncPut("/v1/institutions/"+code, syncObj{"name": "新名", "kind": "hospital", "admdvs": "652701", "designated": false})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"code":%q,"name":"新名","kind":"hospital","admdvs":"652701","designated":false}`, code))
	if n := a.count(`SELECT count(*) FROM institutions WHERE code = $1`, code); n != 1 {
		t.Fatalf("%d rows for %s, want 1", n, code)
	}
	if n := a.count(`SELECT count(*) FROM institutions WHERE code = $1 AND name = '新名' AND NOT designated`, code); n != 1 {
		t.Fatal("institution not replaced")
	}
}

// ---- filings ----

func TestPutFiling_New_IsRecordedAndShownOnThePerson(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncPerson("310")
	res := a.syncPut(syncPersonPath(id, "/filings/YD2026-0001"), syncObj{"admdvs_to": "650102", "valid_from": "2026-11-24", "valid_until": "2026-11-24"})
	res.expect(t, 200, "")
	want := fmt.Sprintf(`{"id_number":%q,"filing_no":"YD2026-0001","admdvs_to":"650102","valid_from":"2026-11-24","valid_until":"2026-11-24"}`, id)
	syncExpectJSON(t, res, want)

	var got struct {
		Filings json.RawMessage `json:"filings"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &got)
	syncExpectJSON(t, response{body: got.Filings}, "["+want+"]")
}

func TestPutFiling_SameNumberAgain_ReplacesIt(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncPerson("310")
	a.syncPut(syncPersonPath(id, "/filings/F-1"), syncObj{"admdvs_to": "650102", "valid_from": "2026-01-01", "valid_until": "2026-06-30"}).expect(t, 200, "")
	res := a.syncPut(syncPersonPath(id, "/filings/F-1"), syncObj{"admdvs_to": "110105", "valid_from": "2026-03-01", "valid_until": "2027-02-28"})
	res.expect(t, 200, "")
	want := fmt.Sprintf(`{"id_number":%q,"filing_no":"F-1","admdvs_to":"110105","valid_from":"2026-03-01","valid_until":"2027-02-28"}`, id)
	syncExpectJSON(t, res, want)
	if n := a.count(`SELECT count(*) FROM filings WHERE id_number = $1`, id); n != 1 {
		t.Fatalf("%d filings, want 1", n)
	}
	var got struct {
		Filings json.RawMessage `json:"filings"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &got)
	syncExpectJSON(t, response{body: got.Filings}, "["+want+"]")
}

// ---- death ----

func TestPostDeath_RecordsTheDate_SameDateAgainIsFine_AnotherDateIsConflict(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncEmployee("100.00")
	today := testToday.String()
	want := fmt.Sprintf(`{"id_number":%q,"name":"张三","phone":"","death_date":%q}`, id, today)

	res := a.syncPost(syncPersonPath(id, "/death"), syncObj{"date": today}) // today is the latest allowed
	res.expect(t, 200, "")
	syncExpectJSON(t, res, want)

	again := a.syncPost(syncPersonPath(id, "/death"), syncObj{"date": today})
	again.expect(t, 200, "")
	syncExpectJSON(t, again, want)

	before := a.syncSnapshot(string(id))
	conflict := a.syncPost(syncPersonPath(id, "/death"), syncObj{"date": daysFromToday(-23)})
	conflict.expect(t, 409, domain.CodePersonDeceased)
	syncExpectSafeError(t, conflict)
	if got := conflict.syncEnvelope(t).Error.Details["death_date"]; got != today {
		t.Fatalf("details.death_date = %v, want %s", got, today)
	}
	a.syncExpectUnchanged(before)

	var p struct {
		DeathDate string `json:"death_date"`
	}
	a.syncGet(syncPersonPath(id, "")).json(t, &p)
	if p.DeathDate != today {
		t.Fatalf("death_date = %q after the conflict", p.DeathDate)
	}
}

func TestPostDeath_OnTheBirthDate_IsAccepted(t *testing.T) {
	a := newTestAPI(t)
	id := a.syncPerson("")
	birth := id.BirthDate().String()
	res := a.syncPost(syncPersonPath(id, "/death"), syncObj{"date": birth})
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%q,"name":"李四","phone":"","death_date":%q}`, id, birth))
}

// ---- bad input ----

func TestSyncBadInput_IsRefusedWithItsCodeAndWritesNothing(t *testing.T) {
	a := newTestAPI(t)

	// Fixtures a wrongly accepted request would change.
	emp := a.syncEmployee("100.00") // 310 with an account
	fresh := a.syncPerson("310")    // 310, no account yet
	resident := a.syncPerson("390") // 390
	bare := a.syncPerson("")        // no enrolment
	unknown := newID()              // never synced
	inst := syncInstitutionCode("H")
	a.syncPut("/v1/institutions/"+inst, syncObj{"name": "博州人民医院", "kind": "hospital", "admdvs": "652701", "designated": true}).expect(t, 200, "")
	a.syncPut(syncPersonPath(emp, "/filings/F-EXIST"), syncObj{"admdvs_to": "650102", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}).expect(t, 200, "")

	// Bad ID numbers, each otherwise unused.
	good := string(newID())
	wrongCheck := good[:17] + string("0123456789"[(strings.IndexByte("0123456789X", good[17])+1)%10])
	if wrongCheck == good {
		t.Fatal("wrongCheck equals good")
	}
	bornTomorrow := string(domain.ComposeIDNumber("652701", testToday.AddDays(1), 1))
	bornNextYear := string(domain.ComposeIDNumber("652701", domain.NewDate(testToday.Year+1, 1, 1), 1))
	bornBefore1900 := string(domain.ComposeIDNumber("652701", domain.NewDate(1899, 12, 31), 1))
	feb30 := string(domain.ComposeIDNumber("652701", domain.NewDate(1990, 2, 30), 1))

	person := syncObj{"name": "张三", "phone": "13800000000"}
	enrolment := syncObj{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": false}
	account := syncObj{"balance": "100.00", "status": "normal"}
	entry := syncObj{"amount": "10.00", "kind": "contribution", "reference": "bad-input"}
	institution := syncObj{"name": "博州医院", "kind": "hospital", "admdvs": "652701", "designated": false}
	filing := syncObj{"admdvs_to": "650102", "valid_from": "2026-02-01", "valid_until": "2026-03-31"}
	death := syncObj{"date": daysFromToday(-23)}

	empPath := syncPersonPath(emp, "")
	enrolPath := syncPersonPath(bare, "/enrolment")
	acctPath := syncPersonPath(fresh, "/account")
	entryPath := syncPersonPath(emp, "/account/entries")
	instPath := "/v1/institutions/" + inst
	filingPath := syncPersonPath(emp, "/filings/F-EXIST")
	deathPath := syncPersonPath(emp, "/death")

	tooLarge := `{"name":"` + strings.Repeat("a", maxJSONBody) + `"}`
	badUTF8 := []byte("{\"name\":\"\xff\xfe\"}")

	tests := []struct {
		name        string
		method      string
		path        string
		body        any
		contentType string
		headers     map[string]string
		token       string // "" is the admin token; "none" sends none
		status      int
		code        domain.Code
		field       string // details.field, when set
	}{
		// ID number in the path.
		{name: "id wrong check digit", method: "PUT", path: "/v1/persons/" + wrongCheck, body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id 17 characters", method: "PUT", path: "/v1/persons/" + good[:17], body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id 19 characters", method: "PUT", path: "/v1/persons/" + good + "1", body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id with a letter inside", method: "PUT", path: "/v1/persons/" + good[:5] + "A" + good[6:], body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id born tomorrow", method: "PUT", path: "/v1/persons/" + bornTomorrow, body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id born next year", method: "PUT", path: "/v1/persons/" + bornNextYear, body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id born before 1900", method: "PUT", path: "/v1/persons/" + bornBefore1900, body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id born on 30 February", method: "PUT", path: "/v1/persons/" + feb30, body: person, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id wrong check digit on enrolment", method: "PUT", path: "/v1/persons/" + wrongCheck + "/enrolment", body: enrolment, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id wrong check digit on entries", method: "POST", path: "/v1/persons/" + wrongCheck + "/account/entries", body: entry, status: 400, code: domain.CodeInvalidIDNumber},
		{name: "id wrong check digit on GET", method: "GET", path: "/v1/persons/" + wrongCheck, status: 400, code: domain.CodeInvalidIDNumber},

		// Person fields.
		{name: "person name missing", method: "PUT", path: empPath, body: syncWithout(person, "name"), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name null", method: "PUT", path: empPath, body: syncWith(person, "name", nil), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name empty", method: "PUT", path: empPath, body: syncWith(person, "name", ""), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name whitespace", method: "PUT", path: empPath, body: syncWith(person, "name", " \t "), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name 65 characters", method: "PUT", path: empPath, body: syncWith(person, "name", strings.Repeat("汉", 65)), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name with NUL", method: "PUT", path: empPath, body: syncWith(person, "name", "张\x00三"), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name with newline", method: "PUT", path: empPath, body: syncWith(person, "name", "张\n三"), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person name a number", method: "PUT", path: empPath, body: syncWith(person, "name", 5), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "person phone letters", method: "PUT", path: empPath, body: syncWith(person, "phone", "call me"), status: 400, code: domain.CodeInvalidRequest, field: "phone"},
		{name: "person phone too short", method: "PUT", path: empPath, body: syncWith(person, "phone", "1234"), status: 400, code: domain.CodeInvalidRequest, field: "phone"},

		// Strict JSON decoding.
		{name: "unknown field", method: "PUT", path: empPath, body: syncWith(person, "nickname", "三儿"), status: 400, code: domain.CodeInvalidRequest},
		{name: "field name in other case", method: "PUT", path: empPath, body: `{"NAME":"张三"}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "field name in other case beside the right one", method: "PUT", path: empPath, body: `{"name":"张三","Name":"李四"}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "malformed JSON cut short", method: "PUT", path: empPath, body: `{"name":`, status: 400, code: domain.CodeInvalidRequest},
		{name: "malformed JSON unquoted key", method: "PUT", path: empPath, body: `{name:"张三"}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "malformed JSON trailing comma", method: "PUT", path: empPath, body: `{"name":"张三",}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "empty body", method: "PUT", path: empPath, body: "", status: 400, code: domain.CodeInvalidRequest},
		{name: "two JSON values", method: "PUT", path: empPath, body: `{"name":"张三"} {"name":"李四"}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "stray bracket after the object", method: "PUT", path: empPath, body: `{"name":"张三"}]`, status: 400, code: domain.CodeInvalidRequest},
		{name: "stray brace after the object", method: "PUT", path: empPath, body: `{"name":"张三"}}`, status: 400, code: domain.CodeInvalidRequest},
		{name: "garbage after the object", method: "PUT", path: empPath, body: `{"name":"张三"} x`, status: 400, code: domain.CodeInvalidRequest},
		{name: "JSON array instead of object", method: "PUT", path: empPath, body: `[{"name":"张三"}]`, status: 400, code: domain.CodeInvalidRequest},
		{name: "JSON string instead of object", method: "PUT", path: empPath, body: `"张三"`, status: 400, code: domain.CodeInvalidRequest},
		{name: "invalid UTF-8 bytes", method: "PUT", path: empPath, body: badUTF8, status: 400, code: domain.CodeInvalidRequest},
		{name: "body over 64 KiB", method: "PUT", path: empPath, body: tooLarge, status: 413, code: domain.CodeBodyTooLarge},
		{name: "entry body over 64 KiB", method: "POST", path: entryPath, body: `{"reference":"` + strings.Repeat("r", maxJSONBody) + `"}`, status: 413, code: domain.CodeBodyTooLarge},
		{name: "content type text/plain", method: "PUT", path: empPath, body: `{"name":"张三"}`, contentType: "text/plain", status: 415, code: domain.CodeUnsupportedMediaType},
		{name: "content type form", method: "POST", path: entryPath, body: `amount=10.00`, contentType: "application/x-www-form-urlencoded", status: 415, code: domain.CodeUnsupportedMediaType},
		{name: "content type missing", method: "PUT", path: empPath, body: `{"name":"张三"}`, headers: map[string]string{"Content-Type": ""}, status: 415, code: domain.CodeUnsupportedMediaType},

		// Enrolment.
		{name: "enrolment admdvs 5 digits", method: "PUT", path: enrolPath, body: syncWith(enrolment, "admdvs", "65270"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "enrolment admdvs leading zero", method: "PUT", path: enrolPath, body: syncWith(enrolment, "admdvs", "052701"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "enrolment admdvs with a letter", method: "PUT", path: enrolPath, body: syncWith(enrolment, "admdvs", "65270a"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "enrolment admdvs 7 digits", method: "PUT", path: enrolPath, body: syncWith(enrolment, "admdvs", "6527011"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "enrolment insutype 320", method: "PUT", path: enrolPath, body: syncWith(enrolment, "insutype", "320"), status: 400, code: domain.CodeInvalidEnumValue, field: "insutype"},
		{name: "enrolment insutype abc", method: "PUT", path: enrolPath, body: syncWith(enrolment, "insutype", "abc"), status: 400, code: domain.CodeInvalidEnumValue, field: "insutype"},
		{name: "enrolment insutype empty", method: "PUT", path: enrolPath, body: syncWith(enrolment, "insutype", ""), status: 400, code: domain.CodeInvalidEnumValue, field: "insutype"},
		{name: "enrolment insutype a number", method: "PUT", path: enrolPath, body: syncWith(enrolment, "insutype", 310), status: 400, code: domain.CodeInvalidRequest, field: "insutype"},
		{name: "enrolment status dead", method: "PUT", path: enrolPath, body: syncWith(enrolment, "status", "dead"), status: 400, code: domain.CodeInvalidEnumValue, field: "status"},
		{name: "enrolment status upper case", method: "PUT", path: enrolPath, body: syncWith(enrolment, "status", "NORMAL"), status: 400, code: domain.CodeInvalidEnumValue, field: "status"},
		{name: "enrolment arrears a string", method: "PUT", path: enrolPath, body: syncWith(enrolment, "arrears", "yes"), status: 400, code: domain.CodeInvalidRequest, field: "arrears"},
		{name: "enrolment insutype missing", method: "PUT", path: enrolPath, body: syncWithout(enrolment, "insutype"), status: 400, code: domain.CodeInvalidRequest, field: "insutype"},
		{name: "enrolment admdvs missing", method: "PUT", path: enrolPath, body: syncWithout(enrolment, "admdvs"), status: 400, code: domain.CodeInvalidRequest, field: "admdvs"},
		{name: "enrolment status missing", method: "PUT", path: enrolPath, body: syncWithout(enrolment, "status"), status: 400, code: domain.CodeInvalidRequest, field: "status"},
		{name: "enrolment arrears missing", method: "PUT", path: enrolPath, body: syncWithout(enrolment, "arrears"), status: 400, code: domain.CodeInvalidRequest, field: "arrears"},
		{name: "enrolment unknown field", method: "PUT", path: enrolPath, body: syncWith(enrolment, "insutype_name", "职工"), status: 400, code: domain.CodeInvalidRequest},
		{name: "enrolment for an unknown person", method: "PUT", path: syncPersonPath(unknown, "/enrolment"), body: enrolment, status: 404, code: domain.CodePersonNotFound},

		// Account.
		{name: "balance three decimals", method: "PUT", path: acctPath, body: syncWith(account, "balance", "12.345"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance negative", method: "PUT", path: acctPath, body: syncWith(account, "balance", "-1.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance negative zero", method: "PUT", path: acctPath, body: syncWith(account, "balance", "-0.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance JSON float", method: "PUT", path: acctPath, body: syncWith(account, "balance", 12.3), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance JSON integer", method: "PUT", path: acctPath, body: syncWith(account, "balance", 12), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance exponent", method: "PUT", path: acctPath, body: syncWith(account, "balance", "1e3"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance NaN", method: "PUT", path: acctPath, body: syncWith(account, "balance", "NaN"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance empty string", method: "PUT", path: acctPath, body: syncWith(account, "balance", ""), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance plus sign", method: "PUT", path: acctPath, body: syncWith(account, "balance", "+1.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance leading zero", method: "PUT", path: acctPath, body: syncWith(account, "balance", "01.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance with spaces", method: "PUT", path: acctPath, body: syncWith(account, "balance", " 1.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance thousands separator", method: "PUT", path: acctPath, body: syncWith(account, "balance", "1,000.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance 13 integer digits", method: "PUT", path: acctPath, body: syncWith(account, "balance", "1000000000000.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "balance an object", method: "PUT", path: acctPath, body: syncWith(account, "balance", syncObj{"yuan": 1}), status: 400, code: domain.CodeInvalidAmount},
		{name: "account status dead", method: "PUT", path: acctPath, body: syncWith(account, "status", "dead"), status: 400, code: domain.CodeInvalidEnumValue, field: "status"},
		{name: "account balance missing", method: "PUT", path: acctPath, body: syncWithout(account, "balance"), status: 400, code: domain.CodeInvalidRequest, field: "balance"},
		{name: "account balance null", method: "PUT", path: acctPath, body: syncWith(account, "balance", nil), status: 400, code: domain.CodeInvalidRequest, field: "balance"},
		{name: "account status missing", method: "PUT", path: acctPath, body: syncWithout(account, "status"), status: 400, code: domain.CodeInvalidRequest, field: "status"},
		{name: "account for an unknown person", method: "PUT", path: syncPersonPath(unknown, "/account"), body: account, status: 404, code: domain.CodePersonNotFound},
		{name: "account for a 390-enrolled person", method: "PUT", path: syncPersonPath(resident, "/account"), body: account, status: 422, code: domain.CodeNoPersonalAccount},
		{name: "account for a person without enrolment", method: "PUT", path: syncPersonPath(bare, "/account"), body: account, status: 422, code: domain.CodeNoPersonalAccount},
		{name: "account open with another balance", method: "PUT", path: syncPersonPath(emp, "/account"), body: syncWith(account, "balance", "100.01"), status: 409, code: domain.CodeAccountBalanceConflict},

		// Account entries.
		{name: "entry contribution negative", method: "POST", path: entryPath, body: syncWith(entry, "amount", "-5.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount zero", method: "POST", path: entryPath, body: syncWith(entry, "amount", "0.00"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry adjustment zero", method: "POST", path: entryPath, body: syncWith(entry, "amount", "0", "kind", "adjustment"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount negative zero", method: "POST", path: entryPath, body: syncWith(entry, "amount", "-0.00", "kind", "adjustment"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount three decimals", method: "POST", path: entryPath, body: syncWith(entry, "amount", "10.001"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount JSON float", method: "POST", path: entryPath, body: syncWith(entry, "amount", 10.5), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount JSON integer", method: "POST", path: entryPath, body: syncWith(entry, "amount", 10), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry amount exponent", method: "POST", path: entryPath, body: syncWith(entry, "amount", "1e1"), status: 400, code: domain.CodeInvalidAmount},
		{name: "entry kind settlement_debit", method: "POST", path: entryPath, body: syncWith(entry, "kind", "settlement_debit"), status: 400, code: domain.CodeInvalidEnumValue, field: "kind"},
		{name: "entry kind premium_refund", method: "POST", path: entryPath, body: syncWith(entry, "kind", "premium_refund"), status: 400, code: domain.CodeInvalidEnumValue, field: "kind"},
		{name: "entry kind upper case", method: "POST", path: entryPath, body: syncWith(entry, "kind", "CONTRIBUTION"), status: 400, code: domain.CodeInvalidEnumValue, field: "kind"},
		{name: "entry reference empty", method: "POST", path: entryPath, body: syncWith(entry, "reference", ""), status: 400, code: domain.CodeInvalidRequest, field: "reference"},
		{name: "entry reference with a space", method: "POST", path: entryPath, body: syncWith(entry, "reference", "ref 1"), status: 400, code: domain.CodeInvalidRequest, field: "reference"},
		{name: "entry reference 65 characters", method: "POST", path: entryPath, body: syncWith(entry, "reference", strings.Repeat("r", 65)), status: 400, code: domain.CodeInvalidRequest, field: "reference"},
		{name: "entry amount missing", method: "POST", path: entryPath, body: syncWithout(entry, "amount"), status: 400, code: domain.CodeInvalidRequest, field: "amount"},
		{name: "entry kind missing", method: "POST", path: entryPath, body: syncWithout(entry, "kind"), status: 400, code: domain.CodeInvalidRequest, field: "kind"},
		{name: "entry reference missing", method: "POST", path: entryPath, body: syncWithout(entry, "reference"), status: 400, code: domain.CodeInvalidRequest, field: "reference"},
		{name: "entry that would overdraw", method: "POST", path: entryPath, body: syncWith(entry, "amount", "-100.01", "kind", "adjustment"), status: 422, code: domain.CodeInsufficientBalance},
		{name: "entry for a person without an account", method: "POST", path: syncPersonPath(fresh, "/account/entries"), body: entry, status: 404, code: domain.CodeAccountNotFound},

		// Institutions.
		{name: "institution code with letter X", method: "PUT", path: "/v1/institutions/X65270100001", body: institution, status: 400, code: domain.CodeInvalidInstitutionCode},
		{name: "institution code 11 characters", method: "PUT", path: "/v1/institutions/H6527010000", body: institution, status: 400, code: domain.CodeInvalidInstitutionCode},
		{name: "institution code 13 characters", method: "PUT", path: "/v1/institutions/H652701000011", body: institution, status: 400, code: domain.CodeInvalidInstitutionCode},
		{name: "institution code lower-case letter", method: "PUT", path: "/v1/institutions/h65270100001", body: institution, status: 400, code: domain.CodeInvalidInstitutionCode},
		{name: "institution code division with leading zero", method: "PUT", path: "/v1/institutions/H05270100001", body: institution, status: 400, code: domain.CodeInvalidInstitutionCode},
		{name: "institution kind pharmacy for an H code", method: "PUT", path: instPath, body: syncWith(institution, "kind", "pharmacy"), status: 400, code: domain.CodeInvalidRequest, field: "kind"},
		{name: "institution kind clinic", method: "PUT", path: instPath, body: syncWith(institution, "kind", "clinic"), status: 400, code: domain.CodeInvalidEnumValue, field: "kind"},
		{name: "institution admdvs disagrees with the code", method: "PUT", path: instPath, body: syncWith(institution, "admdvs", "650102"), status: 400, code: domain.CodeInvalidAdmdvs, field: "admdvs"},
		{name: "institution admdvs malformed", method: "PUT", path: instPath, body: syncWith(institution, "admdvs", "65270"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "institution name empty", method: "PUT", path: instPath, body: syncWith(institution, "name", ""), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "institution name 65 characters", method: "PUT", path: instPath, body: syncWith(institution, "name", strings.Repeat("院", 65)), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "institution designated a string", method: "PUT", path: instPath, body: syncWith(institution, "designated", "true"), status: 400, code: domain.CodeInvalidRequest, field: "designated"},
		{name: "institution name missing", method: "PUT", path: instPath, body: syncWithout(institution, "name"), status: 400, code: domain.CodeInvalidRequest, field: "name"},
		{name: "institution kind missing", method: "PUT", path: instPath, body: syncWithout(institution, "kind"), status: 400, code: domain.CodeInvalidRequest, field: "kind"},
		{name: "institution admdvs missing", method: "PUT", path: instPath, body: syncWithout(institution, "admdvs"), status: 400, code: domain.CodeInvalidRequest, field: "admdvs"},
		{name: "institution designated missing", method: "PUT", path: instPath, body: syncWithout(institution, "designated"), status: 400, code: domain.CodeInvalidRequest, field: "designated"},

		// Filings.
		{name: "filing valid_until before valid_from", method: "PUT", path: filingPath, body: syncWith(filing, "valid_from", "2026-03-01", "valid_until", "2026-02-28"), status: 400, code: domain.CodeInvalidDate},
		{name: "filing valid_from 30 February", method: "PUT", path: filingPath, body: syncWith(filing, "valid_from", "2026-02-30"), status: 400, code: domain.CodeInvalidDate},
		{name: "filing valid_until month 13", method: "PUT", path: filingPath, body: syncWith(filing, "valid_until", "2026-13-01"), status: 400, code: domain.CodeInvalidDate},
		{name: "filing date with slashes", method: "PUT", path: filingPath, body: syncWith(filing, "valid_from", "2026/02/01"), status: 400, code: domain.CodeInvalidDate},
		{name: "filing date with a time", method: "PUT", path: filingPath, body: syncWith(filing, "valid_from", "2026-02-01T00:00:00Z"), status: 400, code: domain.CodeInvalidDate},
		{name: "filing date a number", method: "PUT", path: filingPath, body: syncWith(filing, "valid_from", 20260201), status: 400, code: domain.CodeInvalidDate},
		{name: "filing admdvs_to malformed", method: "PUT", path: filingPath, body: syncWith(filing, "admdvs_to", "65010"), status: 400, code: domain.CodeInvalidAdmdvs},
		{name: "filing admdvs_to missing", method: "PUT", path: filingPath, body: syncWithout(filing, "admdvs_to"), status: 400, code: domain.CodeInvalidRequest, field: "admdvs_to"},
		{name: "filing valid_from missing", method: "PUT", path: filingPath, body: syncWithout(filing, "valid_from"), status: 400, code: domain.CodeInvalidRequest, field: "valid_from"},
		{name: "filing valid_until missing", method: "PUT", path: filingPath, body: syncWithout(filing, "valid_until"), status: 400, code: domain.CodeInvalidRequest, field: "valid_until"},
		{name: "filing number with underscore", method: "PUT", path: syncPersonPath(emp, "/filings/F_1"), body: filing, status: 400, code: domain.CodeInvalidRequest, field: "filing_no"},
		{name: "filing number 41 characters", method: "PUT", path: syncPersonPath(emp, "/filings/"+strings.Repeat("F", 41)), body: filing, status: 400, code: domain.CodeInvalidRequest, field: "filing_no"},
		{name: "filing for an unknown person", method: "PUT", path: syncPersonPath(unknown, "/filings/F-1"), body: filing, status: 404, code: domain.CodePersonNotFound},

		// Death.
		{name: "death date tomorrow", method: "POST", path: deathPath, body: syncWith(death, "date", daysFromToday(1)), status: 400, code: domain.CodeInvalidDate},
		{name: "death date before birth", method: "POST", path: deathPath, body: syncWith(death, "date", emp.BirthDate().AddDays(-1).String()), status: 400, code: domain.CodeInvalidDate},
		{name: "death date 30 February", method: "POST", path: deathPath, body: syncWith(death, "date", "2026-02-30"), status: 400, code: domain.CodeInvalidDate},
		{name: "death date missing", method: "POST", path: deathPath, body: syncObj{}, status: 400, code: domain.CodeInvalidRequest, field: "date"},
		{name: "death date null", method: "POST", path: deathPath, body: syncWith(death, "date", nil), status: 400, code: domain.CodeInvalidRequest, field: "date"},
		{name: "death unknown field", method: "POST", path: deathPath, body: syncWith(death, "cause", "x"), status: 400, code: domain.CodeInvalidRequest},
		{name: "death of an unknown person", method: "POST", path: syncPersonPath(unknown, "/death"), body: death, status: 404, code: domain.CodePersonNotFound},
		{name: "GET an unknown person", method: "GET", path: syncPersonPath(unknown, ""), status: 404, code: domain.CodePersonNotFound},

		// Who may sync.
		{name: "no token", method: "PUT", path: empPath, body: person, token: "none", status: 401, code: domain.CodeUnauthenticated},
		{name: "insured token", method: "PUT", path: empPath, body: person, token: a.token(domain.RoleInsured, string(emp)), status: 403, code: domain.CodeForbidden},
		{name: "institution token", method: "PUT", path: instPath, body: institution, token: a.token(domain.RoleInstitution, inst), status: 403, code: domain.CodeForbidden},
		{name: "reviewer token", method: "POST", path: entryPath, body: entry, token: a.token(domain.RoleReviewer, "rev01"), status: 403, code: domain.CodeForbidden},
	}

	// Whatever a request could wrongly write belongs to a fixture or to the
	// person or institution its path names.
	fixtures := []string{string(emp), string(fresh), string(resident), string(bare), string(unknown), inst}
	names := map[string]bool{}
	for _, tc := range tests {
		if names[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			a := a.syncSub(t)
			tok := tc.token
			switch tok {
			case "":
				tok = a.admin()
			case "none":
				tok = ""
			}
			before := a.syncSnapshot(append(fixtures, syncPathKey(tc.path))...)
			res := a.do(request{method: tc.method, path: tc.path, token: tok, body: tc.body, contentType: tc.contentType, headers: tc.headers})
			res.expect(t, tc.status, tc.code)
			syncExpectSafeError(t, res)
			if tc.field != "" {
				if got := res.syncEnvelope(t).Error.Details["field"]; got != tc.field {
					t.Errorf("details.field = %v, want %q (%s)", got, tc.field, res.body)
				}
			}
			a.syncExpectUnchanged(before)
		})
	}

	// The fixtures are as they were made.
	res := a.syncGet(empPath)
	res.expect(t, 200, "")
	syncExpectJSON(t, res, fmt.Sprintf(`{"id_number":%[1]q,"name":"张三","phone":"","death_date":null,
		"enrolment":{"id_number":%[1]q,"insutype":"310","admdvs":"652701","status":"normal","arrears":false},
		"account":{"id_number":%[1]q,"opening_balance":"100.00","balance":"100.00","status":"normal"},
		"filings":[{"id_number":%[1]q,"filing_no":"F-EXIST","admdvs_to":"650102","valid_from":"2026-01-01","valid_until":"2026-12-31"}]}`, emp))
	a.syncExpectLedgerWhole(emp, "100.00")
}
