package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
	"gongji/external"
	"gongji/internal/invariants"
)

// Settlement tests run through HTTP against the package's PostgreSQL and
// the real Temporal dev server and worker (see main_test.go). Each test
// uses fresh people and institutions and ends with
// checkSettlementInvariants.

const (
	// settleTopupTimeout is the counter's time to collect a top-up in
	// these tests: long enough for a POST that waits settleWait before
	// answering 202 and a top-up sent after it.
	settleTopupTimeout = 60 * time.Second
	// shortTopupTimeout lets a top-up time out within a test.
	shortTopupTimeout = 4 * time.Second
)

// settleDay is the service date of the tests' visits: today on the API's
// clock.
var settleDay = testToday

var (
	nextInstitution atomic.Int64
	nextVisit       atomic.Int64
)

// newSettleAPI is newTestAPI with the given top-up timeout; it checks the
// money invariants when the test ends.
func newSettleAPI(t *testing.T, topupTimeout time.Duration) *testAPI {
	t.Helper()
	a := newTestAPIWith(t, func(d *Deps) { d.TopupTimeout = topupTimeout })
	t.Cleanup(func() { checkSettlementInvariants(t, a.store) })
	return a
}

// checkSettlementInvariants fails the test for every row of the database
// that breaks one of DESIGN.md's invariants as internal/invariants checks
// them (balances, limits, conservation per account and per settlement, at
// most one debit per settlement and binding, undone settlements and
// payments netting zero).
func checkSettlementInvariants(t testing.TB, store *db.Store) {
	t.Helper()
	report, err := invariants.Check(context.Background(), store, invariants.Options{})
	if err != nil {
		t.Errorf("invariants: %v", err)
		return
	}
	for _, res := range report.Results {
		for _, v := range res.Violations {
			t.Errorf("invariant %d broken: %s: %s", res.Design, res.Name, v)
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers

// institution is a synced institution and its cashier's token.
type institution struct {
	code, name, token string
}

// syncInstitution syncs a fresh institution of the kind in the division.
func (a *testAPI) syncInstitution(kind domain.InstitutionKind, admdvs string, designated bool) institution {
	a.t.Helper()
	letter := "H"
	if kind == domain.InstitutionPharmacy {
		letter = "P"
	}
	n := 70000 + nextInstitution.Add(1)
	code := fmt.Sprintf("%s%s%05d", letter, admdvs, n)
	name := fmt.Sprintf("测试医院%d", n)
	a.do(request{method: "PUT", path: "/v1/institutions/" + code, token: a.admin(),
		body: map[string]any{"name": name, "kind": string(kind), "admdvs": admdvs, "designated": designated}}).expect(a.t, 200, "")
	return institution{code: code, name: name, token: a.token(domain.RoleInstitution, code)}
}

// hospital is a designated hospital in 博乐市.
func (a *testAPI) hospital() institution {
	a.t.Helper()
	return a.syncInstitution(domain.InstitutionHospital, "652701", true)
}

// boundFamily syncs a 310 holder with the opening balance and a 390
// beneficiary, and binds them as parent and child with the terms.
func (a *testAPI) boundFamily(balance string, terms map[string]any) (family, bindingBody) {
	a.t.Helper()
	h := a.syncInsured("310", "652701", "normal", false, balance, "normal")
	f := family{holder: h, holderToken: a.token(domain.RoleInsured, string(h))}
	return a.bindChild(f, terms)
}

// bindChild binds a fresh 390 beneficiary to the family's holder.
func (a *testAPI) bindChild(f family, terms map[string]any) (family, bindingBody) {
	a.t.Helper()
	f.beneficiary = a.syncInsured("390", "652722", "normal", false, "", "")
	f.beneficiaryToken = a.token(domain.RoleInsured, string(f.beneficiary))
	return f, a.activeBinding(f, terms)
}

// activeBinding approves a binding of the family and checks that it is
// active on settleDay.
func (a *testAPI) activeBinding(f family, terms map[string]any) bindingBody {
	a.t.Helper()
	b := a.approvedBinding(f, terms)
	if b.Status != "active" || b.ValidFrom == nil || *b.ValidFrom > settleDay.String() {
		from := "no date"
		if b.ValidFrom != nil {
			from = *b.ValidFrom
		}
		a.t.Fatalf("binding %s is %s from %s; the tests settle on %s", b.ID, b.Status, from, settleDay)
	}
	return b
}

// in returns a copy of a whose helpers report to t (a subtest).
func (a *testAPI) in(t *testing.T) *testAPI {
	c := *a
	c.t = t
	return &c
}

func newVisitNo() string { return fmt.Sprintf("V%06d", nextVisit.Add(1)) }

func billItem(code, category, amount string) map[string]any {
	return map[string]any{"code": code, "name": "项目" + code, "category": category, "amount": amount}
}

func cashTopup() map[string]any { return map[string]any{"method": "cash"} }

func cardTopup(token string) map[string]any {
	return map[string]any{"method": "bank_card", "card_token": token}
}

// visit is a POST /v1/settlements body: general outpatient on settleDay.
func visit(visitNo string, patient domain.IDNumber, useFamilyAccount bool, topup map[string]any, items ...map[string]any) map[string]any {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return map[string]any{
		"visit_no": visitNo, "patient_id_number": string(patient), "cert_type": "e_voucher", "medical_type": "outpatient",
		"service_date": settleDay.String(), "items": list, "use_family_account": useFamilyAccount, "topup": topup,
	}
}

// settlementBody decodes a settlement response.
type settlementBody struct {
	ID               string `json:"id"`
	VisitNo          string `json:"visit_no"`
	InstitutionCode  string `json:"institution_code"`
	PatientIDNumber  string `json:"patient_id_number"`
	MedicalType      string `json:"medical_type"`
	Status           string `json:"status"`
	Total            string `json:"total"`
	FundPay          string `json:"fund_pay"`
	FamilyAccountPay string `json:"family_account_pay"`
	TopupPay         string `json:"topup_pay"`
	TopupDue         string `json:"topup_due"`
	Payers           []struct {
		BindingID      string `json:"binding_id"`
		HolderIDNumber string `json:"holder_id_number"`
		Amount         string `json:"amount"`
		Refunded       bool   `json:"refunded"`
	} `json:"payers"`
	Refusal *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"refusal"`
	Steps []struct {
		Step    string  `json:"step"`
		Outcome string  `json:"outcome"`
		Detail  string  `json:"detail"`
		Amount  *string `json:"amount"`
	} `json:"steps"`
}

// amounts is total, fund, shared account, top-up and due, for comparison.
func (s settlementBody) amounts() string {
	return fmt.Sprintf("total %s = fund %s + account %s + topup %s, due %s", s.Total, s.FundPay, s.FamilyAccountPay, s.TopupPay, s.TopupDue)
}

func (s settlementBody) hasStep(step, outcome string) int {
	n := 0
	for _, st := range s.Steps {
		if st.Step == step && st.Outcome == outcome {
			n++
		}
	}
	return n
}

func decodeSettlement(t *testing.T, res response) settlementBody {
	t.Helper()
	var s settlementBody
	res.json(t, &s)
	return s
}

// postSettlement posts a bill and expects 200 or 202 (with Location).
func (a *testAPI) postSettlement(inst institution, body map[string]any) (response, settlementBody) {
	a.t.Helper()
	res := a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
	if res.status != 200 && res.status != 202 {
		a.t.Fatalf("POST /v1/settlements: %d %s", res.status, res.body)
	}
	s := decodeSettlement(a.t, res)
	if res.status == 202 && res.header.Get("Location") != "/v1/settlements/"+s.ID {
		a.t.Fatalf("202 with Location %q, want /v1/settlements/%s", res.header.Get("Location"), s.ID)
	}
	return res, s
}

// settle posts a bill and waits until the settlement is in status want.
func (a *testAPI) settle(inst institution, body map[string]any, want string) settlementBody {
	a.t.Helper()
	_, s := a.postSettlement(inst, body)
	if s.Status != want {
		s = a.waitSettlement(inst, s.ID, want)
	}
	return s
}

func (a *testAPI) getSettlement(inst institution, id string) settlementBody {
	a.t.Helper()
	res := a.do(request{method: "GET", path: "/v1/settlements/" + id, token: inst.token})
	res.expect(a.t, 200, "")
	return decodeSettlement(a.t, res)
}

// waitSettlement polls the settlement until it is in status want.
func (a *testAPI) waitSettlement(inst institution, id, want string) settlementBody {
	a.t.Helper()
	var s settlementBody
	a.eventually("settlement "+id+" "+want, func() bool {
		s = a.getSettlement(inst, id)
		if s.Status != want && domain.SettlementStatus(s.Status).IsFinal() {
			a.t.Fatalf("settlement %s ended %s (%+v), want %s", id, s.Status, s.Refusal, want)
		}
		return s.Status == want
	})
	return s
}

func (a *testAPI) topup(inst institution, id string, body map[string]any) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: "/v1/settlements/" + id + "/topup", token: inst.token, body: body})
}

func (a *testAPI) cancelSettlement(inst institution, id string) response {
	a.t.Helper()
	return a.do(request{method: "POST", path: "/v1/settlements/" + id + "/cancel", token: inst.token,
		body: map[string]any{"reason": "患者退费"}})
}

func (a *testAPI) balance(id domain.IDNumber) string {
	a.t.Helper()
	acct, err := a.store.Account(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return acct.Balance.String()
}

// ledgerEntry is one ledger row of a settlement.
type ledgerEntry struct {
	Account     string        `db:"account_id_number"`
	Amount      domain.Amount `db:"amount"`
	Kind        string        `db:"kind"`
	BindingID   string        `db:"binding_id"`
	Beneficiary string        `db:"beneficiary_id_number"`
	Institution string        `db:"institution_code"`
}

func (a *testAPI) settlementEntries(settlementID string) []ledgerEntry {
	a.t.Helper()
	var out []ledgerEntry
	if err := a.store.DB().SelectContext(context.Background(), &out, `
		SELECT account_id_number, amount, kind, COALESCE(binding_id, '') AS binding_id,
			COALESCE(beneficiary_id_number, '') AS beneficiary_id_number, COALESCE(institution_code, '') AS institution_code
		FROM ledger_entries WHERE settlement_id = $1 ORDER BY id`, settlementID); err != nil {
		a.t.Fatal(err)
	}
	return out
}

// nothingWritten asserts that a refused request for the patient left no
// settlement, ledger entry or fund usage behind.
func (a *testAPI) nothingWritten(patient domain.IDNumber, visitNo string) {
	a.t.Helper()
	if n := a.count(`SELECT count(*) FROM settlements WHERE patient_id_number = $1 OR visit_no = $2`, patient, visitNo); n != 0 {
		a.t.Errorf("%d settlements written for a refused request", n)
	}
	if n := a.count(`SELECT count(*) FROM ledger_entries WHERE beneficiary_id_number = $1`, patient); n != 0 {
		a.t.Errorf("%d ledger entries written for a refused request", n)
	}
	if n := a.count(`SELECT count(*) FROM sim.fund_usage WHERE id_number = $1`, patient); n != 0 {
		a.t.Errorf("%d fund usage rows written for a refused request", n)
	}
}

// ---------------------------------------------------------------------------
// 1. Happy path

func TestSettle_FundThenFamilyAccountThenCard_Completes(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", nil)
	inst := a.hospital()
	visitNo := newVisitNo()

	// 390 outpatient (illustrative): deductible 100.00, then 50%. Medical
	// 300.00 → fund 100.00, personal 200.00 from the shared account; the
	// non-medical 15.50 is never the account's, so the card pays it.
	_, s := a.postSettlement(inst, visit(visitNo, f.beneficiary, true, cardTopup("tok_visa_happy"),
		billItem("D001", "drug", "200.00"), billItem("S001", "service", "100.00"), billItem("N001", "non_medical", "15.50")))
	if s.Status != "completed" {
		s = a.waitSettlement(inst, s.ID, "completed")
	}
	if s.Total != "315.50" || s.FundPay != "100.00" || s.FamilyAccountPay != "200.00" || s.TopupPay != "15.50" || s.TopupDue != "0.00" {
		t.Fatalf("amounts: %s", s.amounts())
	}
	if s.VisitNo != visitNo || s.InstitutionCode != inst.code || s.PatientIDNumber != string(f.beneficiary) || s.Refusal != nil {
		t.Fatalf("settlement %+v", s)
	}
	if len(s.Payers) != 1 || s.Payers[0].BindingID != b.ID || s.Payers[0].HolderIDNumber != string(f.holder) ||
		s.Payers[0].Amount != "200.00" || s.Payers[0].Refunded {
		t.Fatalf("payers %+v", s.Payers)
	}
	if s.hasStep("fund", "paid") != 1 || s.hasStep("shared_account", "debited") != 1 || s.hasStep("topup", "collected") != 1 {
		t.Fatalf("steps %+v", s.Steps)
	}
	if got := a.getSettlement(inst, s.ID); got.Status != "completed" || got.amounts() != s.amounts() {
		t.Fatalf("GET: %s %s", got.Status, got.amounts())
	}

	// The holder's account shows the debit, the binding its usage.
	if got := a.balance(f.holder); got != "800.00" {
		t.Fatalf("holder balance %s, want 800.00", got)
	}
	entries := a.settlementEntries(s.ID)
	if len(entries) != 1 || entries[0].Account != string(f.holder) || entries[0].Amount.String() != "-200.00" ||
		entries[0].Kind != string(domain.EntrySettlementDebit) || entries[0].BindingID != b.ID ||
		entries[0].Beneficiary != string(f.beneficiary) || entries[0].Institution != inst.code {
		t.Fatalf("ledger entries %+v", entries)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "200.00" {
		t.Fatalf("used_this_year %s, want 200.00", got.UsedThisYear)
	}

	// The holder is told who, where, how much and the balance left.
	var notice struct {
		Kind   string        `db:"kind"`
		Body   string        `db:"body"`
		Amount domain.Amount `db:"amount"`
	}
	a.eventually("the holder's notification", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE recipient_id_number = $1 AND settlement_id = $2`, f.holder, s.ID) > 0
	})
	if err := a.store.DB().GetContext(context.Background(), &notice, `SELECT kind, body, amount FROM notifications
		WHERE recipient_id_number = $1 AND settlement_id = $2`, f.holder, s.ID); err != nil {
		t.Fatal(err)
	}
	if notice.Kind != string(domain.NoticeSharedAccountDebited) || notice.Amount.String() != "200.00" ||
		!strings.Contains(notice.Body, "200.00") || !strings.Contains(notice.Body, "800.00") || !strings.Contains(notice.Body, inst.name) {
		t.Fatalf("notification %+v", notice)
	}
	if n := a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// 2. Partial account, then cash

func TestSettle_LimitBelowPersonalShare_AwaitsCashTopup(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", map[string]any{"annual_limit": "50.00"})
	inst := a.hospital()

	// Medical 300.00: fund 100.00, personal 200.00 of which the limit lets
	// the account pay 50.00; 150.00 is due at the counter.
	res, s := a.postSettlement(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")))
	if res.status != 202 {
		t.Fatalf("POST answered %d, want 202 while the top-up is due", res.status)
	}
	if s.Status != "awaiting_topup" {
		s = a.waitSettlement(inst, s.ID, "awaiting_topup")
	}
	if s.TopupDue != "150.00" || s.FundPay != "100.00" || s.FamilyAccountPay != "50.00" || s.TopupPay != "0.00" {
		t.Fatalf("awaiting: %s", s.amounts())
	}

	// A wrong amount is refused and says what is expected.
	for _, amount := range []string{"149.99", "150.01"} {
		res := a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": amount, "receipt_no": "R-0001"})
		res.expect(t, 409, domain.CodeTopupAmountMismatch)
		var env struct {
			Error struct {
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		res.json(t, &env)
		if env.Error.Details["expected"] != "150.00" {
			t.Fatalf("details %v, want expected 150.00", env.Error.Details)
		}
	}
	// Bad top-up bodies are 400.
	a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": 150}).expect(t, 400, domain.CodeInvalidAmount)
	a.topup(inst, s.ID, map[string]any{"method": "cheque", "amount": "150.00"}).expect(t, 400, domain.CodeInvalidEnumValue)
	a.topup(inst, s.ID, map[string]any{"method": "bank_card", "amount": "150.00"}).expect(t, 400, domain.CodeInvalidRequest)

	res = a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "150.00", "receipt_no": "R-0001"})
	res.expect(t, 200, "")
	s = decodeSettlement(t, res)
	if s.Status != "completed" || s.Total != "300.00" || s.FundPay != "100.00" || s.FamilyAccountPay != "50.00" ||
		s.TopupPay != "150.00" || s.TopupDue != "0.00" {
		t.Fatalf("after the top-up: %s %s", s.Status, s.amounts())
	}
	if s.hasStep("topup", "collected") != 1 {
		t.Fatalf("steps %+v", s.Steps)
	}
	if got := a.balance(f.holder); got != "950.00" {
		t.Fatalf("holder balance %s, want 950.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "50.00" {
		t.Fatalf("used_this_year %s, want 50.00", got.UsedThisYear)
	}
	// Nothing more is due: a second top-up is the wrong state.
	a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "150.00"}).expect(t, 409, domain.CodeSettlementWrongState)
	if n := a.count(`SELECT count(*) FROM topups WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d top-ups booked, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// 3. Card declined, then cash

func TestTopup_CardDeclinedThenCash_Completes(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", nil)
	inst := a.hospital()

	// Medical 200.00: fund 50.00, the account pays the personal 150.00; the
	// non-medical 30.00 is due and the card given with the request is
	// declined.
	_, s := a.postSettlement(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_decline_x"),
		billItem("D001", "drug", "200.00"), billItem("N001", "non_medical", "30.00")))
	if s.Status != "awaiting_topup" {
		s = a.waitSettlement(inst, s.ID, "awaiting_topup")
	}
	a.eventually("a declined step", func() bool { return a.getSettlement(inst, s.ID).hasStep("topup", "declined") == 1 })
	s = a.getSettlement(inst, s.ID)
	if s.TopupDue != "30.00" || s.FundPay != "50.00" || s.FamilyAccountPay != "150.00" {
		t.Fatalf("awaiting: %s", s.amounts())
	}

	// Declined again at the counter: 422, still waiting.
	a.topup(inst, s.ID, map[string]any{"method": "bank_card", "amount": "30.00", "card_token": "tok_decline_y"}).
		expect(t, 422, domain.CodeCardDeclined)
	if got := a.getSettlement(inst, s.ID); got.Status != "awaiting_topup" || got.hasStep("topup", "declined") != 2 || got.TopupDue != "30.00" {
		t.Fatalf("after a second decline: %s %s steps %+v", got.Status, got.amounts(), got.Steps)
	}

	res := a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "30.00"})
	res.expect(t, 200, "")
	s = decodeSettlement(t, res)
	if s.Status != "completed" || s.Total != "230.00" || s.TopupPay != "30.00" || s.FamilyAccountPay != "150.00" || s.FundPay != "50.00" {
		t.Fatalf("after cash: %s %s", s.Status, s.amounts())
	}
	if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%' AND status = 'captured'`, s.ID); n != 0 {
		t.Fatalf("%d card charges captured for declined cards", n)
	}
	if got := a.balance(f.holder); got != "850.00" {
		t.Fatalf("holder balance %s, want 850.00", got)
	}
}

// ---------------------------------------------------------------------------
// 4. Top-up timeout

func TestTopup_Timeout_ReversesEverything(t *testing.T) {
	a := newSettleAPI(t, shortTopupTimeout)
	f, b := a.boundFamily("1000.00", map[string]any{"annual_limit": "50.00"})
	inst := a.hospital()

	_, s := a.postSettlement(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")))
	if s.Status == "awaiting_topup" && (s.FamilyAccountPay != "50.00" || s.TopupDue != "150.00") {
		t.Fatalf("awaiting: %s", s.amounts())
	}
	s = a.waitSettlement(inst, s.ID, "reversed")
	if s.Refusal == nil || s.Refusal.Code != string(domain.CodeTopupTimeout) {
		t.Fatalf("refusal %+v, want TOPUP_TIMEOUT", s.Refusal)
	}
	if s.FundPay != "0.00" || s.FamilyAccountPay != "0.00" || s.TopupPay != "0.00" || s.TopupDue != "0.00" {
		t.Fatalf("reversed: %s", s.amounts())
	}
	if len(s.Payers) != 1 || !s.Payers[0].Refunded || s.hasStep("shared_account", "refunded") != 1 || s.hasStep("fund", "cancelled") != 1 {
		t.Fatalf("payers %+v steps %+v", s.Payers, s.Steps)
	}
	// The account is refunded (debit and refund both shown), the usage given back.
	if got := a.balance(f.holder); got != "1000.00" {
		t.Fatalf("holder balance %s, want 1000.00", got)
	}
	entries := a.settlementEntries(s.ID)
	if len(entries) != 2 || entries[0].Amount.String() != "-50.00" || entries[1].Amount.String() != "50.00" ||
		entries[1].Kind != string(domain.EntrySettlementRefund) {
		t.Fatalf("ledger entries %+v", entries)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "0.00" {
		t.Fatalf("used_this_year %s, want 0.00", got.UsedThisYear)
	}
	// Too late for the counter.
	a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "150.00"}).expect(t, 409, domain.CodeSettlementWrongState)
	a.cancelSettlement(inst, s.ID).expect(t, 409, domain.CodeSettlementWrongState)

	// The fund's usage was given back too: the same visit again gets the
	// same fund share (the deductible applies again).
	again := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_again"), billItem("D001", "drug", "300.00")), "completed")
	if again.FundPay != "100.00" || again.FamilyAccountPay != "50.00" || again.TopupPay != "150.00" {
		t.Fatalf("the same visit again: %s", again.amounts())
	}
}

// ---------------------------------------------------------------------------
// 5. Cancel (退费)

func TestCancel_CompletedSettlement_ReversesOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", nil)
	inst := a.hospital()

	s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_cancel"),
		billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "20.00")), "completed")
	if s.FundPay != "100.00" || s.FamilyAccountPay != "200.00" || s.TopupPay != "20.00" {
		t.Fatalf("settled: %s", s.amounts())
	}
	if got := a.balance(f.holder); got != "800.00" {
		t.Fatalf("holder balance %s, want 800.00", got)
	}

	res := a.cancelSettlement(inst, s.ID)
	res.expect(t, 200, "")
	c := decodeSettlement(t, res)
	if c.Status != "cancelled" || len(c.Payers) != 1 || !c.Payers[0].Refunded {
		t.Fatalf("cancelled: %s payers %+v", c.Status, c.Payers)
	}
	if c.hasStep("topup", "refunded") != 1 || c.hasStep("shared_account", "refunded") != 1 || c.hasStep("fund", "cancelled") != 1 {
		t.Fatalf("steps %+v", c.Steps)
	}
	assertReversed := func() {
		t.Helper()
		if got := a.balance(f.holder); got != "1000.00" {
			t.Fatalf("holder balance %s, want 1000.00", got)
		}
		if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "0.00" {
			t.Fatalf("used_this_year %s, want 0.00", got.UsedThisYear)
		}
		entries := a.settlementEntries(s.ID)
		if len(entries) != 2 || entries[0].Amount.String() != "-200.00" || entries[1].Amount.String() != "200.00" {
			t.Fatalf("ledger entries %+v", entries)
		}
		if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%' AND status = 'refunded'`, s.ID); n != 1 {
			t.Fatalf("%d card charges refunded, want 1", n)
		}
		if n := a.count(`SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1 AND cancelled_at IS NOT NULL`, s.ID); n != 1 {
			t.Fatal("the fund share was not cancelled")
		}
	}
	assertReversed()
	a.eventually("the refund notification", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1 AND kind = $2`, s.ID, domain.NoticeSharedAccountRefunded) == 1
	})

	// A second cancel answers with the cancelled settlement and moves nothing.
	res = a.cancelSettlement(inst, s.ID)
	res.expect(t, 200, "")
	if again := decodeSettlement(t, res); again.Status != "cancelled" {
		t.Fatalf("second cancel: %s", again.Status)
	}
	assertReversed()
	if n := a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1 AND kind = $2`, s.ID, domain.NoticeSharedAccountRefunded); n != 1 {
		t.Fatalf("%d refund notifications, want 1", n)
	}
	// A cancelled settlement takes no top-up.
	a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "20.00"}).expect(t, 409, domain.CodeSettlementWrongState)

	// A settlement still waiting for its top-up cannot be cancelled.
	w := a.settle(inst, visit(newVisitNo(), f.beneficiary, false, cashTopup(), billItem("D002", "drug", "50.00")), "awaiting_topup")
	a.cancelSettlement(inst, w.ID).expect(t, 409, domain.CodeSettlementWrongState)
	a.do(request{method: "POST", path: "/v1/settlements/" + s.ID + "/cancel", token: inst.token, body: map[string]any{}}).
		expect(t, 400, domain.CodeInvalidRequest)
}

// ---------------------------------------------------------------------------
// 6. Two children of one holder at the same moment

func TestSettle_TwoChildrenAtOnce_NeverOverdraw(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	// Each child's personal share is 300.00 (medical 500.00: fund 200.00),
	// each binding's limit 300.00, the holder's balance only 400.00.
	f1, b1 := a.boundFamily("400.00", map[string]any{"annual_limit": "300.00"})
	f2, b2 := a.bindChild(f1, map[string]any{"annual_limit": "300.00"})
	inst := a.hospital()

	bodies := []map[string]any{
		visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "500.00")),
		visit(newVisitNo(), f2.beneficiary, true, cashTopup(), billItem("D001", "drug", "500.00")),
	}
	results := make([]response, len(bodies))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
		}()
	}
	close(start)
	wg.Wait()

	var final []settlementBody
	for i, res := range results {
		if res.status != 200 && res.status != 202 {
			t.Fatalf("POST %d: %d %s", i, res.status, res.body)
		}
		s := decodeSettlement(t, res)
		if s.Status != "completed" {
			s = a.waitSettlement(inst, s.ID, "awaiting_topup")
			res := a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": s.TopupDue, "receipt_no": fmt.Sprintf("R-%d", i)})
			res.expect(t, 200, "")
			s = decodeSettlement(t, res)
		}
		if s.Status != "completed" {
			t.Fatalf("settlement %d ended %s", i, s.Status)
		}
		final = append(final, s)
	}

	debits := domain.Zero
	topups := 0
	for _, s := range final {
		if s.FundPay != "200.00" || s.Total != "500.00" {
			t.Fatalf("amounts %s", s.amounts())
		}
		debits = debits.Add(domain.MustAmount(s.FamilyAccountPay))
		if s.TopupPay != "0.00" {
			topups++
		}
	}
	// Between them they take exactly the balance, never more.
	if debits.String() != "400.00" || topups != 1 {
		t.Fatalf("shared accounts paid %s with %d top-ups; want 400.00 and 1: %s / %s", debits, topups, final[0].amounts(), final[1].amounts())
	}
	if got := a.balance(f1.holder); got != "0.00" {
		t.Fatalf("holder balance %s, want 0.00", got)
	}
	used := domain.Zero
	for _, b := range []bindingBody{b1, b2} {
		got := a.getBinding(f1.holderToken, b.ID)
		u := domain.MustAmount(got.UsedThisYear)
		if u.GreaterThan(domain.MustAmount("300.00").Decimal) {
			t.Fatalf("binding %s used %s over its 300.00 limit", b.ID, got.UsedThisYear)
		}
		used = used.Add(u)
	}
	if used.String() != "400.00" {
		t.Fatalf("bindings used %s together, want 400.00", used)
	}
}

// ---------------------------------------------------------------------------
// 7. The same request twice

func TestSettle_SameVisitTwice_SettlesOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", nil)
	inst := a.hospital()

	// Sequential.
	body := visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_twice"), billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "5.00"))
	first := a.settle(inst, body, "completed")
	res, second := a.postSettlement(inst, body)
	if res.status != 200 || second.ID != first.ID || second.Status != "completed" || second.amounts() != first.amounts() {
		t.Fatalf("repeat: %d %s %s %s, want 200 %s", res.status, second.ID, second.Status, second.amounts(), first.ID)
	}
	if n := len(a.settlementEntries(first.ID)); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}

	// Concurrent.
	body = visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_race"), billItem("D001", "drug", "120.00"), billItem("N001", "non_medical", "5.00"))
	const n = 6
	results := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
		}()
	}
	close(start)
	wg.Wait()
	var id string
	for i, res := range results {
		if res.status != 200 && res.status != 202 {
			t.Fatalf("POST %d: %d %s", i, res.status, res.body)
		}
		s := decodeSettlement(t, res)
		if id == "" {
			id = s.ID
		}
		if s.ID != id {
			t.Fatalf("POST %d answered settlement %s, another %s", i, s.ID, id)
		}
	}
	s := a.waitSettlement(inst, id, "completed")
	if s.FundPay != "60.00" || s.FamilyAccountPay != "60.00" || s.TopupPay != "5.00" {
		t.Fatalf("amounts %s", s.amounts())
	}
	if n := a.count(`SELECT count(*) FROM settlements WHERE institution_code = $1 AND visit_no = $2`, inst.code, body["visit_no"]); n != 1 {
		t.Fatalf("%d settlements for one visit", n)
	}
	if n := len(a.settlementEntries(id)); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%'`, id); n != 1 {
		t.Fatalf("%d card charges, want 1", n)
	}
	// 300.00 (first) + 120.00 → the fund paid 100.00 then 60.00; the account 200.00 then 60.00.
	if got := a.balance(f.holder); got != "740.00" {
		t.Fatalf("holder balance %s, want 740.00", got)
	}

	// The same visit number with another body is a conflict.
	other := visit(body["visit_no"].(string), f.beneficiary, true, cardTopup("tok_visa_race"), billItem("D001", "drug", "121.00"))
	res = a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: other})
	res.expect(t, 409, domain.CodeSettlementConflict)
	if got := a.balance(f.holder); got != "740.00" {
		t.Fatalf("holder balance %s after a conflict, want 740.00", got)
	}
}

// ---------------------------------------------------------------------------
// 8. Institutions see only their own visits

func TestSettlements_InstitutionsSeeOnlyTheirOwn(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	instA, instB := a.hospital(), a.hospital()
	p1 := a.syncInsured("390", "652722", "normal", false, "", "")
	p2 := a.syncInsured("390", "652722", "normal", false, "", "")

	// Without the family account: fund, then the card for the rest.
	a1 := a.settle(instA, visit(newVisitNo(), p1, false, cardTopup("tok_a1"), billItem("D001", "drug", "150.00")), "completed")
	a2 := a.settle(instA, visit(newVisitNo(), p2, false, cardTopup("tok_a2"), billItem("D001", "drug", "150.00")), "completed")
	b1 := a.settle(instB, visit(newVisitNo(), p1, false, cardTopup("tok_b1"), billItem("D001", "drug", "150.00")), "completed")
	if a1.FundPay != "25.00" || a1.TopupPay != "125.00" || a1.FamilyAccountPay != "0.00" || len(a1.Payers) != 0 {
		t.Fatalf("without the family account: %s", a1.amounts())
	}
	// p1's second visit (at B) finds the deductible used up: 150.00 × 50%.
	if b1.FundPay != "75.00" {
		t.Fatalf("second visit: %s", b1.amounts())
	}

	a.do(request{method: "GET", path: "/v1/settlements/" + a1.ID, token: instB.token}).expect(t, 403, domain.CodeForbidden)
	a.topup(instB, a1.ID, map[string]any{"method": "cash", "amount": "1.00"}).expect(t, 403, domain.CodeForbidden)
	a.cancelSettlement(instB, a1.ID).expect(t, 403, domain.CodeForbidden)
	if got := a.getSettlement(instA, a1.ID); got.Status != "completed" {
		t.Fatalf("after another institution's cancel: %s", got.Status)
	}
	a.do(request{method: "GET", path: "/v1/settlements/00000000-0000-4000-8000-00000000dead", token: instA.token}).
		expect(t, 404, domain.CodeSettlementNotFound)

	list := func(inst institution, query string) []string {
		t.Helper()
		res := a.do(request{method: "GET", path: "/v1/settlements" + query, token: inst.token})
		res.expect(t, 200, "")
		var out struct {
			Items      []settlementBody `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		res.json(t, &out)
		var ids []string
		for _, s := range out.Items {
			if s.InstitutionCode != inst.code {
				t.Fatalf("%s sees %s's settlement %s", inst.code, s.InstitutionCode, s.ID)
			}
			ids = append(ids, s.ID)
		}
		return ids
	}
	if got := list(instA, ""); len(got) != 2 || !slices.Contains(got, a1.ID) || !slices.Contains(got, a2.ID) {
		t.Fatalf("A's list %v, want %s and %s", got, a1.ID, a2.ID)
	}
	if got := list(instB, ""); !slices.Equal(got, []string{b1.ID}) {
		t.Fatalf("B's list %v, want [%s]", got, b1.ID)
	}
	if got := list(instA, "?patient="+string(p1)); !slices.Equal(got, []string{a1.ID}) {
		t.Fatalf("A's list for p1 %v, want [%s]", got, a1.ID)
	}
	if got := list(instA, "?patient="+string(p2)+"&from="+settleDay.String()+"&to="+settleDay.String()); !slices.Equal(got, []string{a2.ID}) {
		t.Fatalf("A's list for p2 today %v, want [%s]", got, a2.ID)
	}
	if got := list(instA, "?from="+settleDay.AddDays(1).String()); len(got) != 0 {
		t.Fatalf("A's list from tomorrow %v, want none", got)
	}
	if got := list(instA, "?limit=1"); len(got) != 1 {
		t.Fatalf("A's first page %v, want one", got)
	}
	a.do(request{method: "GET", path: "/v1/settlements?patient=123", token: instA.token}).expect(t, 400, domain.CodeInvalidIDNumber)
}

// ---------------------------------------------------------------------------
// 9. Refusals change nothing

func TestSettle_Refusals_ChangeNothing(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	designated := a.hospital()
	items := []map[string]any{billItem("D001", "drug", "100.00")}

	cases := []struct {
		name string
		// setup returns the institution and the body to post.
		setup func(a *testAPI, t *testing.T) (institution, map[string]any)
		code  domain.Code
	}{
		{"non-designated institution", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			inst := a.syncInstitution(domain.InstitutionHospital, "652701", false)
			return inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeInstitutionNotDesignated},
		{"unknown institution", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			code := fmt.Sprintf("H652701%05d", 99000+nextInstitution.Add(1))
			return institution{code: code, token: a.token(domain.RoleInstitution, code)}, visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeInstitutionUnknown},
		{"pharmacy purchase at a hospital", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
			body["medical_type"] = "pharmacy"
			return designated, body
		}, domain.CodeMedicalTypeNotAtInstitution},
		{"outpatient care at a pharmacy", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			return a.syncInstitution(domain.InstitutionPharmacy, "652701", true), visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeMedicalTypeNotAtInstitution},
		{"patient suspended", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
				body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "suspended", "arrears": false}}).expect(t, 200, "")
			return designated, visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodePatientInsuranceNotNormal},
		{"patient unknown to the core system", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			return designated, visit(newVisitNo(), newID(), false, cashTopup(), items...)
		}, domain.CodePatientNotFound},
		{"out of province without a filing", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			return a.syncInstitution(domain.InstitutionHospital, "110105", true), visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"out of province with a filing to another province", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			a.putFiling(f.beneficiary, "310000", dateInYear(0, time.January, 1), dateInYear(0, time.December, 31))
			return a.syncInstitution(domain.InstitutionHospital, "110105", true), visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"out of province with a filing that has expired", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			// It ended the day before the visit.
			a.putFiling(f.beneficiary, "110000", settleDay.AddDays(-180).String(), settleDay.AddDays(-1).String())
			return a.syncInstitution(domain.InstitutionHospital, "110105", true), visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
		}, domain.CodeOutOfProvinceWithoutFiling},
		{"family account without an active binding", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			p := a.syncInsured("390", "652722", "normal", false, "", "")
			return designated, visit(newVisitNo(), p, true, cashTopup(), items...)
		}, domain.CodeNoActiveBinding},
		{"family account with a binding still under review", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			h := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
			p := a.syncInsured("390", "652722", "normal", false, "", "")
			f := family{holder: h, beneficiary: p, holderToken: a.token(domain.RoleInsured, string(h))}
			b := a.requestBinding(f, nil)
			a.upload(f.holderToken, b.ID, "birth_certificate", pdfProof).expect(t, 201, "")
			a.do(request{method: "POST", path: "/v1/bindings/" + b.ID + "/submit", token: f.holderToken}).expect(t, 200, "")
			return designated, visit(newVisitNo(), p, true, cashTopup(), items...)
		}, domain.CodeNoActiveBinding},
		{"service date in the future", func(a *testAPI, t *testing.T) (institution, map[string]any) {
			f, _ := a.boundFamily("1000.00", nil)
			body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), items...)
			body["service_date"] = settleDay.AddDays(1).String()
			return designated, body
		}, domain.CodeServiceDateInFuture},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := a.in(t)
			inst, body := c.setup(a, t)
			patient := domain.IDNumber(body["patient_id_number"].(string))
			a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body}).expect(t, 422, c.code)
			a.nothingWritten(patient, body["visit_no"].(string))
		})
	}
}

func (a *testAPI) putFiling(id domain.IDNumber, to, from, until string) {
	a.t.Helper()
	a.do(request{method: "PUT", path: "/v1/persons/" + string(id) + "/filings/BA-" + string(id[14:]), token: a.admin(),
		body: map[string]any{"admdvs_to": to, "valid_from": from, "valid_until": until}}).expect(a.t, 200, "")
}

func TestSettle_OutOfProvinceWithFiling_IsAllowed(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	beijing := a.syncInstitution(domain.InstitutionHospital, "110105", true)
	for _, to := range []string{"110000", "110105"} {
		t.Run("filing to "+to, func(t *testing.T) {
			a := a.in(t)
			f, b := a.boundFamily("1000.00", nil)
			a.putFiling(f.beneficiary, to, dateInYear(0, time.January, 1), dateInYear(0, time.December, 31))
			s := a.settle(beijing, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
			if s.FundPay != "100.00" || s.FamilyAccountPay != "200.00" || len(s.Payers) != 1 || s.Payers[0].BindingID != b.ID {
				t.Fatalf("settled %s payers %+v", s.amounts(), s.Payers)
			}
		})
	}
}

func TestSettle_BadInput_Is400AndChangesNothing(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	f, _ := a.boundFamily("1000.00", nil)
	cases := []struct {
		name   string
		change func(body map[string]any)
		code   domain.Code
	}{
		{"float amount", func(b map[string]any) {
			b["items"] = []any{map[string]any{"code": "D1", "name": "药", "category": "drug", "amount": 12.5}}
		}, domain.CodeInvalidAmount},
		{"three decimals", func(b map[string]any) { b["items"] = []any{billItem("D1", "drug", "12.345")} }, domain.CodeInvalidAmount},
		{"negative amount", func(b map[string]any) { b["items"] = []any{billItem("D1", "drug", "-12.00")} }, domain.CodeInvalidAmount},
		{"zero amount", func(b map[string]any) { b["items"] = []any{billItem("D1", "drug", "0.00")} }, domain.CodeInvalidAmount},
		{"NaN amount", func(b map[string]any) { b["items"] = []any{billItem("D1", "drug", "NaN")} }, domain.CodeInvalidAmount},
		{"unknown category", func(b map[string]any) { b["items"] = []any{billItem("D1", "cash_withdrawal", "12.00")} }, domain.CodeInvalidEnumValue},
		{"empty items", func(b map[string]any) { b["items"] = []any{} }, domain.CodeInvalidRequest},
		{"missing items", func(b map[string]any) { delete(b, "items") }, domain.CodeInvalidRequest},
		{"item without a name", func(b map[string]any) {
			b["items"] = []any{map[string]any{"code": "D1", "category": "drug", "amount": "1.00"}}
		}, domain.CodeInvalidRequest},
		{"missing topup", func(b map[string]any) { delete(b, "topup") }, domain.CodeInvalidRequest},
		{"topup without a method", func(b map[string]any) { b["topup"] = map[string]any{} }, domain.CodeInvalidRequest},
		{"unknown topup method", func(b map[string]any) { b["topup"] = map[string]any{"method": "alipay"} }, domain.CodeInvalidEnumValue},
		{"bad visit_no", func(b map[string]any) { b["visit_no"] = "V 1/2" }, domain.CodeInvalidRequest},
		{"empty visit_no", func(b map[string]any) { b["visit_no"] = "" }, domain.CodeInvalidRequest},
		{"missing use_family_account", func(b map[string]any) { delete(b, "use_family_account") }, domain.CodeInvalidRequest},
		{"unknown medical_type", func(b map[string]any) { b["medical_type"] = "dental" }, domain.CodeInvalidEnumValue},
		{"unknown cert_type", func(b map[string]any) { b["cert_type"] = "passport" }, domain.CodeInvalidEnumValue},
		{"bad patient id", func(b map[string]any) { b["patient_id_number"] = "12345" }, domain.CodeInvalidIDNumber},
		{"bad service_date", func(b map[string]any) { b["service_date"] = "2026-02-30" }, domain.CodeInvalidDate},
		{"unknown field", func(b map[string]any) { b["discount"] = "1.00" }, domain.CodeInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := a.in(t)
			body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "100.00"))
			c.change(body)
			res := a.do(request{method: "POST", path: "/v1/settlements", token: inst.token, body: body})
			if res.status != 400 || (c.code != "" && res.errorCode() != c.code) {
				t.Fatalf("got %d %s, want 400 %s", res.status, res.body, c.code)
			}
		})
	}
	a.nothingWritten(f.beneficiary, "")
}

// ---------------------------------------------------------------------------
// 10. A holder who cannot pay is skipped

func TestSettle_HolderFrozenOrInArrears_IsSkipped(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	for _, c := range []struct {
		name   string
		path   string
		body   map[string]any
		reason domain.Code
	}{
		{"account frozen", "/account", map[string]any{"balance": "1000.00", "status": "frozen"}, domain.CodeHolderAccountFrozen},
		{"in arrears", "/enrolment", map[string]any{"insutype": "310", "admdvs": "652701", "status": "normal", "arrears": true}, domain.CodeHolderInArrears},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.in(t)
			f, b := a.boundFamily("1000.00", nil)
			a.do(request{method: "PUT", path: "/v1/persons/" + string(f.holder) + c.path, token: a.admin(), body: c.body}).expect(t, 200, "")

			s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "awaiting_topup")
			if s.FundPay != "100.00" || s.FamilyAccountPay != "0.00" || s.TopupDue != "200.00" {
				t.Fatalf("awaiting: %s", s.amounts())
			}
			res := a.topup(inst, s.ID, map[string]any{"method": "cash", "amount": "200.00"})
			res.expect(t, 200, "")
			s = decodeSettlement(t, res)
			if s.Status != "completed" || s.FamilyAccountPay != "0.00" || s.TopupPay != "200.00" || len(s.Payers) != 0 {
				t.Fatalf("completed: %s %s payers %+v", s.Status, s.amounts(), s.Payers)
			}
			skipped := false
			for _, st := range s.Steps {
				if st.Outcome == "skipped" && strings.Contains(st.Detail, b.ID) && strings.Contains(st.Detail, string(c.reason)) {
					skipped = true
				}
			}
			if !skipped {
				t.Fatalf("no skipped step for %s: %+v", b.ID, s.Steps)
			}
			if got := a.balance(f.holder); got != "1000.00" {
				t.Fatalf("holder balance %s, want 1000.00", got)
			}
			if got := a.getBinding(f.holderToken, b.ID); got.Status != "active" || got.UsedThisYear != "0.00" {
				t.Fatalf("binding %s used %s", got.Status, got.UsedThisYear)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// 11. Priority between holders

func TestSettle_TwoHolders_PayInThePatientsPriorityOrder(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	// Father (bound first, 1000.00) and mother (bound second, 50.00). The
	// API's clock is fixed: the father asks a minute before it, so that his
	// binding is the older one. Before, not after: a minute on from
	// 23:59:30 the mother's binding would start after the visit's day.
	earlier := newTestAPIWith(t, func(d *Deps) { d.Now = func() time.Time { return testNow.Add(-time.Minute) } })
	f1, b1 := earlier.boundFamily("1000.00", nil)
	mother := a.syncInsured("310", "652701", "normal", false, "50.00", "normal")
	f2 := family{holder: mother, beneficiary: f1.beneficiary, holderToken: a.token(domain.RoleInsured, string(mother)),
		beneficiaryToken: f1.beneficiaryToken}
	b2 := a.activeBinding(f2, nil)

	// Without an order the older binding pays first. Medical 120.00: fund
	// 10.00 after the deductible, personal 110.00.
	s := a.settle(inst, visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "120.00")), "completed")
	if len(s.Payers) != 1 || s.Payers[0].BindingID != b1.ID || s.FamilyAccountPay != "110.00" {
		t.Fatalf("default order: payers %+v %s", s.Payers, s.amounts())
	}

	// The child puts the mother's binding first.
	for i, id := range []string{b2.ID, b1.ID} {
		if _, err := a.store.DB().ExecContext(context.Background(),
			`INSERT INTO beneficiary_priorities (binding_id, beneficiary_id_number, position) VALUES ($1, $2, $3)`, id, f1.beneficiary, i); err != nil {
			t.Fatal(err)
		}
	}
	// Deductible used: 300.00 → fund 150.00, personal 150.00: mother 50.00, father 100.00.
	s = a.settle(inst, visit(newVisitNo(), f1.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "completed")
	if len(s.Payers) != 2 || s.Payers[0].BindingID != b2.ID || s.Payers[0].HolderIDNumber != string(mother) || s.Payers[0].Amount != "50.00" ||
		s.Payers[1].BindingID != b1.ID || s.Payers[1].HolderIDNumber != string(f1.holder) || s.Payers[1].Amount != "100.00" {
		t.Fatalf("payers %+v", s.Payers)
	}
	if s.FundPay != "150.00" || s.FamilyAccountPay != "150.00" || s.TopupPay != "0.00" {
		t.Fatalf("amounts %s", s.amounts())
	}
	if got := a.balance(mother); got != "0.00" {
		t.Fatalf("mother's balance %s, want 0.00", got)
	}
	if got := a.balance(f1.holder); got != "790.00" {
		t.Fatalf("father's balance %s, want 790.00", got)
	}
	// Each holder is told about their own part.
	a.eventually("both holders told", func() bool {
		return a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1 AND kind = $2`, s.ID, domain.NoticeSharedAccountDebited) == 2
	})
	if n := a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1 AND recipient_id_number = $2 AND amount = 50.00`, s.ID, mother); n != 1 {
		t.Fatalf("mother's notifications %d, want 1", n)
	}
}

// ---------------------------------------------------------------------------
// Top-ups racing each other, and transient failures of the adapters

func TestTopup_ConcurrentCashTopups_CollectOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", map[string]any{"annual_limit": "20.00"})
	inst := a.hospital()
	s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")), "awaiting_topup")
	if s.TopupDue != "180.00" {
		t.Fatalf("awaiting: %s", s.amounts())
	}

	const n = 4
	results := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = a.do(request{method: "POST", path: "/v1/settlements/" + s.ID + "/topup", token: inst.token,
				body: map[string]any{"method": "cash", "amount": "180.00", "receipt_no": fmt.Sprintf("R-%d", i)}})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, res := range results {
		switch {
		case res.status == 200:
			ok++
			if got := decodeSettlement(t, res); got.Status != "completed" || got.TopupPay != "180.00" {
				t.Fatalf("top-up %d: %s %s", i, got.Status, got.amounts())
			}
		case res.status == 409 && res.errorCode() == domain.CodeSettlementWrongState:
		default:
			t.Fatalf("top-up %d: %d %s", i, res.status, res.body)
		}
	}
	if ok != 1 {
		t.Fatalf("%d top-ups accepted, want 1", ok)
	}
	if n := a.count(`SELECT count(*) FROM topups WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d top-ups booked, want 1", n)
	}
	if got := a.getSettlement(inst, s.ID); got.Status != "completed" || got.hasStep("topup", "collected") != 1 {
		t.Fatalf("settlement %s steps %+v", got.Status, got.Steps)
	}
}

func TestSettle_TransientAdapterFailures_SettleAndCancelExactlyOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	t.Cleanup(testFaults.Clear)
	f, b := a.boundFamily("1000.00", nil)
	inst := a.hospital()

	// The fund engine fails twice; the activity is retried and books once.
	testFaults.Fail(external.OpFundSettle, 2)
	s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_faults"),
		billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "10.00")), "completed")
	if s.FundPay != "100.00" || s.FamilyAccountPay != "200.00" || s.TopupPay != "10.00" {
		t.Fatalf("settled: %s", s.amounts())
	}
	if n := a.count(`SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d fund bookings, want 1", n)
	}
	if n := len(a.settlementEntries(s.ID)); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}

	// The card gateway does not answer twice: the charge is reversed and the
	// counter takes the top-up again.
	testFaults.Fail(external.OpCardCharge, 2)
	w := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_flaky"),
		billItem("D001", "drug", "40.00"), billItem("N001", "non_medical", "12.00")), "awaiting_topup")
	if w.TopupDue != "12.00" {
		t.Fatalf("awaiting: %s", w.amounts())
	}
	res := a.topup(inst, w.ID, map[string]any{"method": "bank_card", "amount": "12.00", "card_token": "tok_visa_flaky"})
	res.expect(t, 200, "")
	if got := decodeSettlement(t, res); got.Status != "completed" || got.TopupPay != "12.00" {
		t.Fatalf("after the card: %s %s", got.Status, got.amounts())
	}
	if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%' AND status = 'captured'`, w.ID); n != 1 {
		t.Fatalf("%d captured charges, want 1", n)
	}

	// The cancellation meets failing refunds and fund cancels; it retries
	// until everything is back, once.
	testFaults.Fail(external.OpCardRefund, 1)
	testFaults.Fail(external.OpFundCancel, 2)
	res = a.cancelSettlement(inst, s.ID)
	if res.status != 200 && res.status != 202 {
		t.Fatalf("cancel: %d %s", res.status, res.body)
	}
	a.waitSettlement(inst, s.ID, "cancelled")
	// Only the second visit's share stays taken: medical 40.00, fund 20.00.
	if got := a.balance(f.holder); got != "980.00" {
		t.Fatalf("holder balance %s, want 980.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "20.00" {
		t.Fatalf("used_this_year %s, want 20.00", got.UsedThisYear)
	}
	if n := len(a.settlementEntries(s.ID)); n != 2 {
		t.Fatalf("%d ledger entries, want the debit and one refund", n)
	}
}

func TestSettle_RetryAfterTheRulesChanged_AnswersTheExistingSettlement(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", nil)
	inst := a.hospital()
	body := visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00"))
	first := a.settle(inst, body, "completed")

	// The cashier's retry arrives after the patient's cover was suspended:
	// the visit was settled, and the retry must say so, not refuse it.
	a.do(request{method: "PUT", path: "/v1/persons/" + string(f.beneficiary) + "/enrolment", token: a.admin(),
		body: map[string]any{"insutype": "390", "admdvs": "652722", "status": "suspended", "arrears": false}}).expect(t, 200, "")
	res, again := a.postSettlement(inst, body)
	if res.status != 200 || again.ID != first.ID || again.Status != "completed" {
		t.Fatalf("retry: %d %s %s, want 200 %s completed", res.status, again.ID, again.Status, first.ID)
	}
	// A new visit is refused as before.
	a.do(request{method: "POST", path: "/v1/settlements", token: inst.token,
		body: visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00"))}).
		expect(t, 422, domain.CodePatientInsuranceNotNormal)
	if n := len(a.settlementEntries(first.ID)); n != 1 {
		t.Fatalf("%d ledger entries, want 1", n)
	}
}
