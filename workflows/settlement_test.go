package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// The settlement starts at s0 (09:30 Beijing time on the run's day, see
// testDay) for a visit that day. s0 must not lie a year or more before the
// wall clock: the SDK's test environment bounds a retried local activity's
// attempt by its schedule-to-close deadline (a year, see withLocalOptions)
// counted on the workflow clock but checked against the wall clock, so
// every retry would time out at once.
var s0 = onTestDay(9, 30)

const (
	sid          = "7d1c5a4e-0b7f-4a57-9c1e-2f9a3d5b6c01"
	institution  = domain.InstitutionCode("H65270100017")
	patient      = domain.IDNumber("652701201503120021")
	topupTimeout = 15 * time.Minute
	failedMark   = " (failed)"
)

var (
	holder1 = domain.IDNumber("652701198001010011")
	holder2 = domain.IDNumber("652701198202020022")
	holder3 = domain.IDNumber("652701195003030033")
	// threePayers are the patient's live bindings in priority order.
	threePayers = []domain.Payer{{BindingID: "b1", Holder: holder1}, {BindingID: "b2", Holder: holder2}, {BindingID: "b3", Holder: holder3}}
	// errTransient is what a database or gateway that is briefly away
	// returns: Temporal retries it.
	errTransient = errors.New("connection reset by peer")
)

func amt(s string) domain.Amount { return domain.MustAmount(s) }

// refusal is a business refusal from an activity: non-retryable, its type
// the stable code.
func refusal(code domain.Code) error {
	return temporal.NewNonRetryableApplicationError("refused: "+string(code), string(code), nil)
}

// chargeKey is the idempotency key of the n-th card charge.
func chargeKey(n int) string { return fmt.Sprintf("%s:charge:%d", sid, n) }

// sagaHarness runs a Settlement or SettlementCancel in the SDK's test
// environment with every settlement activity mocked and recorded.
type sagaHarness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// log is every activity attempt in order, e.g. "DebitSharedAccount b1";
	// an attempt that returned an error ends in " (failed)".
	log      []string
	attempts map[string]int
	// fail decides, by log entry and attempt number (from 1), whether an
	// attempt fails.
	fail map[string]func(attempt int) error

	// What the successful attempts were given.
	claims   []domain.FundClaim
	queries  []domain.PayersQuery
	debits   []domain.SharedAccountDebit
	dues     []domain.TopupDue
	charges  []domain.CardCharge
	reversed []string
	topups   []domain.TopupRecord
	outcomes []domain.SettlementOutcome
	refs     map[string][]domain.SettlementStep
	cancels  []domain.CancelRecord

	// The world the mocks answer from.
	fundPay  domain.Amount
	payers   []domain.Payer
	balances map[string]domain.Amount
	// bookedTopup is a top-up an earlier run of the saga booked (AwaitTopup
	// answers it); zero for none.
	bookedTopup domain.Amount

	nextUpdate     int
	scheduled, ran int
}

func newSagaHarness(t *testing.T) *sagaHarness {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	h := &sagaHarness{
		t: t, env: ts.NewTestWorkflowEnvironment(),
		attempts: map[string]int{}, fail: map[string]func(int) error{}, refs: map[string][]domain.SettlementStep{},
		fundPay: domain.Zero, balances: map[string]domain.Amount{}, bookedTopup: domain.Zero,
	}
	env := h.env
	env.SetStartTime(s0)
	env.RegisterWorkflow(Settlement)
	env.RegisterWorkflow(SettlementCancel)
	stub(env, ActivitySettleFund,
		func(_ context.Context, c domain.FundClaim) (domain.Amount, error) {
			return h.fundPay, h.call("SettleFund", func() { h.claims = append(h.claims, c) })
		})
	stub(env, ActivityCancelFund,
		func(_ context.Context, r domain.SettlementStep) error {
			return h.call("CancelFund", func() { h.refs["CancelFund"] = append(h.refs["CancelFund"], r) })
		})
	stub(env, ActivityFindPayers,
		func(_ context.Context, q domain.PayersQuery) ([]domain.Payer, error) {
			return h.payers, h.call("FindPayers", func() { h.queries = append(h.queries, q) })
		})
	stub(env, ActivityDebitSharedAccount,
		func(_ context.Context, d domain.SharedAccountDebit) (domain.Amount, error) {
			// Like the store: min(owed, what the binding can give).
			var taken domain.Amount
			err := h.call("DebitSharedAccount "+d.BindingID, func() {
				taken = d.Owed.Min(h.balances[d.BindingID])
				h.balances[d.BindingID] = h.balances[d.BindingID].Sub(taken)
				h.debits = append(h.debits, d)
			})
			return taken, err
		})
	stub(env, ActivityRefundSharedAccount,
		func(_ context.Context, r domain.SettlementStep) error {
			return h.call("RefundSharedAccount "+r.BindingID, func() {
				h.refs["RefundSharedAccount"] = append(h.refs["RefundSharedAccount"], r)
			})
		})
	stub(env, ActivityAwaitTopup,
		func(_ context.Context, d domain.TopupDue) (domain.Amount, error) {
			return h.bookedTopup, h.call("AwaitTopup "+d.Amount.String(), func() { h.dues = append(h.dues, d) })
		})
	stub(env, ActivityChargeCard,
		func(_ context.Context, c domain.CardCharge) error {
			return h.call("ChargeCard "+c.Key, func() { h.charges = append(h.charges, c) })
		})
	stub(env, ActivityReverseCharge,
		func(_ context.Context, key string) error {
			return h.call("ReverseCharge "+key, func() { h.reversed = append(h.reversed, key) })
		})
	stub(env, ActivityRecordTopup,
		func(_ context.Context, r domain.TopupRecord) error {
			return h.call("RecordTopup "+string(r.Topup.Method), func() { h.topups = append(h.topups, r) })
		})
	stub(env, ActivityRefundTopup,
		func(_ context.Context, r domain.SettlementStep) error {
			return h.call("RefundTopup", func() { h.refs["RefundTopup"] = append(h.refs["RefundTopup"], r) })
		})
	stub(env, ActivityFinishSettlement,
		func(_ context.Context, o domain.SettlementOutcome) error {
			entry := "FinishSettlement " + string(o.Status)
			if o.RefusalCode != "" {
				entry += " " + o.RefusalCode
			}
			return h.call(entry, func() { h.outcomes = append(h.outcomes, o) })
		})
	stub(env, ActivityMarkCancelled,
		func(_ context.Context, c domain.CancelRecord) error {
			return h.call("MarkCancelled", func() { h.cancels = append(h.cancels, c) })
		})
	return h
}

// call logs one attempt of step; if it does not fail, record runs (under
// the lock) to keep what the activity was given.
func (h *sagaHarness) call(step string, record func()) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts[step]++
	if f := h.fail[step]; f != nil {
		if err := f(h.attempts[step]); err != nil {
			h.log = append(h.log, step+failedMark)
			return err
		}
	}
	h.log = append(h.log, step)
	record()
	return nil
}

// failOn makes the attempts of step fail as f says.
func (h *sagaHarness) failOn(step string, f func(attempt int) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail[step] = f
}

// always fails every attempt with err.
func always(err error) func(int) error { return func(int) error { return err } }

// firstN fails the first n attempts with err.
func firstN(n int, err error) func(int) error {
	return func(attempt int) error {
		if attempt <= n {
			return err
		}
		return nil
	}
}

// withPayers makes FindPayers answer ps, each able to give the amount in
// balances (by binding id).
func (h *sagaHarness) withPayers(ps []domain.Payer, balances ...string) {
	h.payers = ps
	for i, b := range balances {
		h.balances[ps[i].BindingID] = amt(b)
	}
}

// bill is a settlement of the given medical and non-medical parts.
func bill(medical, nonMedical string, useFamilyAccount bool) SettlementInput {
	m, n := amt(medical), amt(nonMedical)
	return SettlementInput{
		SettlementID: sid, Institution: institution, Patient: patient, Insutype: domain.InsutypeEmployee,
		MedicalType: domain.MedicalOutpatient, ServiceDate: domain.DateOf(s0),
		Total: m.Add(n), Medical: m, NonMedical: n, UseFamilyAccount: useFamilyAccount,
		TopupMethod: domain.TopupCash, TopupTimeout: topupTimeout,
	}
}

func withCard(in SettlementInput, token string) SettlementInput {
	in.TopupMethod, in.CardToken = domain.TopupBankCard, token
	return in
}

// at runs f when the workflow clock reaches s0+d.
func (h *sagaHarness) at(d time.Duration, f func()) {
	h.scheduled++
	h.env.RegisterDelayedCallback(func() { h.ran++; f() }, d)
}

func (h *sagaHarness) settle(in SettlementInput) {
	h.t.Helper()
	h.env.ExecuteWorkflow(Settlement, in)
	require.True(h.t, h.env.IsWorkflowCompleted(), "the workflow did not finish")
	require.Equal(h.t, h.scheduled, h.ran, "the workflow ended before every scripted step ran")
	require.NoError(h.t, h.env.GetWorkflowError())
}

func (h *sagaHarness) topup(req TopupRequest) *updateOutcome {
	h.nextUpdate++
	u := &updateOutcome{}
	h.env.UpdateWorkflow(UpdateTopup, fmt.Sprintf("topup-%d", h.nextUpdate), &testsuite.TestUpdateCallback{
		OnAccept: func() { u.accepted = true },
		OnReject: func(err error) { u.rejected, u.err = true, err },
		OnComplete: func(_ any, err error) {
			u.completed, u.err, u.at = true, err, h.env.Now()
		},
	}, req)
	return u
}

func cash(amount, receipt string) TopupRequest {
	return TopupRequest{Method: domain.TopupCash, Amount: amt(amount), ReceiptNo: receipt}
}

func card(amount, token string) TopupRequest {
	return TopupRequest{Method: domain.TopupBankCard, Amount: amt(amount), CardToken: token}
}

func (h *sagaHarness) state() SettlementState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QuerySettlementState)
	require.NoError(h.t, err)
	var st SettlementState
	require.NoError(h.t, v.Get(&st))
	return st
}

func (h *sagaHarness) logSnapshot() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

// requireLog checks every activity attempt, in order: no other ran.
func (h *sagaHarness) requireLog(want ...string) {
	h.t.Helper()
	require.Equal(h.t, want, h.logSnapshot())
}

func failed(step string) string { return step + failedMark }

// requireOutcome checks the one outcome written.
func (h *sagaHarness) requireOutcome(status domain.SettlementStatus, fund, family, topup string, code domain.Code, at time.Time) domain.SettlementOutcome {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(h.t, h.outcomes, 1)
	o := h.outcomes[0]
	require.Equal(h.t, sid, o.ID)
	require.Equal(h.t, status, o.Status)
	require.Equal(h.t, fund, o.FundPay.String(), "fund pay")
	require.Equal(h.t, family, o.FamilyAccountPay.String(), "family account pay")
	require.Equal(h.t, topup, o.TopupPay.String(), "top-up pay")
	require.Equal(h.t, "0.00", o.TopupDue.String(), "top-up due")
	require.Equal(h.t, string(code), o.RefusalCode)
	if code == "" {
		require.Empty(h.t, o.RefusalMessage)
	} else {
		require.NotEmpty(h.t, o.RefusalMessage)
	}
	requireAt(h.t, at, o.At)
	return o
}

// requireConserved checks fund + shared accounts + top-up = the bill.
func requireConserved(t *testing.T, in SettlementInput, o domain.SettlementOutcome) {
	t.Helper()
	require.Equal(t, in.Total.String(), o.FundPay.Add(o.FamilyAccountPay).Add(o.TopupPay).String(), "money is not conserved")
}

func (h *sagaHarness) requireDebits(want ...domain.SharedAccountDebit) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(h.t, h.debits, len(want))
	for i, w := range want {
		got := h.debits[i]
		require.Equal(h.t, w.BindingID, got.BindingID)
		require.Equal(h.t, w.Owed.String(), got.Owed.String(), "owed passed to %s", w.BindingID)
		require.Equal(h.t, w.Position, got.Position)
		require.Equal(h.t, sid, got.SettlementID)
		require.Equal(h.t, patient, got.Patient)
		require.Equal(h.t, institution, got.Institution)
		require.Equal(h.t, s0.Year(), got.Year)
		requireAt(h.t, s0, got.At)
	}
}

// requireRefs checks the bindings refunded by RefundSharedAccount, in
// order, and that each named this settlement.
func (h *sagaHarness) requireRefs(step string, bindings ...string) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	got := make([]string, 0, len(h.refs[step]))
	for _, r := range h.refs[step] {
		require.Equal(h.t, sid, r.SettlementID)
		got = append(got, r.BindingID)
	}
	if len(bindings) == 0 {
		bindings = []string{}
	}
	require.Equal(h.t, bindings, got)
}

func requireDetails(t *testing.T, err error, want map[string]any) {
	t.Helper()
	de, ok := temporalerr.ToDomain(err)
	require.True(t, ok, "not a domain error: %v", err)
	require.Equal(t, want, de.Details)
}

// The forward steps before the top-up, for a bill with two paying
// bindings.
var twoPayersPaid = []string{"SettleFund", "FindPayers", "DebitSharedAccount b1", "DebitSharedAccount b2"}

func steps(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("steps: %T", p))
		}
	}
	return out
}

// --- forward path ----------------------------------------------------------

func TestSettlement_SharedAccountsPayInPriorityOrderUntilNothingIsOwed(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("150.00", "0.00", true)
	h.fundPay = amt("50.00")
	// b1 can give 60 of the 100 owed, b2 the other 40; b3 is never asked.
	h.withPayers(threePayers, "60.00", "500.00", "500.00")
	h.settle(in)

	h.requireLog(
		"SettleFund", "FindPayers", "DebitSharedAccount b1", "DebitSharedAccount b2",
		"FinishSettlement completed",
	)
	h.requireDebits(
		domain.SharedAccountDebit{BindingID: "b1", Owed: amt("100.00"), Position: 0},
		domain.SharedAccountDebit{BindingID: "b2", Owed: amt("40.00"), Position: 1},
	)
	o := h.requireOutcome(domain.SettlementCompleted, "50.00", "100.00", "0.00", "", s0)
	requireConserved(t, in, o)

	require.Len(t, h.claims, 1)
	c := h.claims[0]
	require.Equal(t, domain.FundClaim{SettlementID: sid, Patient: patient, Insutype: domain.InsutypeEmployee, MedicalType: domain.MedicalOutpatient,
		ServiceDate: domain.DateOf(s0), Medical: c.Medical, At: c.At}, c)
	require.Equal(t, "150.00", c.Medical.String())
	requireAt(t, s0, c.At)
	require.Len(t, h.queries, 1)
	require.Equal(t, domain.PayersQuery{SettlementID: sid, Patient: patient, ServiceDate: domain.DateOf(s0), At: h.queries[0].At}, h.queries[0])

	st := h.state()
	require.Equal(t, domain.SettlementCompleted, st.Status)
	require.Len(t, st.Payers, 2)
	require.Equal(t, []string{"b1 " + string(holder1) + " 60.00", "b2 " + string(holder2) + " 40.00"},
		[]string{st.Payers[0].BindingID + " " + string(st.Payers[0].Holder) + " " + st.Payers[0].Amount.String(),
			st.Payers[1].BindingID + " " + string(st.Payers[1].Holder) + " " + st.Payers[1].Amount.String()})
	requireAt(t, s0, h.env.Now()) // nothing waited
}

func TestSettlement_WithoutTheFamilyAccountTheTopupCoversTheRestAndNonMedicalItems(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("100.00", "20.00", false)
	h.fundPay = amt("30.00")
	h.withPayers(threePayers, "500.00", "500.00", "500.00") // must not be asked
	var u *updateOutcome
	h.at(time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.SettlementAwaitingTopup, st.Status)
		require.Equal(t, "90.00", st.TopupDue.String())
		u = h.topup(cash("90.00", "R-0001"))
	})
	h.settle(in)

	requireSucceeded(t, u)
	h.requireLog("SettleFund", "AwaitTopup 90.00", "RecordTopup cash", "FinishSettlement completed")
	o := h.requireOutcome(domain.SettlementCompleted, "30.00", "0.00", "90.00", "", s0.Add(time.Minute))
	requireConserved(t, in, o)
	require.Len(t, h.topups, 1)
	tp := h.topups[0].Topup
	require.Equal(t, domain.Topup{SettlementID: sid, Method: "cash", Amount: tp.Amount, ReceiptNo: "R-0001"}, tp)
	require.Equal(t, "90.00", tp.Amount.String())
}

func TestSettlement_NonMedicalItemsAreNeverOwedToTheSharedAccounts(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("100.00", "30.00", true)
	h.fundPay = amt("40.00")
	h.withPayers(threePayers, "500.00", "500.00", "500.00")
	var u *updateOutcome
	h.at(time.Minute, func() {
		require.Equal(t, "30.00", h.state().TopupDue.String(), "the non-medical part is topped up")
		u = h.topup(cash("30.00", "R-0002"))
	})
	h.settle(in)

	requireSucceeded(t, u)
	h.requireLog(
		"SettleFund", "FindPayers", "DebitSharedAccount b1", "AwaitTopup 30.00", "RecordTopup cash",
		"FinishSettlement completed",
	)
	// The fund is claimed for the medical part only, and the account is
	// asked for medical − fund, not for the non-medical 30.00.
	require.Equal(t, "100.00", h.claims[0].Medical.String())
	h.requireDebits(domain.SharedAccountDebit{BindingID: "b1", Owed: amt("60.00"), Position: 0})
	o := h.requireOutcome(domain.SettlementCompleted, "40.00", "60.00", "30.00", "", s0.Add(time.Minute))
	requireConserved(t, in, o)
	require.Equal(t, "30.00", h.dues[0].Amount.String())
}

func TestSettlement_PartialAccountThenExactCashTopupCompletes(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	// 120 owed: b1 gives 50, b2 20, b3 has nothing left; 50 to top up.
	h.withPayers(threePayers, "50.00", "20.00", "0.00")
	var wrong, right *updateOutcome
	h.at(time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.SettlementAwaitingTopup, st.Status)
		require.Equal(t, "50.00", st.TopupDue.String())
		require.Equal(t, "70.00", st.FamilyAccountPay.String())
		wrong = h.topup(cash("40.00", "R-0003"))
	})
	h.at(2*time.Minute, func() {
		require.Equal(t, domain.SettlementAwaitingTopup, h.state().Status)
		right = h.topup(cash("50.00", "R-0004"))
	})
	h.settle(in)

	requireRejected(t, wrong, domain.CodeTopupAmountMismatch)
	requireDetails(t, wrong.err, map[string]any{"expected": "50.00"})
	requireSucceeded(t, right)
	requireAt(t, s0.Add(2*time.Minute), right.at)
	h.requireLog(
		"SettleFund", "FindPayers", "DebitSharedAccount b1", "DebitSharedAccount b2", "DebitSharedAccount b3",
		"AwaitTopup 50.00", "RecordTopup cash", "FinishSettlement completed",
	)
	h.requireDebits(
		domain.SharedAccountDebit{BindingID: "b1", Owed: amt("120.00"), Position: 0},
		domain.SharedAccountDebit{BindingID: "b2", Owed: amt("70.00"), Position: 1},
		domain.SharedAccountDebit{BindingID: "b3", Owed: amt("50.00"), Position: 2},
	)
	require.Equal(t, []domain.TopupDue{{SettlementID: sid, Amount: h.dues[0].Amount}}, h.dues)
	require.Equal(t, "R-0004", h.topups[0].Topup.ReceiptNo)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(2*time.Minute))
	requireConserved(t, in, o)
}

// --- bank card -------------------------------------------------------------

func TestSettlement_CardGivenWithTheBillIsChargedAndRecorded(t *testing.T) {
	h := newSagaHarness(t)
	in := withCard(bill("200.00", "0.00", true), "tok_visa_4242")
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.settle(in)

	h.requireLog(steps(twoPayersPaid,
		"AwaitTopup 50.00", "ChargeCard "+chargeKey(1), "RecordTopup bank_card", "FinishSettlement completed")...)
	require.Len(t, h.charges, 1)
	c := h.charges[0]
	require.Equal(t, domain.CardCharge{SettlementID: sid, Key: chargeKey(1), Token: "tok_visa_4242", Amount: c.Amount, At: c.At}, c)
	require.Equal(t, "50.00", c.Amount.String())
	tp := h.topups[0].Topup
	require.Equal(t, domain.Topup{SettlementID: sid, Method: "bank_card", Amount: tp.Amount, ChargeID: chargeKey(1)}, tp)
	require.Equal(t, "50.00", tp.Amount.String())
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0)
	requireConserved(t, in, o)
	require.Equal(t, 1, h.state().CardAttempts)
}

func TestSettlement_DeclinedCardLeavesItWaitingForCash(t *testing.T) {
	h := newSagaHarness(t)
	in := withCard(bill("200.00", "0.00", true), "tok_decline")
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("ChargeCard "+chargeKey(1), always(refusal(domain.CodeCardDeclined)))
	var u *updateOutcome
	h.at(time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.SettlementAwaitingTopup, st.Status)
		require.Equal(t, 1, st.CardAttempts)
		u = h.topup(cash("50.00", "R-0005"))
	})
	h.settle(in)

	requireSucceeded(t, u)
	// A decline is not retried and needs no reversal.
	h.requireLog(steps(twoPayersPaid,
		"AwaitTopup 50.00", failed("ChargeCard "+chargeKey(1)), "RecordTopup cash", "FinishSettlement completed")...)
	require.Equal(t, "R-0005", h.topups[0].Topup.ReceiptNo)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(time.Minute))
	requireConserved(t, in, o)
	require.Equal(t, 1, h.state().CardAttempts)
}

func TestSettlement_CardGatewayTimeoutIsReversedAndTheNextCardGetsANewKey(t *testing.T) {
	h := newSagaHarness(t)
	in := withCard(bill("200.00", "0.00", true), "tok_timeout")
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("ChargeCard "+chargeKey(1), always(errors.New("gateway: context deadline exceeded")))
	var u *updateOutcome
	h.at(time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.SettlementAwaitingTopup, st.Status)
		require.Equal(t, 1, st.CardAttempts)
		h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
			failed("ChargeCard "+chargeKey(1)), failed("ChargeCard "+chargeKey(1)), "ReverseCharge "+chargeKey(1))...)
		u = h.topup(card("50.00", "tok_mastercard"))
	})
	h.settle(in)

	requireSucceeded(t, u)
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		failed("ChargeCard "+chargeKey(1)), failed("ChargeCard "+chargeKey(1)), "ReverseCharge "+chargeKey(1),
		"ChargeCard "+chargeKey(2), "RecordTopup bank_card", "FinishSettlement completed")...)
	require.Equal(t, []string{chargeKey(1)}, h.reversed)
	require.Len(t, h.charges, 1)
	require.Equal(t, "tok_mastercard", h.charges[0].Token)
	require.Equal(t, chargeKey(2), h.topups[0].Topup.ChargeID)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(time.Minute))
	requireConserved(t, in, o)
	require.Equal(t, 2, h.state().CardAttempts)
}

func TestSettlement_CardChargeThatCannotBeBookedIsReversed(t *testing.T) {
	h := newSagaHarness(t)
	in := withCard(bill("200.00", "0.00", true), "tok_visa_4242")
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("RecordTopup bank_card", always(refusal(domain.CodeInternal)))
	var u *updateOutcome
	h.at(time.Minute, func() {
		require.Equal(t, domain.SettlementAwaitingTopup, h.state().Status)
		u = h.topup(cash("50.00", "R-0006"))
	})
	h.settle(in)

	requireSucceeded(t, u)
	// The card was captured but the top-up could not be booked: the
	// charge is given back before the counter takes cash.
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		"ChargeCard "+chargeKey(1), failed("RecordTopup bank_card"), "ReverseCharge "+chargeKey(1),
		"RecordTopup cash", "FinishSettlement completed")...)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(time.Minute))
	requireConserved(t, in, o)
}

func TestSettlement_CashTopupWhileAwaitTopupIsRetriedIsNotChargedToTheCardToo(t *testing.T) {
	h := newSagaHarness(t)
	in := withCard(bill("200.00", "0.00", true), "tok_visa_4242")
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	// AwaitTopup is retried after a second; the cashier takes cash at once.
	h.failOn("AwaitTopup 50.00", firstN(1, errTransient))
	var u *updateOutcome
	h.at(500*time.Millisecond, func() { u = h.topup(cash("50.00", "R-0007")) })
	h.settle(in)

	requireSucceeded(t, u)
	h.requireLog(steps(twoPayersPaid,
		failed("AwaitTopup 50.00"), "RecordTopup cash", "AwaitTopup 50.00", "FinishSettlement completed")...)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(time.Second))
	requireConserved(t, in, o)
	require.Equal(t, 0, h.state().CardAttempts)
}

// --- top-up window ---------------------------------------------------------

func TestSettlement_TopupTimeoutRefundsNewestFirstAndEndsReversed(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.at(topupTimeout-time.Second, func() {
		require.Equal(t, domain.SettlementAwaitingTopup, h.state().Status)
		h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00")...)
	})
	h.settle(in)

	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		"RefundSharedAccount b2", "RefundSharedAccount b1", "CancelFund",
		"FinishSettlement reversed TOPUP_TIMEOUT")...)
	h.requireRefs("RefundSharedAccount", "b2", "b1")
	h.requireRefs("CancelFund", "")
	h.requireOutcome(domain.SettlementReversed, "0.00", "0.00", "0.00", domain.CodeTopupTimeout, s0.Add(topupTimeout))
	requireAt(t, s0.Add(topupTimeout), h.env.Now())
	require.Equal(t, domain.SettlementReversed, h.state().Status)
}

func TestSettlement_TopupJustBeforeTheDeadlineCompletes(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	var u *updateOutcome
	h.at(topupTimeout-time.Second, func() { u = h.topup(cash("50.00", "R-0008")) })
	h.settle(in)

	requireSucceeded(t, u)
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00", "RecordTopup cash", "FinishSettlement completed")...)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(topupTimeout-time.Second))
	requireConserved(t, in, o)
}

func TestSettlement_TopupAcceptedBeforeTheDeadlineCompletesEvenIfBookedAfterIt(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	// Booked on the third attempt, two seconds after the deadline.
	h.failOn("RecordTopup cash", firstN(2, errTransient))
	var u *updateOutcome
	h.at(topupTimeout-time.Second, func() { u = h.topup(cash("50.00", "R-0009")) })
	h.settle(in)

	requireSucceeded(t, u)
	requireAt(t, s0.Add(topupTimeout+2*time.Second), u.at)
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		failed("RecordTopup cash"), failed("RecordTopup cash"), "RecordTopup cash", "FinishSettlement completed")...)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(topupTimeout+2*time.Second))
	requireConserved(t, in, o)
}

func TestSettlement_SecondTopupInFlightAtTheDeadlineStillCompletes(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	// A card top-up is slow and then declined; a cash top-up sent meanwhile
	// waits for it and is booked just after the deadline.
	h.failOn("ChargeCard "+chargeKey(1), func(attempt int) error {
		if attempt == 1 {
			return errTransient
		}
		return refusal(domain.CodeCardDeclined)
	})
	h.failOn("RecordTopup cash", firstN(1, errTransient))
	var byCard, byCash *updateOutcome
	h.at(topupTimeout-1500*time.Millisecond, func() { byCard = h.topup(card("50.00", "tok_slow")) })
	h.at(topupTimeout-time.Second, func() { byCash = h.topup(cash("50.00", "R-0010")) })
	h.settle(in)

	require.True(t, byCard.accepted)
	require.True(t, byCard.completed)
	requireCode(t, byCard.err, domain.CodeCardDeclined)
	requireSucceeded(t, byCash)
	requireAt(t, s0.Add(topupTimeout+500*time.Millisecond), byCash.at)
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		failed("ChargeCard "+chargeKey(1)), failed("ChargeCard "+chargeKey(1)),
		failed("RecordTopup cash"), "RecordTopup cash", "FinishSettlement completed")...)
	o := h.requireOutcome(domain.SettlementCompleted, "80.00", "70.00", "50.00", "", s0.Add(topupTimeout+500*time.Millisecond))
	requireConserved(t, in, o)
}

func TestSettlement_TopupAfterTheDeadlineIsRefusedAndTheSettlementReversed(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	// The compensations and the outcome take a few seconds of retries, so
	// the workflow is still running when the late top-ups come.
	h.failOn("RefundSharedAccount b2", firstN(2, errTransient))
	h.failOn("FinishSettlement reversed TOPUP_TIMEOUT", firstN(1, errTransient))
	var whileRefunding, whileFinishing *updateOutcome
	h.at(topupTimeout+500*time.Millisecond, func() { whileRefunding = h.topup(cash("50.00", "R-0011")) })
	h.at(topupTimeout+3500*time.Millisecond, func() { whileFinishing = h.topup(cash("50.00", "R-0012")) })
	h.settle(in)

	requireRejected(t, whileRefunding, domain.CodeTopupWindowClosed)
	requireRejected(t, whileFinishing, domain.CodeSettlementWrongState)
	// Compensations that fail transiently are retried until they succeed,
	// and the order holds.
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00",
		failed("RefundSharedAccount b2"), failed("RefundSharedAccount b2"), "RefundSharedAccount b2",
		"RefundSharedAccount b1", "CancelFund",
		failed("FinishSettlement reversed TOPUP_TIMEOUT"), "FinishSettlement reversed TOPUP_TIMEOUT")...)
	h.requireOutcome(domain.SettlementReversed, "0.00", "0.00", "0.00", domain.CodeTopupTimeout, s0.Add(topupTimeout+3*time.Second))
	require.Empty(t, h.topups)
}

// --- failure injection -----------------------------------------------------

func TestSettlement_StepFailingForGoodRunsExactlyTheCompensationsRegisteredBeforeIt(t *testing.T) {
	cases := []struct {
		name   string
		step   string
		err    error
		status domain.SettlementStatus
		code   domain.Code
		want   []string
	}{
		{
			name: "fund refusal fails the settlement and still cancels the fund claim",
			step: "SettleFund", err: refusal(domain.CodeNoFundPolicy),
			status: domain.SettlementFailed, code: domain.CodeNoFundPolicy,
			want: []string{failed("SettleFund"), "CancelFund", "FinishSettlement failed NO_FUND_POLICY"},
		},
		{
			name: "a run started again after an earlier run undid everything ends reversed, not failed",
			step: "SettleFund", err: refusal(domain.CodeSettlementAlreadyReversed),
			status: domain.SettlementReversed, code: domain.CodeSettlementAlreadyReversed,
			want: []string{failed("SettleFund"), "CancelFund", "FinishSettlement reversed SETTLEMENT_ALREADY_REVERSED"},
		},
		{
			name: "payer lookup failure reverses the fund share",
			step: "FindPayers", err: temporal.NewNonRetryableApplicationError("pq: invalid input", "PqError", nil),
			status: domain.SettlementReversed, code: domain.CodeInternal,
			want: []string{"SettleFund", failed("FindPayers"), "CancelFund", "FinishSettlement reversed INTERNAL"},
		},
		{
			name: "first debit failure refunds its binding then cancels the fund",
			step: "DebitSharedAccount b1", err: refusal(domain.CodeHolderAccountFrozen),
			status: domain.SettlementReversed, code: domain.CodeHolderAccountFrozen,
			want: []string{"SettleFund", "FindPayers", failed("DebitSharedAccount b1"),
				"RefundSharedAccount b1", "CancelFund", "FinishSettlement reversed HOLDER_ACCOUNT_FROZEN"},
		},
		{
			name: "second debit failure refunds both bindings newest first then cancels the fund",
			step: "DebitSharedAccount b2", err: refusal(domain.CodeHolderInArrears),
			status: domain.SettlementReversed, code: domain.CodeHolderInArrears,
			want: []string{"SettleFund", "FindPayers", "DebitSharedAccount b1", failed("DebitSharedAccount b2"),
				"RefundSharedAccount b2", "RefundSharedAccount b1", "CancelFund", "FinishSettlement reversed HOLDER_IN_ARREARS"},
		},
		{
			name: "await top-up failure undoes every debit and the fund",
			step: "AwaitTopup 50.00", err: refusal(domain.CodeSettlementWrongState),
			status: domain.SettlementReversed, code: domain.CodeSettlementWrongState,
			want: steps(twoPayersPaid, failed("AwaitTopup 50.00"),
				"RefundSharedAccount b2", "RefundSharedAccount b1", "CancelFund", "FinishSettlement reversed SETTLEMENT_WRONG_STATE"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newSagaHarness(t)
			in := bill("200.00", "0.00", true)
			h.fundPay = amt("80.00")
			h.withPayers(threePayers[:2], "50.00", "20.00")
			h.failOn(tc.step, always(tc.err))
			h.settle(in)

			h.requireLog(tc.want...)
			h.requireOutcome(tc.status, "0.00", "0.00", "0.00", tc.code, s0)
			h.mu.Lock()
			require.Equal(t, 1, h.attempts[tc.step], "a refusal is not retried")
			h.mu.Unlock()
		})
	}
}

func TestSettlement_CompensationsFailingTransientlyAreRetriedInOrder(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("DebitSharedAccount b2", always(refusal(domain.CodeHolderAccountFrozen)))
	h.failOn("RefundSharedAccount b2", firstN(2, errTransient))
	h.failOn("CancelFund", firstN(1, errTransient))
	h.settle(in)

	h.requireLog(
		"SettleFund", "FindPayers", "DebitSharedAccount b1", failed("DebitSharedAccount b2"),
		failed("RefundSharedAccount b2"), failed("RefundSharedAccount b2"), "RefundSharedAccount b2",
		"RefundSharedAccount b1", failed("CancelFund"), "CancelFund",
		"FinishSettlement reversed HOLDER_ACCOUNT_FROZEN",
	)
	h.requireRefs("RefundSharedAccount", "b2", "b1")
	// 1 s and 2 s of back-off on b2, 1 s on the fund.
	h.requireOutcome(domain.SettlementReversed, "0.00", "0.00", "0.00", domain.CodeHolderAccountFrozen, s0.Add(4*time.Second))
}

func TestSettlement_CashTopupThatCannotBeBookedKeepsWaitingThenTimesOut(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("RecordTopup cash", always(refusal(domain.CodeInternal)))
	var u *updateOutcome
	h.at(time.Minute, func() { u = h.topup(cash("50.00", "R-0013")) })
	h.at(2*time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.SettlementAwaitingTopup, st.Status)
		require.Equal(t, "0.00", st.TopupPay.String())
	})
	h.settle(in)

	require.True(t, u.accepted)
	require.True(t, u.completed)
	requireCode(t, u.err, domain.CodeInternal)
	h.requireLog(steps(twoPayersPaid, "AwaitTopup 50.00", failed("RecordTopup cash"),
		"RefundSharedAccount b2", "RefundSharedAccount b1", "CancelFund", "FinishSettlement reversed TOPUP_TIMEOUT")...)
	h.requireOutcome(domain.SettlementReversed, "0.00", "0.00", "0.00", domain.CodeTopupTimeout, s0.Add(topupTimeout))
}

// --- cancellation ----------------------------------------------------------

func TestSettlementCancel_RefundsEverythingNewestFirst(t *testing.T) {
	h := newSagaHarness(t)
	h.failOn("RefundSharedAccount b2", firstN(1, errTransient))
	h.failOn("RefundTopup", firstN(2, errTransient))
	in := CancelInput{SettlementID: sid, Reason: "patient returned the drugs", Payers: []PaidBy{
		{BindingID: "b1", Holder: holder1, Amount: amt("60.00")},
		{BindingID: "b2", Holder: holder2, Amount: amt("40.00")},
	}}
	h.env.ExecuteWorkflow(SettlementCancel, in)
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())

	h.requireLog(
		failed("RefundTopup"), failed("RefundTopup"), "RefundTopup",
		failed("RefundSharedAccount b2"), "RefundSharedAccount b2", "RefundSharedAccount b1",
		"CancelFund", "MarkCancelled",
	)
	h.requireRefs("RefundTopup", "")
	h.requireRefs("RefundSharedAccount", "b2", "b1")
	h.requireRefs("CancelFund", "")
	require.Len(t, h.cancels, 1)
	require.Equal(t, sid, h.cancels[0].SettlementID)
	require.Equal(t, "patient returned the drugs", h.cancels[0].Reason)
}

func TestSettlement_CompensationRefusedForGoodIsTriedAgainUntilItSucceeds(t *testing.T) {
	h := newSagaHarness(t)
	in := bill("200.00", "0.00", true)
	h.fundPay = amt("80.00")
	h.withPayers(threePayers[:2], "50.00", "20.00")
	h.failOn("DebitSharedAccount b2", always(refusal(domain.CodeHolderAccountFrozen)))
	h.failOn("RefundSharedAccount b1", firstN(2, refusal(domain.CodeInternal)))
	h.settle(in)

	h.requireLog(
		"SettleFund", "FindPayers", "DebitSharedAccount b1", failed("DebitSharedAccount b2"),
		"RefundSharedAccount b2", failed("RefundSharedAccount b1"), failed("RefundSharedAccount b1"), "RefundSharedAccount b1",
		"CancelFund", "FinishSettlement reversed HOLDER_ACCOUNT_FROZEN",
	)
	// One minute, then two, of pause before the refund went through.
	h.requireOutcome(domain.SettlementReversed, "0.00", "0.00", "0.00", domain.CodeHolderAccountFrozen, s0.Add(3*time.Minute))
}
