package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gongji/domain"
)

var spouseActor = Actor{Role: domain.RoleInsured, Subject: "652701198708230228"}

// adultInput is a binding whose beneficiary must consent.
func adultInput() BindingInput {
	in := input(domain.Terms{})
	in.Relation = domain.RelationSpouse
	in.Consent = domain.ConsentPending
	return in
}

func (h *harness) answer(d domain.ConsentDecision) *updateOutcome {
	return h.update(UpdateConsent, ConsentRequest{By: spouseActor, Decision: d})
}

func consentAnswer(seq int, c domain.Consent, at time.Time) domain.ConsentAnswer {
	return domain.ConsentAnswer{BindingID: bindingID, Consent: c, By: spouseActor.String(), At: at, EventKey: key(seq, "consent_"+string(c))}
}

func (h *harness) requireConsents(want ...domain.ConsentAnswer) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	norm := func(as []domain.ConsentAnswer) []domain.ConsentAnswer {
		out := make([]domain.ConsentAnswer, len(as))
		for i, a := range as {
			a.At = a.At.UTC()
			out[i] = a
		}
		return out
	}
	require.Equal(h.t, norm(want), norm(h.consents))
}

func TestBinding_ConsentBeforeSubmitThenApproval(t *testing.T) {
	h := newHarness(t)
	var accept, approve *updateOutcome
	h.at(time.Minute, func() { require.Equal(t, domain.ConsentPending, h.state().Consent) })
	h.at(30*time.Minute, func() { accept = h.answer(domain.ConsentAccept) })
	h.at(31*time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.ConsentAccepted, st.Consent)
		require.Equal(t, domain.BindingAwaitingDocuments, st.Status)
	})
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { require.NoError(t, h.submit().err) })
	h.at(day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	// Past the consent's 30 days: the accepted binding does not lapse.
	h.at(40*day, func() {
		require.Equal(t, domain.BindingActive, h.state().Status)
		h.unbind("")
	})
	h.run(adultInput())
	h.requireCompleted()

	requireSucceeded(t, accept)
	requireSucceeded(t, approve)
	h.requireConsents(consentAnswer(1, domain.ConsentAccepted, t0.Add(30*time.Minute)))
	h.requireTransitions(submitted(2, t0.Add(2*time.Hour)), approved(3, t0.Add(day)), unbound(4, "", t0.Add(40*day)))
	h.requireNotices(notice(domain.NoticeBindingApproved, "proof checked", key(3, "approved"), t0.Add(day)))
}

func TestBinding_ApprovalWaitsForConsentGivenAfterSubmit(t *testing.T) {
	h := newHarness(t)
	var early, accept, approve *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { early = h.review(domain.DecisionApprove, "proof checked") })
	h.at(day+time.Minute, func() {
		require.Equal(t, domain.BindingUnderReview, h.state().Status)
		h.requireLog("transition " + key(1, "submitted")) // the refusal wrote nothing
	})
	h.at(2*day, func() { accept = h.answer(domain.ConsentAccept) })
	h.at(3*day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(3*day+time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.BindingActive, st.Status)
		require.Equal(t, domain.ConsentAccepted, st.Consent)
		h.unbind("")
	})
	h.run(adultInput())
	h.requireCompleted()

	requireRejected(t, early, domain.CodeConsentRequired)
	requireSucceeded(t, accept)
	requireSucceeded(t, approve)
	h.requireLog(
		"transition "+key(1, "submitted"),
		"consent "+key(2, "consent_accepted"),
		"transition "+key(3, "approved"),
		"notice binding_approved "+key(3, "approved"),
		"transition "+key(4, "unbound"),
	)
	h.requireTransitions(submitted(1, t0.Add(2*time.Hour)), approved(3, t0.Add(3*day)), unbound(4, "", t0.Add(3*day+time.Minute)))
}

func TestBinding_ConsentLapsesThirtyDaysAfterTheRequest(t *testing.T) {
	h := newHarness(t)
	var approve *updateOutcome
	// A document on day 29 would keep a request without consent waiting
	// for documents until day 59; the consent's clock runs from the
	// request and does not move.
	h.at(29*day, func() { h.document("doc-1") })
	h.at(29*day+time.Hour, func() { h.submit() })
	h.at(29*day+2*time.Hour, func() { approve = h.review(domain.DecisionApprove, "") })
	h.at(30*day-time.Second, func() { require.Equal(t, domain.BindingUnderReview, h.state().Status) })
	h.run(adultInput())
	h.requireCompleted()

	requireRejected(t, approve, domain.CodeConsentRequired)
	lapsedAt := t0.Add(30 * day)
	h.requireTransitions(
		submitted(1, t0.Add(29*day+time.Hour)),
		transition(2, fromLive, domain.BindingLapsed, "lapsed", "system", "no consent within 30 days", lapsedAt),
	)
	h.requireNotices(notice(domain.NoticeBindingConsentLapsed, "no consent within 30 days", key(2, "lapsed"), lapsedAt))
	h.requireConsents()
	requireAt(t, lapsedAt, h.env.Now())
	require.Equal(t, domain.ConsentPending, h.state().Consent)
}

func TestBinding_DeclineEndsTheBindingAndTellsTheHolder(t *testing.T) {
	h := newHarness(t)
	var decline *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { decline = h.answer(domain.ConsentDecline) })
	h.run(adultInput())
	h.requireCompleted()

	requireSucceeded(t, decline)
	requireAt(t, t0.Add(day), h.env.Now())
	st := h.state()
	require.Equal(t, domain.BindingDeclined, st.Status)
	require.Equal(t, domain.ConsentDeclined, st.Consent)
	h.requireConsents(consentAnswer(2, domain.ConsentDeclined, t0.Add(day)))
	h.requireTransitions(submitted(1, t0.Add(2*time.Hour)))
	h.requireNotices(notice(domain.NoticeBindingDeclined, "", key(2, "consent_declined"), t0.Add(day)))
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(t, []string{"awaiting_documents", "under_review", "declined"}, h.statuses)
}

func TestBinding_RejectionNeedsNoConsent(t *testing.T) {
	h := newHarness(t)
	var reject *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { reject = h.review(domain.DecisionReject, "not married") })
	h.run(adultInput())
	h.requireCompleted()

	requireSucceeded(t, reject)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		transition(2, fromReview, domain.BindingRejected, "rejected", reviewerActor.String(), "not married", t0.Add(day)),
	)
}

func TestBinding_AnswerIsRefusedUnlessConsentIsPending(t *testing.T) {
	t.Run("a second answer", func(t *testing.T) {
		h := newHarness(t)
		var first, second, flip *updateOutcome
		h.at(time.Hour, func() { first = h.answer(domain.ConsentAccept) })
		h.at(2*time.Hour, func() { second = h.answer(domain.ConsentAccept) })
		h.at(3*time.Hour, func() { flip = h.answer(domain.ConsentDecline) })
		h.at(4*time.Hour, func() { h.unbind("") })
		h.run(adultInput())
		h.requireCompleted()

		requireSucceeded(t, first)
		requireRejected(t, second, domain.CodeConsentNotPending)
		requireRejected(t, flip, domain.CodeConsentNotPending)
		h.requireConsents(consentAnswer(1, domain.ConsentAccepted, t0.Add(time.Hour)))
	})
	t.Run("a beneficiary under 16", func(t *testing.T) {
		h := newHarness(t)
		var answer *updateOutcome
		h.at(time.Minute, func() { require.Equal(t, domain.ConsentNotRequired, h.state().Consent) })
		h.at(time.Hour, func() { answer = h.answer(domain.ConsentAccept) })
		h.at(2*time.Hour, func() { h.unbind("") })
		h.run(input(domain.Terms{}))
		h.requireCompleted()

		requireRejected(t, answer, domain.CodeConsentNotPending)
		h.requireConsents()
	})
	t.Run("an unknown decision", func(t *testing.T) {
		h := newHarness(t)
		var answer *updateOutcome
		h.at(time.Hour, func() { answer = h.answer("maybe") })
		h.at(2*time.Hour, func() { h.unbind("") })
		h.run(adultInput())
		h.requireCompleted()

		requireRejected(t, answer, domain.CodeInvalidEnumValue)
		h.requireConsents()
	})
}

func TestBinding_ContinueAsNewCarriesAPendingConsent(t *testing.T) {
	// A run continued with the pending consent and its due instant lapses
	// at that instant, not 30 days after the new run started.
	h := newHarness(t)
	start := t0.Add(10 * day)
	h.env.SetStartTime(start)
	in := adultInput()
	in.State = &BindingState{Status: domain.BindingAwaitingDocuments, Consent: domain.ConsentPending,
		ConsentDueAt: t0.Add(ConsentWithin), AwaitingSince: start, DocumentIDs: []string{"doc-1"}, EventSeq: 3}
	h.run(in)
	h.requireCompleted()

	h.requireTransitions(transition(4, fromLive, domain.BindingLapsed, "lapsed", "system", "no consent within 30 days", t0.Add(30*day)))
}

func TestBinding_ImportedPendingConsentWithoutItsDueInstantLapsesThirtyDaysAfterTheRequest(t *testing.T) {
	h := newHarness(t)
	h.env.SetStartTime(t0.Add(day))
	in := adultInput()
	in.State = &BindingState{Status: domain.BindingUnderReview, Consent: domain.ConsentPending, DocumentIDs: []string{"doc-1"}, EventSeq: 1}
	h.at(29*day-time.Second, func() { require.Equal(t, domain.BindingUnderReview, h.state().Status) })
	h.run(in)
	h.requireCompleted()

	h.requireTransitions(transition(2, fromLive, domain.BindingLapsed, "lapsed", "system", "no consent within 30 days", t0.Add(30*day)))
}
