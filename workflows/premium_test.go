package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"gongji/domain"
)

const paymentID = "3b9c1f0e-6a2d-4e57-8f1c-5d7a9e2b4c01"

var premiumIn = PremiumInput{
	PaymentID: paymentID, Holder: holder1, Beneficiary: patient, BindingID: "b1", Year: s0.Year() + 1, Amount: amt("400.00"),
}

// premiumHarness runs a PremiumPayment in the SDK's test environment with
// every premium activity mocked and recorded.
type premiumHarness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// log is every activity attempt in order, e.g. "PostPremium"; an
	// attempt that returned an error ends in " (failed)".
	log      []string
	attempts map[string]int
	fail     map[string]func(attempt int) error

	// What the successful attempts were given.
	refs     map[string][]domain.PremiumRef
	postings []domain.PremiumPosting
	outcomes []domain.PremiumOutcome
}

func newPremiumHarness(t *testing.T) *premiumHarness {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	h := &premiumHarness{
		t: t, env: ts.NewTestWorkflowEnvironment(),
		attempts: map[string]int{}, fail: map[string]func(int) error{}, refs: map[string][]domain.PremiumRef{},
	}
	env := h.env
	env.SetStartTime(s0)
	env.RegisterWorkflow(PremiumPayment)

	ref := func(step string) func(context.Context, domain.PremiumRef) error {
		return func(_ context.Context, r domain.PremiumRef) error {
			return h.call(step, func() { h.refs[step] = append(h.refs[step], r) })
		}
	}
	stub(env, ActivityDebitPremium, ref("DebitPremium"))
	stub(env, ActivityRefundPremium, ref("RefundPremium"))
	stub(env, ActivityCancelPremiumPosting, ref("CancelPremiumPosting"))
	stub(env, ActivityPostPremium,
		func(_ context.Context, p domain.PremiumPosting) error {
			return h.call("PostPremium", func() { h.postings = append(h.postings, p) })
		})
	stub(env, ActivityFinishPremiumPayment,
		func(_ context.Context, o domain.PremiumOutcome) error {
			entry := "FinishPremiumPayment " + string(o.Status)
			if o.RefusalCode != "" {
				entry += " " + o.RefusalCode
			}
			return h.call(entry, func() { h.outcomes = append(h.outcomes, o) })
		})
	return h
}

func (h *premiumHarness) call(step string, record func()) error {
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

func (h *premiumHarness) failOn(step string, f func(attempt int) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail[step] = f
}

func (h *premiumHarness) pay() {
	h.t.Helper()
	h.env.ExecuteWorkflow(PremiumPayment, premiumIn)
	require.True(h.t, h.env.IsWorkflowCompleted(), "the workflow did not finish")
	require.NoError(h.t, h.env.GetWorkflowError())
}

func (h *premiumHarness) requireLog(want ...string) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(h.t, want, h.log)
}

// requireOutcome checks the one outcome written and the state the query
// answers.
func (h *premiumHarness) requireOutcome(status domain.PremiumPaymentStatus, code domain.Code, at time.Time) {
	h.t.Helper()
	h.mu.Lock()
	require.Len(h.t, h.outcomes, 1)
	o := h.outcomes[0]
	h.mu.Unlock()
	require.Equal(h.t, paymentID, o.ID)
	require.Equal(h.t, status, o.Status)
	require.Equal(h.t, string(code), o.RefusalCode)
	require.Equal(h.t, code == "", o.RefusalMessage == "", "refusal message %q", o.RefusalMessage)
	requireAt(h.t, at, o.At)

	v, err := h.env.QueryWorkflow(QueryPremiumState)
	require.NoError(h.t, err)
	var st PremiumState
	require.NoError(h.t, v.Get(&st))
	require.Equal(h.t, status, st.Status)
	require.Equal(h.t, code, st.RefusalCode)
}

// requireRefs checks that every successful attempt of the steps named this
// payment.
func (h *premiumHarness) requireRefs() {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for step, refs := range h.refs {
		for _, r := range refs {
			require.Equal(h.t, paymentID, r.PaymentID, step)
		}
	}
}

func repeat(n int, entry string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = entry
	}
	return out
}

func TestPremiumWorkflowID_IsPremiumColonPaymentID(t *testing.T) {
	require.Equal(t, "premium:"+paymentID, PremiumWorkflowID(paymentID))
}

func TestPremiumPayment_DebitsPostsAndCompletes(t *testing.T) {
	h := newPremiumHarness(t)
	h.pay()

	h.requireLog("DebitPremium", "PostPremium", "FinishPremiumPayment completed")
	h.requireOutcome(domain.PremiumCompleted, "", s0)
	h.requireRefs()
	require.Equal(t, []domain.PremiumPosting{{PaymentID: paymentID, Beneficiary: patient, Year: premiumIn.Year, Amount: amt("400.00")}}, h.postings)
}

func TestPremiumPayment_PostingFailingForGood_CancelsRefundsAndEndsReversed(t *testing.T) {
	h := newPremiumHarness(t)
	h.failOn("PostPremium", always(errTransient))
	h.pay()

	// Five attempts, then the compensations newest first: the booking
	// (whose answer may have been lost), then the debit.
	h.requireLog(steps("DebitPremium", repeat(premiumPostAttempts, failed("PostPremium")),
		"CancelPremiumPosting", "RefundPremium", "FinishPremiumPayment reversed UNAVAILABLE")...)
	// 1 + 2 + 4 + 8 s of back-off between the attempts.
	h.requireOutcome(domain.PremiumReversed, domain.CodeUnavailable, s0.Add(15*time.Second))
	h.requireRefs()
	require.Empty(t, h.postings)
}

func TestPremiumPayment_PostingRefused_IsNotRetriedAndIsReversed(t *testing.T) {
	h := newPremiumHarness(t)
	h.failOn("PostPremium", always(refusal(domain.CodePremiumAlreadyPaid)))
	h.pay()

	h.requireLog("DebitPremium", failed("PostPremium"), "CancelPremiumPosting", "RefundPremium",
		"FinishPremiumPayment reversed PREMIUM_ALREADY_PAID")
	h.requireOutcome(domain.PremiumReversed, domain.CodePremiumAlreadyPaid, s0)
}

func TestPremiumPayment_TransientPostingFailureIsRetriedAndCompletes(t *testing.T) {
	h := newPremiumHarness(t)
	h.failOn("PostPremium", firstN(premiumPostAttempts-1, errTransient))
	h.pay()

	h.requireLog(steps("DebitPremium", repeat(premiumPostAttempts-1, failed("PostPremium")), "PostPremium",
		"FinishPremiumPayment completed")...)
	h.requireOutcome(domain.PremiumCompleted, "", s0.Add(15*time.Second))
	require.Len(t, h.postings, 1)
}

func TestPremiumPayment_TransientDebitFailureIsRetriedWithoutLimit(t *testing.T) {
	h := newPremiumHarness(t)
	h.failOn("DebitPremium", firstN(7, errTransient))
	h.pay()

	h.requireLog(steps(repeat(7, failed("DebitPremium")), "DebitPremium", "PostPremium",
		"FinishPremiumPayment completed")...)
	// 1 + 2 + 4 + 8 + 16 + 32 + 60 s of back-off (at most a minute).
	h.requireOutcome(domain.PremiumCompleted, "", s0.Add(123*time.Second))
}

func TestPremiumPayment_DebitRefused_RefundsNothingTakenAndEndsReversed(t *testing.T) {
	for _, code := range []domain.Code{
		domain.CodeInsufficientBalance, domain.CodeLimitExceeded, domain.CodeNoActiveBinding, domain.CodeHolderAccountFrozen,
	} {
		t.Run(string(code), func(t *testing.T) {
			h := newPremiumHarness(t)
			h.failOn("DebitPremium", always(refusal(code)))
			h.pay()

			// The refund was registered before the debit ran: it runs (a
			// no-op in the store) and nothing is posted or cancelled.
			h.requireLog(failed("DebitPremium"), "RefundPremium", "FinishPremiumPayment reversed "+string(code))
			h.requireOutcome(domain.PremiumReversed, code, s0)
			h.mu.Lock()
			require.Equal(t, 1, h.attempts["DebitPremium"], "a refusal is not retried")
			h.mu.Unlock()
		})
	}
}

func TestPremiumPayment_CompensationsFailingTransientlyAreRetriedInOrder(t *testing.T) {
	h := newPremiumHarness(t)
	h.failOn("PostPremium", always(refusal(domain.CodePremiumAlreadyPaid)))
	h.failOn("CancelPremiumPosting", firstN(1, errTransient))
	h.failOn("RefundPremium", firstN(2, errTransient))
	h.pay()

	h.requireLog("DebitPremium", failed("PostPremium"),
		failed("CancelPremiumPosting"), "CancelPremiumPosting",
		failed("RefundPremium"), failed("RefundPremium"), "RefundPremium",
		"FinishPremiumPayment reversed PREMIUM_ALREADY_PAID")
	// 1 s of back-off on the cancel, 1 s and 2 s on the refund.
	h.requireOutcome(domain.PremiumReversed, domain.CodePremiumAlreadyPaid, s0.Add(4*time.Second))
}
