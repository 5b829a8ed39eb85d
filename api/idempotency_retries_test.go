package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gongji/domain"
)

// A client that retries a money-moving POST — at once from many threads,
// then again and again — moves the money once (DESIGN.md invariant 3).
// Each test fires one Idempotency-Key from retryStorm goroutines at once,
// repeats it retryRepeats times, sends the key with another body, and
// counts what was written; newSettleAPI and newPremiumAPI end each with
// the invariant checkers.

const (
	retryStorm   = 16
	retryRepeats = 5
)

// fireAtOnce sends the requests at the same moment and returns their
// answers in order.
func (a *testAPI) fireAtOnce(reqs []request) []response {
	a.t.Helper()
	out := make([]response, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			out[i] = a.do(req)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// retryCopies is n copies of req.
func retryCopies(n int, req request) []request {
	out := make([]request, n)
	for i := range out {
		out[i] = req
	}
	return out
}

// retryWithKey is req with an Idempotency-Key.
func retryWithKey(req request, key string) request {
	req.headers = map[string]string{idempotencyHeader: key}
	return req
}

// keyedAnswers checks the answers to one Idempotency-Key sent at once:
// exactly one ran (not replayed, not 409) and answered one of the ok
// statuses; each other is that answer replayed byte for byte or 409
// IDEMPOTENCY_IN_PROGRESS. It returns the answer that ran.
func keyedAnswers(t *testing.T, answers []response, ok ...int) response {
	t.Helper()
	var ran, replays []response
	for i, res := range answers {
		switch {
		case res.header.Get("Idempotent-Replayed") != "":
			replays = append(replays, res)
		case res.status == 409:
			if res.errorCode() != domain.CodeIdempotencyInProgress {
				t.Fatalf("answer %d: %d %s, want 409 %s", i, res.status, res.body, domain.CodeIdempotencyInProgress)
			}
		default:
			ran = append(ran, res)
		}
	}
	if len(ran) != 1 {
		t.Fatalf("%d requests ran, want 1: %v", len(ran), answerStatuses(answers))
	}
	if !slices.Contains(ok, ran[0].status) {
		t.Fatalf("the request that ran answered %d %s, want one of %v", ran[0].status, ran[0].body, ok)
	}
	for _, res := range replays {
		expectReplay(t, res, ran[0])
	}
	return ran[0]
}

// expectReplay fails unless res is first replayed: the same status, bytes
// and replayedHeaders, marked Idempotent-Replayed.
func expectReplay(t *testing.T, res, first response) {
	t.Helper()
	if res.header.Get("Idempotent-Replayed") != "true" || res.status != first.status || !bytes.Equal(res.body, first.body) {
		t.Fatalf("not a replay of %d %s: %d %s (Idempotent-Replayed %q)", first.status, first.body, res.status, res.body,
			res.header.Get("Idempotent-Replayed"))
	}
	for _, name := range replayedHeaders {
		if got, want := res.header.Values(name), first.header.Values(name); !slices.Equal(got, want) {
			t.Fatalf("replay of %d %s has %s %q, want %q", first.status, first.body, name, got, want)
		}
	}
}

// repeatKeyed sends req one after another and expects first replayed each
// time.
func (a *testAPI) repeatKeyed(req request, first response) {
	a.t.Helper()
	for range retryRepeats {
		expectReplay(a.t, a.do(req), first)
	}
}

func answerStatuses(rs []response) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.status
	}
	return out
}

// debitsPerBinding counts a settlement's ledger debits by paying binding.
func (a *testAPI) debitsPerBinding(settlementID string) map[string]string {
	a.t.Helper()
	var rows []struct {
		BindingID string `db:"binding_id"`
		N         int    `db:"n"`
		Sum       string `db:"sum"`
	}
	if err := a.store.DB().SelectContext(context.Background(), &rows, `SELECT binding_id, count(*) AS n, sum(amount)::text AS sum
		FROM ledger_entries WHERE settlement_id = $1 AND amount < 0 GROUP BY binding_id`, settlementID); err != nil {
		a.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.BindingID] = fmt.Sprintf("%d× %s", r.N, r.Sum)
	}
	return out
}

func TestIdempotencyRetries_Settlement_OneKeyAtOnceAndRepeated_SettlesOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	inst := a.hospital()
	// Two payers: the father's binding is capped at 50.00 and pays first,
	// the mother's pays the rest of the personal share.
	father, fathers := a.boundFamily("1000.00", map[string]any{"annual_limit": "50.00"})
	mother := a.syncInsured("310", "652701", "normal", false, "1000.00", "normal")
	mothers := a.activeBinding(family{holder: mother, beneficiary: father.beneficiary, holderToken: a.token(domain.RoleInsured, string(mother))}, nil)
	a.mePutPriority(father.beneficiaryToken, map[string]any{"binding_ids": []string{fathers.ID, mothers.ID}}).expect(t, 200, "")

	// Medical 300.00: fund 100.00, shared accounts 50.00 + 150.00; the
	// non-medical 10.00 on the card.
	body := visit(newVisitNo(), father.beneficiary, true, cardTopup("tok_visa_retries"),
		billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "10.00"))
	post := request{method: "POST", path: "/v1/settlements", token: inst.token, body: body}
	keyed := retryWithKey(post, "settle-"+body["visit_no"].(string))
	// The same visit also arrives without a key and under other keys (a
	// cashier's other retries): the visit number keeps it one settlement.
	others := []request{post, post, retryWithKey(post, "settle-other-1"), retryWithKey(post, "settle-other-2")}
	answers := a.fireAtOnce(append(retryCopies(retryStorm, keyed), others...))

	first := keyedAnswers(t, answers[:retryStorm], 200, 202)
	s := decodeSettlement(t, first)
	for i, res := range answers[retryStorm:] {
		if res.status != 200 && res.status != 202 {
			t.Fatalf("unkeyed or other-keyed POST %d: %d %s", i, res.status, res.body)
		}
		if got := decodeSettlement(t, res); got.ID != s.ID {
			t.Fatalf("unkeyed or other-keyed POST %d answered settlement %s, want %s", i, got.ID, s.ID)
		}
	}
	a.repeatKeyed(keyed, first)
	other := visit(body["visit_no"].(string), father.beneficiary, true, cardTopup("tok_visa_retries"), billItem("D001", "drug", "301.00"))
	a.do(retryWithKey(request{method: "POST", path: "/v1/settlements", token: inst.token, body: other}, keyed.headers[idempotencyHeader])).
		expect(t, 409, domain.CodeIdempotencyKeyReused)

	s = a.waitSettlement(inst, s.ID, "completed")
	if s.FundPay != "100.00" || s.FamilyAccountPay != "200.00" || s.TopupPay != "10.00" {
		t.Fatalf("settled: %s", s.amounts())
	}
	if n := a.count(`SELECT count(*) FROM settlements WHERE institution_code = $1 AND visit_no = $2`, inst.code, body["visit_no"]); n != 1 {
		t.Fatalf("%d settlements for one visit", n)
	}
	if n := a.count(`SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d fund bookings, want 1", n)
	}
	if got, want := a.debitsPerBinding(s.ID), map[string]string{fathers.ID: "1× -50.00", mothers.ID: "1× -150.00"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("debits per binding %v, want %v", got, want)
	}
	if n := a.count(`SELECT count(*) FROM topups WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d top-ups booked, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%'`, s.ID); n != 1 {
		t.Fatalf("%d card charges, want 1", n)
	}
	if f, m := a.balance(father.holder), a.balance(mother); f != "950.00" || m != "850.00" {
		t.Fatalf("balances %s and %s, want 950.00 and 850.00", f, m)
	}
}

func TestIdempotencyRetries_Topup_OneKeyAtOnceAndRepeated_CollectsOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, _ := a.boundFamily("1000.00", map[string]any{"annual_limit": "20.00"})
	inst := a.hospital()
	s := a.awaitingTopup(inst, visit(newVisitNo(), f.beneficiary, true, cashTopup(), billItem("D001", "drug", "300.00")))
	if s.TopupDue != "180.00" {
		t.Fatalf("awaiting: %s", s.amounts())
	}

	topup := retryWithKey(request{method: "POST", path: "/v1/settlements/" + s.ID + "/topup", token: inst.token,
		body: map[string]any{"method": "cash", "amount": "180.00", "receipt_no": "R-RETRY-1"}}, "topup-"+s.ID)
	first := keyedAnswers(t, a.fireAtOnce(retryCopies(retryStorm, topup)), 200)
	if got := decodeSettlement(t, first); got.ID != s.ID || got.Status != "completed" || got.TopupPay != "180.00" {
		t.Fatalf("top-up answered %s %s %s", got.ID, got.Status, got.amounts())
	}
	a.repeatKeyed(topup, first)
	again := topup
	again.body = map[string]any{"method": "cash", "amount": "180.00", "receipt_no": "R-RETRY-2"}
	a.do(again).expect(t, 409, domain.CodeIdempotencyKeyReused)

	if n := a.count(`SELECT count(*) FROM topups WHERE settlement_id = $1`, s.ID); n != 1 {
		t.Fatalf("%d top-ups booked, want 1", n)
	}
	if got := a.getSettlement(inst, s.ID); got.Status != "completed" || got.hasStep("topup", "collected") != 1 {
		t.Fatalf("settlement %s steps %+v", got.Status, got.Steps)
	}
	if n := len(a.settlementEntries(s.ID)); n != 1 {
		t.Fatalf("%d ledger entries, want the one debit", n)
	}
}

func TestIdempotencyRetries_Cancel_OneKeyAtOnceAndRepeated_RefundsOnce(t *testing.T) {
	a := newSettleAPI(t, settleTopupTimeout)
	f, b := a.boundFamily("1000.00", nil)
	inst := a.hospital()
	s := a.settle(inst, visit(newVisitNo(), f.beneficiary, true, cardTopup("tok_visa_cancel_retries"),
		billItem("D001", "drug", "300.00"), billItem("N001", "non_medical", "20.00")), "completed")

	cancel := request{method: "POST", path: "/v1/settlements/" + s.ID + "/cancel", token: inst.token,
		body: map[string]any{"reason": "患者退费"}}
	keyed := retryWithKey(cancel, "cancel-"+s.ID)
	answers := a.fireAtOnce(append(retryCopies(retryStorm, keyed), cancel, cancel))
	first := keyedAnswers(t, answers[:retryStorm], 200, 202)
	for i, res := range answers[retryStorm:] {
		if res.status != 200 && res.status != 202 {
			t.Fatalf("unkeyed cancel %d: %d %s", i, res.status, res.body)
		}
		if got := decodeSettlement(t, res); got.ID != s.ID {
			t.Fatalf("unkeyed cancel %d answered settlement %s, want %s", i, got.ID, s.ID)
		}
	}
	a.repeatKeyed(keyed, first)
	again := keyed
	again.body = map[string]any{"reason": "重复收费"}
	a.do(again).expect(t, 409, domain.CodeIdempotencyKeyReused)

	c := a.waitSettlement(inst, s.ID, "cancelled")
	if len(c.Payers) != 1 || !c.Payers[0].Refunded || c.hasStep("shared_account", "refunded") != 1 ||
		c.hasStep("topup", "refunded") != 1 || c.hasStep("fund", "cancelled") != 1 {
		t.Fatalf("cancelled: payers %+v steps %+v", c.Payers, c.Steps)
	}
	entries := a.settlementEntries(s.ID)
	if len(entries) != 2 || entries[0].Amount.String() != "-200.00" || entries[1].Amount.String() != "200.00" {
		t.Fatalf("ledger entries %+v, want one debit and one refund", entries)
	}
	if n := a.count(`SELECT count(*) FROM sim.card_charges WHERE charge_key LIKE $1 || ':%' AND status = 'refunded'`, s.ID); n != 1 {
		t.Fatalf("%d card charges refunded, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM sim.fund_settlements WHERE settlement_id = $1 AND cancelled_at IS NOT NULL`, s.ID); n != 1 {
		t.Fatalf("%d fund bookings cancelled, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM notifications WHERE settlement_id = $1 AND kind = $2`, s.ID, domain.NoticeSharedAccountRefunded); n != 1 {
		t.Fatalf("%d refund notices, want 1", n)
	}
	if got := a.balance(f.holder); got != "1000.00" {
		t.Fatalf("holder balance %s, want 1000.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "0.00" {
		t.Fatalf("used_this_year %s, want 0.00", got.UsedThisYear)
	}
}

func TestIdempotencyRetries_PremiumPayment_OneKeyAtOnceAndRepeated_DebitsOnce(t *testing.T) {
	a := newPremiumAPI(t)
	f, b := a.boundFamily("1000.00", nil)
	pay := retryWithKey(request{method: "POST", path: "/v1/premium-payments", token: f.holderToken,
		body: premiumBody(f.beneficiary, premiumYear, "400.00")}, "premium-"+string(f.beneficiary))

	first := keyedAnswers(t, a.fireAtOnce(retryCopies(retryStorm, pay)), 201, 202)
	var p premiumPaymentBody
	first.json(t, &p)
	a.repeatKeyed(pay, first)
	again := pay
	again.body = premiumBody(f.beneficiary, thisPremiumYear, "400.00")
	a.do(again).expect(t, 409, domain.CodeIdempotencyKeyReused)
	// A retry under a new key is the same payment again: refused.
	a.do(retryWithKey(pay, "premium-new-"+string(f.beneficiary))).expect(t, 409, domain.CodePremiumAlreadyPaid)

	a.waitPremium(f.holderToken, p.ID, "completed")
	if n := a.count(`SELECT count(*) FROM premium_payments WHERE beneficiary_id_number = $1`, f.beneficiary); n != 1 {
		t.Fatalf("%d payments, want 1", n)
	}
	if got := kinds(a.premiumEntries(p.ID)); got != "premium_debit -400.00" {
		t.Fatalf("ledger entries %q, want one debit of 400.00", got)
	}
	if n := a.count(`SELECT count(*) FROM sim.premium_postings WHERE payment_id = $1`, p.ID); n != 1 {
		t.Fatalf("%d postings with the collection system, want 1", n)
	}
	if got := a.balance(f.holder); got != "600.00" {
		t.Fatalf("balance %s, want 600.00", got)
	}
	if got := a.getBinding(f.holderToken, b.ID); got.UsedThisYear != "400.00" {
		t.Fatalf("used_this_year %s, want 400.00", got.UsedThisYear)
	}
}
