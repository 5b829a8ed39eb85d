package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// The binding requested at t0 (10:00 Beijing time on the run's day, see
// testDay) is "b1".
var t0 = onTestDay(10, 0)

// day0 is t0's date; the tests' other dates are days after it.
var day0 = domain.DateOf(t0)

const (
	day       = 24 * time.Hour
	bindingID = "b1"
)

var (
	holderActor   = Actor{Role: domain.RoleInsured, Subject: "652701198001010011"}
	reviewerActor = Actor{Role: domain.RoleReviewer, Subject: "reviewer-7"}
	syncActor     = Actor{Role: domain.RoleAdmin, Subject: "core-sync"}
)

// harness runs one BindingLifecycle in the SDK's test environment with
// every activity mocked and recorded.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu sync.Mutex
	// log is every successful activity call in order: "transition <key>",
	// "terms <key>", "consent <key>", "notice <kind> <dedup key>".
	log          []string
	transitions  []domain.BindingTransition
	termsChanges []domain.TermsChange
	consents     []domain.ConsentAnswer
	notices      []sentNotice
	// attempts counts calls (failed ones included) by "transition <key>",
	// "terms <key>" and "notice <dedup key>".
	attempts map[string]int
	// statuses are the BindingStatus search attribute values upserted.
	statuses  []string
	relations []string
	timers    []time.Time

	failTransition func(tr domain.BindingTransition, attempt int) error
	failNotice     func(n domain.BindingNotice, attempt int) error

	nextUpdate int
	// scheduled and ran count the delayed callbacks; every one must run
	// before the workflow ends, or its assertions were skipped.
	scheduled, ran int
	// approval is the review update sent by approvedBy.
	approval *updateOutcome
}

type sentNotice struct {
	domain.BindingNotice
	At time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	var ts testsuite.WorkflowTestSuite
	h := &harness{t: t, env: ts.NewTestWorkflowEnvironment(), attempts: map[string]int{}}
	env := h.env
	env.SetStartTime(t0)
	env.RegisterWorkflow(BindingLifecycle)
	stub(env, ActivityRecordTransition,
		func(_ context.Context, tr domain.BindingTransition) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.attempts["transition "+tr.EventKey]++
			if h.failTransition != nil {
				if err := h.failTransition(tr, h.attempts["transition "+tr.EventKey]); err != nil {
					return err
				}
			}
			h.transitions = append(h.transitions, tr)
			h.log = append(h.log, "transition "+tr.EventKey)
			return nil
		})
	stub(env, ActivityRecordTerms,
		func(_ context.Context, c domain.TermsChange) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.attempts["terms "+c.EventKey]++
			h.termsChanges = append(h.termsChanges, c)
			h.log = append(h.log, "terms "+c.EventKey)
			return nil
		})
	stub(env, ActivityRecordConsent,
		func(_ context.Context, c domain.ConsentAnswer) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.attempts["consent "+c.EventKey]++
			h.consents = append(h.consents, c)
			h.log = append(h.log, "consent "+c.EventKey)
			return nil
		})
	stub(env, ActivityNotifyHolder,
		func(_ context.Context, n domain.BindingNotice) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.attempts["notice "+n.DedupKey]++
			if h.failNotice != nil {
				if err := h.failNotice(n, h.attempts["notice "+n.DedupKey]); err != nil {
					return err
				}
			}
			h.notices = append(h.notices, sentNotice{BindingNotice: n, At: env.Now()})
			h.log = append(h.log, fmt.Sprintf("notice %s %s", n.Kind, n.DedupKey))
			return nil
		})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		status, _ := sa.GetKeyword(BindingStatusKey)
		relation, _ := sa.GetKeyword(BindingRelationKey)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.statuses = append(h.statuses, status)
		h.relations = append(h.relations, relation)
	}).Return()
	env.SetOnTimerScheduledListener(func(string, time.Duration) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.timers = append(h.timers, env.Now())
	})
	return h
}

func input(terms domain.Terms) BindingInput {
	return BindingInput{BindingID: bindingID, Relation: domain.RelationChild, Terms: terms, RequestedAt: t0}
}

// at runs f when the workflow clock reaches t0+d.
func (h *harness) at(d time.Duration, f func()) {
	h.scheduled++
	h.env.RegisterDelayedCallback(func() { h.ran++; f() }, d)
}

func (h *harness) run(in BindingInput) {
	h.t.Helper()
	h.env.ExecuteWorkflow(BindingLifecycle, in)
	require.True(h.t, h.env.IsWorkflowCompleted(), "the workflow did not finish")
	require.Equal(h.t, h.scheduled, h.ran, "the workflow ended before every scripted step ran")
}

// requireCompleted checks the workflow ended without error.
func (h *harness) requireCompleted() {
	h.t.Helper()
	require.NoError(h.t, h.env.GetWorkflowError())
}

type updateOutcome struct {
	accepted, rejected, completed bool
	at                            time.Time
	err                           error
}

func (h *harness) update(name string, arg any) *updateOutcome {
	h.nextUpdate++
	u := &updateOutcome{}
	h.env.UpdateWorkflow(name, fmt.Sprintf("update-%d", h.nextUpdate), &testsuite.TestUpdateCallback{
		OnAccept: func() { u.accepted = true },
		OnReject: func(err error) { u.rejected, u.err = true, err },
		OnComplete: func(_ any, err error) {
			u.completed, u.err, u.at = true, err, h.env.Now()
		},
	}, arg)
	return u
}

func (h *harness) document(id string) *updateOutcome {
	return h.update(UpdateAddDocument, DocumentAdded{DocumentID: id})
}

func (h *harness) submit() *updateOutcome {
	return h.update(UpdateSubmit, SubmitRequest{By: holderActor})
}

func (h *harness) review(d domain.ReviewDecision, reason string) *updateOutcome {
	return h.update(UpdateReview, ReviewRequest{By: reviewerActor, Decision: d, Reason: reason})
}

func (h *harness) changeTerms(terms domain.Terms) *updateOutcome {
	return h.update(UpdateChangeTerms, TermsRequest{By: holderActor, Terms: terms})
}

func (h *harness) unbind(reason string) *updateOutcome {
	return h.update(UpdateUnbind, UnbindRequest{By: holderActor, Reason: reason})
}

func (h *harness) terminate(reason string) {
	h.env.SignalWorkflow(SignalTerminate, Termination{Reason: reason, By: syncActor})
}

func (h *harness) state() BindingState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryBindingState)
	require.NoError(h.t, err)
	var st BindingState
	require.NoError(h.t, v.Get(&st))
	return st
}

// approvedBy runs the happy path up to approval: a document at +1h, the
// submission at +2h and the approval at +1 day.
func (h *harness) approvedBy() {
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { require.NoError(h.t, h.submit().err) })
	h.at(day, func() { h.approval = h.review(domain.DecisionApprove, "proof checked") })
}

func (h *harness) snapshot() (log []string, trs []domain.BindingTransition, notices []sentNotice) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...), append([]domain.BindingTransition(nil), h.transitions...), append([]sentNotice(nil), h.notices...)
}

func (h *harness) requireLog(want ...string) {
	h.t.Helper()
	log, _, _ := h.snapshot()
	require.Equal(h.t, want, log)
}

func (h *harness) requireTransitions(want ...domain.BindingTransition) {
	h.t.Helper()
	_, got, _ := h.snapshot()
	require.Equal(h.t, normTransitions(want), normTransitions(got))
}

func (h *harness) requireNotices(want ...sentNotice) {
	h.t.Helper()
	_, _, got := h.snapshot()
	norm := func(ns []sentNotice) []sentNotice {
		out := make([]sentNotice, len(ns))
		for i, n := range ns {
			n.At = n.At.UTC()
			out[i] = n
		}
		return out
	}
	require.Equal(h.t, norm(want), norm(got))
}

func normTransitions(ts []domain.BindingTransition) []domain.BindingTransition {
	out := make([]domain.BindingTransition, len(ts))
	for i, t := range ts {
		t.At = t.At.UTC()
		out[i] = t
	}
	return out
}

func key(seq int, event string) string { return fmt.Sprintf("%s:%d:%s", bindingID, seq, event) }

var (
	fromAwaiting = []domain.BindingStatus{domain.BindingAwaitingDocuments}
	fromReview   = []domain.BindingStatus{domain.BindingUnderReview}
	fromLive     = domain.LiveBindingStatuses
)

func transition(seq int, from []domain.BindingStatus, to domain.BindingStatus, event, by, reason string, at time.Time) domain.BindingTransition {
	return domain.BindingTransition{
		BindingID: bindingID, From: from, To: to, Event: event, By: by, Reason: reason,
		At: at, EventKey: key(seq, event),
	}
}

func submitted(seq int, at time.Time) domain.BindingTransition {
	return transition(seq, fromAwaiting, domain.BindingUnderReview, "submitted", holderActor.String(), "", at)
}

func approved(seq int, at time.Time) domain.BindingTransition {
	return transition(seq, fromReview, domain.BindingActive, "approved", reviewerActor.String(), "proof checked", at)
}

func unbound(seq int, reason string, at time.Time) domain.BindingTransition {
	return transition(seq, fromLive, domain.BindingUnbound, "unbound", holderActor.String(), reason, at)
}

func notice(kind domain.NoticeKind, reason, dedup string, at time.Time) sentNotice {
	return sentNotice{BindingNotice: domain.BindingNotice{BindingID: bindingID, Kind: kind, Reason: reason, DedupKey: dedup}, At: at}
}

func requireAt(t *testing.T, want, got time.Time) {
	t.Helper()
	require.True(t, want.Equal(got), "want %s, got %s", want.UTC(), got.UTC())
}

func requireCode(t *testing.T, err error, code domain.Code) {
	t.Helper()
	require.Error(t, err)
	de, ok := temporalerr.ToDomain(err)
	require.True(t, ok, "not a domain error: %v", err)
	require.Equal(t, code, de.Code, "error: %v", err)
}

func requireRejected(t *testing.T, u *updateOutcome, code domain.Code) {
	t.Helper()
	require.True(t, u.rejected, "update was not rejected")
	require.False(t, u.accepted, "a rejected update must not be accepted")
	requireCode(t, u.err, code)
}

func requireSucceeded(t *testing.T, u *updateOutcome) {
	t.Helper()
	require.True(t, u.accepted, "update was not accepted: %v", u.err)
	require.True(t, u.completed, "update did not complete")
	require.NoError(t, u.err)
}

func validUntil(d domain.Date) domain.Terms { return domain.Terms{ValidUntil: d} }

// --- review ---------------------------------------------------------------

func TestBinding_ApproveMakesActiveAtOnce(t *testing.T) {
	h := newHarness(t)
	var doc, submit, approve, unbind *updateOutcome
	h.at(time.Hour, func() { doc = h.document("doc-1") })
	h.at(2*time.Hour, func() {
		require.Equal(t, []string{"doc-1"}, h.state().DocumentIDs)
		submit = h.submit()
	})
	h.at(3*time.Hour, func() { require.Equal(t, domain.BindingUnderReview, h.state().Status) })
	h.at(day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(day+time.Minute, func() {
		require.Equal(t, domain.BindingActive, h.state().Status)
		h.requireLog("transition "+key(1, "submitted"), "transition "+key(2, "approved"),
			"notice binding_approved "+key(2, "approved"))
	})
	// Long-term: nothing happens on its own; the binding is still active
	// more than a year later.
	h.at(400*day, func() {
		require.False(t, h.env.IsWorkflowCompleted())
		require.Equal(t, domain.BindingActive, h.state().Status)
		unbind = h.unbind("no longer needed")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, doc)
	requireSucceeded(t, submit)
	requireSucceeded(t, approve)
	requireSucceeded(t, unbind)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		unbound(3, "no longer needed", t0.Add(400*day)),
	)
	h.requireNotices(notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)))
	// The only timer ever started was the lapse timer while awaiting
	// documents: a long-term binding keeps no timer.
	for _, at := range h.timers {
		require.True(t, at.Before(t0.Add(day)), "timer started at %s after approval", at)
	}
}

func TestBinding_RejectEndsTheBinding(t *testing.T) {
	h := newHarness(t)
	var reject *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { reject = h.review(domain.DecisionReject, "not the holder's child") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, reject)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		transition(2, fromReview, domain.BindingRejected, "rejected", reviewerActor.String(), "not the holder's child", t0.Add(day)),
	)
	h.requireNotices(notice(domain.NoticeBindingRejected, "not the holder's child", key(2, "rejected"), t0.Add(day)))
	requireAt(t, t0.Add(day), h.env.Now())
}

func TestBinding_RequestDocumentsRestartsTheLapseClock(t *testing.T) {
	h := newHarness(t)
	var request, resubmit, approve *updateOutcome
	h.at(day, func() { h.document("doc-1") })
	h.at(2*day, func() { h.submit() })
	h.at(20*day, func() { request = h.review(domain.DecisionRequestDocuments, "birth certificate needed") })
	h.at(20*day+time.Minute, func() {
		st := h.state()
		require.Equal(t, domain.BindingAwaitingDocuments, st.Status)
		require.True(t, st.AwaitingSince.Equal(t0.Add(20*day)), "AwaitingSince %s", st.AwaitingSince)
	})
	// 30 days after the first upload, but only 25 after the request: no lapse.
	h.at(45*day, func() {
		require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status)
		h.document("doc-2")
	})
	h.at(45*day+time.Minute, func() {
		st := h.state()
		require.Equal(t, []string{"doc-1", "doc-2"}, st.DocumentIDs)
		require.True(t, st.AwaitingSince.Equal(t0.Add(45*day)), "AwaitingSince %s", st.AwaitingSince)
	})
	// 30 days after the request but only 5 after the new upload: still no lapse.
	h.at(50*day+time.Hour, func() {
		require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status)
		resubmit = h.submit()
	})
	h.at(51*day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(100*day, func() { h.unbind("") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, request)
	requireSucceeded(t, resubmit)
	requireSucceeded(t, approve)
	h.requireTransitions(
		submitted(1, t0.Add(2*day)),
		transition(2, fromReview, domain.BindingAwaitingDocuments, "documents_requested", reviewerActor.String(), "birth certificate needed", t0.Add(20*day)),
		submitted(3, t0.Add(50*day+time.Hour)),
		approved(4, t0.Add(51*day)),
		unbound(5, "", t0.Add(100*day)),
	)
	h.requireNotices(
		notice(domain.NoticeBindingDocumentsRequired, "birth certificate needed", key(2, "documents_requested"), t0.Add(20*day)),
		notice(domain.NoticeBindingApproved, "proof checked", key(4, "approved"), t0.Add(51*day)),
	)
}

func TestBinding_LapsesThirtyDaysAfterDocumentsWereRequested(t *testing.T) {
	h := newHarness(t)
	h.at(day, func() { h.document("doc-1") })
	h.at(2*day, func() { h.submit() })
	h.at(20*day, func() { h.review(domain.DecisionRequestDocuments, "illegible") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	lapsedAt := t0.Add(50 * day)
	h.requireTransitions(
		submitted(1, t0.Add(2*day)),
		transition(2, fromReview, domain.BindingAwaitingDocuments, "documents_requested", reviewerActor.String(), "illegible", t0.Add(20*day)),
		transition(3, fromLive, domain.BindingLapsed, "lapsed", "system", "no documents for 30 days", lapsedAt),
	)
	h.requireNotices(
		notice(domain.NoticeBindingDocumentsRequired, "illegible", key(2, "documents_requested"), t0.Add(20*day)),
		notice(domain.NoticeBindingLapsed, "no documents for 30 days", key(3, "lapsed"), lapsedAt),
	)
}

func TestBinding_SubmitWithoutDocumentsIsRefused(t *testing.T) {
	h := newHarness(t)
	var submit *updateOutcome
	h.at(time.Hour, func() { submit = h.submit() })
	h.at(2*time.Hour, func() {
		require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status)
		h.requireLog() // nothing recorded, nothing sent
		h.unbind("changed my mind")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, submit, domain.CodeDocumentsRequired)
	h.requireTransitions(unbound(1, "changed my mind", t0.Add(2*time.Hour)))
	h.requireNotices()
}

func TestBinding_ReviewWhileAwaitingDocumentsIsRefused(t *testing.T) {
	h := newHarness(t)
	var approve *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { approve = h.review(domain.DecisionApprove, "looks fine") })
	h.at(3*time.Hour, func() {
		require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status)
		h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, approve, domain.CodeBindingWrongState)
	de, _ := temporalerr.ToDomain(approve.err)
	require.Equal(t, map[string]any{"status": "awaiting_documents"}, de.Details)
	h.requireTransitions(unbound(1, "", t0.Add(3*time.Hour)))
	h.requireNotices()
}

func TestBinding_ApproveAfterTheValidityEndIsRefused(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(1)
	// 00:01 in Beijing the day after until, still until in UTC.
	pastEnd := midnightAfter(until).Add(time.Minute).Sub(t0)
	var approve, reject *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(pastEnd, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(pastEnd+time.Minute, func() {
		require.Equal(t, domain.BindingUnderReview, h.state().Status)
		reject = h.review(domain.DecisionReject, "validity ended before review")
	})
	h.run(input(validUntil(until)))
	h.requireCompleted()

	requireRejected(t, approve, domain.CodeValidUntilInPast)
	requireSucceeded(t, reject)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		transition(2, fromReview, domain.BindingRejected, "rejected", reviewerActor.String(), "validity ended before review", t0.Add(pastEnd+time.Minute)),
	)
	h.requireNotices(notice(domain.NoticeBindingRejected, "validity ended before review", key(2, "rejected"), t0.Add(pastEnd+time.Minute)))
}

func TestBinding_ApproveOnTheLastValidDayIsAllowed(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(1)
	expiry := midnightAfter(until)
	lastMinute := expiry.Add(-time.Minute).Sub(t0)
	var approve *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(lastMinute, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.run(input(validUntil(until)))
	h.requireCompleted()

	requireSucceeded(t, approve)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(lastMinute)),
		transition(3, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+until.String(), expiry),
	)
}

// --- lapse ----------------------------------------------------------------

func TestBinding_LapsesThirtyDaysAfterRequestWithoutDocuments(t *testing.T) {
	h := newHarness(t)
	h.at(30*day-time.Second, func() { require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status) })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	lapsedAt := t0.Add(30 * day)
	h.requireTransitions(transition(1, fromLive, domain.BindingLapsed, "lapsed", "system", "no documents for 30 days", lapsedAt))
	h.requireNotices(notice(domain.NoticeBindingLapsed, "no documents for 30 days", key(1, "lapsed"), lapsedAt))
	requireAt(t, lapsedAt, h.env.Now())
}

func TestBinding_DocumentPushesTheLapseBack(t *testing.T) {
	h := newHarness(t)
	h.at(29*day, func() { h.document("doc-1") })
	h.at(30*day+time.Hour, func() { require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status) })
	h.at(59*day-time.Second, func() { require.Equal(t, domain.BindingAwaitingDocuments, h.state().Status) })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	lapsedAt := t0.Add(59 * day)
	h.requireTransitions(transition(1, fromLive, domain.BindingLapsed, "lapsed", "system", "no documents for 30 days", lapsedAt))
	h.requireNotices(notice(domain.NoticeBindingLapsed, "no documents for 30 days", key(1, "lapsed"), lapsedAt))
}

// --- expiry ---------------------------------------------------------------

func TestBinding_RemindsSevenDaysBeforeAndExpiresAtEndOfValidityBeijingTime(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(121)
	expiry := time.Date(until.Year, until.Month, until.Day, 16, 0, 0, 0, time.UTC) // the next day's 00:00 in Beijing
	require.True(t, until.End().Equal(expiry))
	reminder := expiry.Add(-7 * day)
	h.approvedBy()
	h.at(reminder.Sub(t0)-time.Second, func() {
		_, _, ns := h.snapshot()
		require.Len(t, ns, 1, "no reminder before %s", reminder)
	})
	h.at(expiry.Sub(t0)-time.Second, func() { require.Equal(t, domain.BindingActive, h.state().Status) })
	h.run(input(validUntil(until)))
	h.requireCompleted()

	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(3, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+until.String(), expiry),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+until.String(), reminder),
		notice(domain.NoticeBindingExpired, "validity ended "+until.String(), key(3, "expired"), expiry),
	)
	requireAt(t, expiry, h.env.Now())
}

func TestBinding_ShortValidityRemindsAtApproval(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(4) // approval on day0+1, less than 7 days before
	expiry := midnightAfter(until)
	h.approvedBy()
	h.run(input(validUntil(until)))
	h.requireCompleted()

	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(3, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+until.String(), expiry),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+until.String(), t0.Add(day)),
		notice(domain.NoticeBindingExpired, "validity ended "+until.String(), key(3, "expired"), expiry),
	)
}

func TestBinding_ExtensionRearmsTheExpiry(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(121)
	extended := until.AddDays(60)
	require.Equal(t, domain.DateOf(time.Date(until.Year, until.Month, until.Day+60, 12, 0, 0, 0, domain.Beijing)), extended)
	limit := domain.MustAmount("500.00")
	newTerms := domain.Terms{AnnualLimit: &limit, ValidUntil: extended}
	var change *updateOutcome
	h.approvedBy()
	// After the first reminder (6 days before until) and before the first expiry.
	changedAt := until.AddDays(-3).Start().Add(9 * time.Hour)
	h.at(changedAt.Sub(t0), func() { change = h.changeTerms(newTerms) })
	h.at(until.End().Sub(t0)+time.Hour, func() {
		st := h.state()
		require.Equal(t, domain.BindingActive, st.Status)
		require.Equal(t, extended, st.Terms.ValidUntil)
		require.Equal(t, "500.00", st.Terms.AnnualLimit.String())
	})
	h.run(input(validUntil(until)))
	h.requireCompleted()

	requireSucceeded(t, change)
	h.mu.Lock()
	require.Len(t, h.termsChanges, 1)
	c := h.termsChanges[0]
	h.mu.Unlock()
	require.Equal(t, bindingID, c.BindingID)
	require.Equal(t, key(3, "terms_changed"), c.EventKey)
	require.Equal(t, holderActor.String(), c.By)
	require.True(t, c.At.Equal(changedAt))
	require.Equal(t, extended, c.Terms.ValidUntil)
	require.Equal(t, "500.00", c.Terms.AnnualLimit.String())

	expiry := extended.End()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(4, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+extended.String(), expiry),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+until.String(), until.End().Add(-7*day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+extended.String(), expiry.Add(-7*day)),
		notice(domain.NoticeBindingExpired, "validity ended "+extended.String(), key(4, "expired"), expiry),
	)
	h.requireLog(
		"transition "+key(1, "submitted"),
		"transition "+key(2, "approved"),
		"notice binding_approved "+key(2, "approved"),
		"notice binding_expiring "+bindingID+":reminder:"+until.String(),
		"terms "+key(3, "terms_changed"),
		"notice binding_expiring "+bindingID+":reminder:"+extended.String(),
		"transition "+key(4, "expired"),
		"notice binding_expired "+key(4, "expired"),
	)
}

func TestBinding_ShorteningRearmsAnEarlierExpiry(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(305)
	shorter := day0.AddDays(60)
	h.approvedBy()
	h.at(10*day, func() { h.changeTerms(validUntil(shorter)) })
	h.run(input(validUntil(until)))
	h.requireCompleted()

	expiry := shorter.End()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(4, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+shorter.String(), expiry),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+shorter.String(), expiry.Add(-7*day)),
		notice(domain.NoticeBindingExpired, "validity ended "+shorter.String(), key(4, "expired"), expiry),
	)
	requireAt(t, expiry, h.env.Now())
}

// imported is an active binding started with its state, as an import of
// existing bindings does, due to expire at the given instant.
func imported(until domain.Date, expiresAt time.Time) BindingInput {
	in := input(validUntil(until))
	in.State = &BindingState{
		Status: domain.BindingActive, Terms: in.Terms, ExpiresAt: expiresAt,
		ReminderSentFor: until, EventSeq: 5,
	}
	return in
}

func TestBinding_ImportedStateExpiresAtItsInstant(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(305)
	expiresAt := t0.Add(2 * time.Hour)
	h.run(imported(until, expiresAt))
	h.requireCompleted()

	h.requireTransitions(transition(6, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+until.String(), expiresAt))
	h.requireNotices(notice(domain.NoticeBindingExpired, "validity ended "+until.String(), key(6, "expired"), expiresAt))
	requireAt(t, expiresAt, h.env.Now())
}

func TestBinding_ChangeOfTermsReplacesAnImportedExpiry(t *testing.T) {
	h := newHarness(t)
	shorter := day0.AddDays(60)
	h.at(time.Hour, func() { h.changeTerms(validUntil(shorter)) })
	h.run(imported(day0.AddDays(305), t0.Add(2*time.Hour)))
	h.requireCompleted()

	expiry := shorter.End()
	h.requireTransitions(transition(7, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+shorter.String(), expiry))
	requireAt(t, expiry, h.env.Now())
}

// --- change of terms ------------------------------------------------------

func TestBinding_ChangeTermsToAPastDateIsRefused(t *testing.T) {
	h := newHarness(t)
	var past, today *updateOutcome
	h.approvedBy()
	h.at(10*day, func() {
		yesterday := domain.DateOf(h.env.Now()).AddDays(-1)
		past = h.changeTerms(validUntil(yesterday))
	})
	h.at(10*day+time.Minute, func() {
		require.Equal(t, domain.Terms{}, h.state().Terms)
		// The last valid day may be today.
		today = h.changeTerms(validUntil(domain.DateOf(h.env.Now())))
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, past, domain.CodeValidUntilInPast)
	requireSucceeded(t, today)
	h.mu.Lock()
	require.Len(t, h.termsChanges, 1, "the refused change must not be recorded")
	h.mu.Unlock()
	// The day of the change (day0+10) ends at midnight Beijing time.
	changedOn := day0.AddDays(10)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(4, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+changedOn.String(),
			midnightAfter(changedOn)),
	)
}

func TestBinding_ChangeTermsOnAnEndedBindingIsRefused(t *testing.T) {
	h := newHarness(t)
	// The rejection notice fails once, so the workflow is still running
	// (with the binding rejected) until the retry a second later.
	h.failNotice = func(n domain.BindingNotice, attempt int) error {
		if n.Kind == domain.NoticeBindingRejected && attempt == 1 {
			return errors.New("notifier down")
		}
		return nil
	}
	var change, unbind *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { h.review(domain.DecisionReject, "no proof") })
	h.at(day+500*time.Millisecond, func() {
		require.False(t, h.env.IsWorkflowCompleted())
		require.Equal(t, domain.BindingRejected, h.state().Status)
		change = h.changeTerms(validUntil(day0.AddDays(305)))
		unbind = h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, change, domain.CodeBindingWrongState)
	requireRejected(t, unbind, domain.CodeBindingWrongState)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		transition(2, fromReview, domain.BindingRejected, "rejected", reviewerActor.String(), "no proof", t0.Add(day)),
	)
	h.mu.Lock()
	require.Empty(t, h.termsChanges)
	h.mu.Unlock()
}

// The API's clock may be past the validity end before the workflow's
// timer fires: the binding is expired at the request's instant, and new
// terms, which would revive it, are refused. The timer still ends it and
// tells the holder.
func TestBinding_ChangeTermsPastTheValidityEndOnTheCallersClockIsRefused(t *testing.T) {
	h := newHarness(t)
	until := day0.AddDays(121)
	expiry := until.End()
	var revive, lastDay *updateOutcome
	h.approvedBy()
	h.at(10*day, func() {
		revive = h.update(UpdateChangeTerms, TermsRequest{By: holderActor, Terms: validUntil(until.AddDays(365)), At: expiry})
		lastDay = h.update(UpdateChangeTerms, TermsRequest{By: holderActor, Terms: validUntil(until), At: expiry.Add(-time.Nanosecond)})
	})
	h.run(input(validUntil(until)))
	h.requireCompleted()

	requireRejected(t, revive, domain.CodeBindingWrongState)
	de, _ := temporalerr.ToDomain(revive.err)
	require.Equal(t, map[string]any{"status": "expired"}, de.Details)
	requireSucceeded(t, lastDay)
	h.mu.Lock()
	require.Len(t, h.termsChanges, 1, "the refused change must not be recorded")
	h.mu.Unlock()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(4, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+until.String(), expiry),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingExpiring, "", bindingID+":reminder:"+until.String(), expiry.Add(-7*day)),
		notice(domain.NoticeBindingExpired, "validity ended "+until.String(), key(4, "expired"), expiry),
	)
}

// --- unbind and termination -----------------------------------------------

func TestBinding_UnbindWhileActiveEndsAtOnce(t *testing.T) {
	h := newHarness(t)
	var unbind *updateOutcome
	h.approvedBy()
	h.at(10*day, func() { unbind = h.unbind("moved abroad") })
	h.run(input(validUntil(day0.AddDays(365))))
	h.requireCompleted()

	requireSucceeded(t, unbind)
	requireAt(t, t0.Add(10*day), unbind.at)
	requireAt(t, t0.Add(10*day), h.env.Now())
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		unbound(3, "moved abroad", t0.Add(10*day)),
	)
	h.requireNotices(notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)))
}

func TestBinding_UnbindWhileAwaitingDocuments(t *testing.T) {
	h := newHarness(t)
	var unbind *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(3*day, func() { unbind = h.unbind("") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, unbind)
	h.requireTransitions(unbound(1, "", t0.Add(3*day)))
	h.requireNotices()
	requireAt(t, t0.Add(3*day), h.env.Now())
}

func TestBinding_TerminationEndsWithItsReasonAndActor(t *testing.T) {
	h := newHarness(t)
	h.approvedBy()
	h.at(10*day, func() {
		h.terminate("holder deceased")
		h.terminate("beneficiary lost cover") // a second termination does nothing
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(3, fromLive, domain.BindingTerminated, "terminated", syncActor.String(), "holder deceased", t0.Add(10*day)),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingTerminated, "holder deceased", key(3, "terminated"), t0.Add(10*day)),
	)
}

func TestBinding_TerminationAfterTheEndDoesNothing(t *testing.T) {
	h := newHarness(t)
	// The termination notice fails once, keeping the ended workflow alive
	// for a second termination.
	h.failNotice = func(n domain.BindingNotice, attempt int) error {
		if n.Kind == domain.NoticeBindingTerminated && attempt == 1 {
			return errors.New("notifier down")
		}
		return nil
	}
	h.approvedBy()
	h.at(10*day, func() { h.terminate("holder deceased") })
	h.at(10*day+500*time.Millisecond, func() {
		require.False(t, h.env.IsWorkflowCompleted())
		require.Equal(t, domain.BindingTerminated, h.state().Status)
		h.terminate("again")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(3, fromLive, domain.BindingTerminated, "terminated", syncActor.String(), "holder deceased", t0.Add(10*day)),
	)
	h.requireNotices(
		notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)),
		notice(domain.NoticeBindingTerminated, "holder deceased", key(3, "terminated"), t0.Add(10*day+time.Second)),
	)
}

func TestBinding_TerminationDuringUnbindDoesNothing(t *testing.T) {
	h := newHarness(t)
	var unbind *updateOutcome
	h.approvedBy()
	h.at(10*day, func() {
		unbind = h.unbind("moved abroad")
		h.terminate("holder deceased")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, unbind)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		unbound(3, "moved abroad", t0.Add(10*day)),
	)
	h.requireNotices(notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day)))
}

func TestBinding_TerminationWhileAwaitingDocuments(t *testing.T) {
	h := newHarness(t)
	h.at(5*day, func() { h.terminate("beneficiary lost cover") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	h.requireTransitions(transition(1, fromLive, domain.BindingTerminated, "terminated", syncActor.String(), "beneficiary lost cover", t0.Add(5*day)))
	h.requireNotices(notice(domain.NoticeBindingTerminated, "beneficiary lost cover", key(1, "terminated"), t0.Add(5*day)))
}

// --- duplicates -----------------------------------------------------------

func TestBinding_DuplicateDocumentKeepsOneDocument(t *testing.T) {
	h := newHarness(t)
	var first, again *updateOutcome
	h.at(day, func() { first = h.document("doc-1") })
	h.at(10*day, func() { again = h.document("doc-1") })
	h.at(10*day+time.Minute, func() {
		st := h.state()
		require.Equal(t, []string{"doc-1"}, st.DocumentIDs)
		require.True(t, st.AwaitingSince.Equal(t0.Add(day)), "the duplicate must not restart the lapse clock: %s", st.AwaitingSince)
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, first)
	requireSucceeded(t, again) // a retried upload is not an error
	// Lapses 30 days after the first upload, not after the duplicate.
	lapsedAt := t0.Add(31 * day)
	h.requireTransitions(transition(1, fromLive, domain.BindingLapsed, "lapsed", "system", "no documents for 30 days", lapsedAt))
	h.requireNotices(notice(domain.NoticeBindingLapsed, "no documents for 30 days", key(1, "lapsed"), lapsedAt))
}

func TestBinding_DuplicateSubmitIsRefused(t *testing.T) {
	h := newHarness(t)
	var first, second *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { first = h.submit() })
	h.at(3*time.Hour, func() { second = h.submit() })
	h.at(4*time.Hour, func() { h.unbind("") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, first)
	requireRejected(t, second, domain.CodeBindingWrongState)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		unbound(2, "", t0.Add(4*time.Hour)),
	)
	h.requireNotices()
}

func TestBinding_DocumentAfterSubmissionIsRefused(t *testing.T) {
	h := newHarness(t)
	var late *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(3*time.Hour, func() { late = h.document("doc-2") })
	h.at(4*time.Hour, func() {
		require.Equal(t, []string{"doc-1"}, h.state().DocumentIDs)
		h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, late, domain.CodeBindingWrongState)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		unbound(2, "", t0.Add(4*time.Hour)),
	)
}

func TestBinding_ResubmitAfterRequestNeedsANewDocument(t *testing.T) {
	h := newHarness(t)
	var early, again, resubmit *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { h.review(domain.DecisionRequestDocuments, "illegible") })
	h.at(day+time.Hour, func() { early = h.submit() })
	h.at(day+2*time.Hour, func() { again = h.document("doc-1") }) // the old one again
	h.at(day+3*time.Hour, func() {
		require.Equal(t, 1, h.state().DocumentsAtRequest)
		h.document("doc-2")
	})
	h.at(day+4*time.Hour, func() { resubmit = h.submit() })
	h.at(2*day, func() { h.unbind("") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireRejected(t, early, domain.CodeDocumentsRequired)
	requireSucceeded(t, again)
	requireSucceeded(t, resubmit)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		transition(2, fromReview, domain.BindingAwaitingDocuments, "documents_requested", reviewerActor.String(), "illegible", t0.Add(day)),
		submitted(3, t0.Add(day+4*time.Hour)),
		unbound(4, "", t0.Add(2*day)),
	)
}

// --- continue-as-new ------------------------------------------------------

// carriedUntil is the last valid day of the binding in the continue-as-new
// tests, and continuedAt is when their first run is asked to continue as
// new (09:00, four days before): after a round of "more documents", the
// approval, a change of the limit and the reminder for carriedUntil.
var (
	carriedUntil = day0.AddDays(121)
	continuedAt  = carriedUntil.AddDays(-4).Start().Add(9 * time.Hour)
)

// runUntilContinueAsNew runs a binding valid until carriedUntil until the
// server suggests continuing as new, and returns the next run's input.
func runUntilContinueAsNew(t *testing.T) (*harness, BindingInput) {
	h := newHarness(t)
	limit := domain.MustAmount("800.00")
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { h.review(domain.DecisionRequestDocuments, "illegible") })
	h.at(2*day, func() { h.document("doc-2") })
	h.at(2*day+time.Hour, func() { h.submit() })
	h.at(3*day, func() { h.review(domain.DecisionApprove, "proof checked") })
	h.at(5*day, func() {
		h.changeTerms(domain.Terms{AnnualLimit: &limit, ValidUntil: carriedUntil})
	})
	h.at(continuedAt.Sub(t0), func() {
		h.env.SetContinueAsNewSuggested(true)
		h.env.SignalWorkflow("wake", nil) // the suggestion comes with a workflow task
	})
	h.env.ExecuteWorkflow(BindingLifecycle, input(validUntil(carriedUntil)))
	require.True(t, h.env.IsWorkflowCompleted())
	require.Equal(t, h.scheduled, h.ran)

	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	require.Equal(t, BindingWorkflowName, can.WorkflowType.Name)
	var next BindingInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return h, next
}

func TestBinding_ContinueAsNewCarriesTheState(t *testing.T) {
	h, next := runUntilContinueAsNew(t)
	requireAt(t, continuedAt, h.env.Now())

	require.Equal(t, bindingID, next.BindingID)
	require.Equal(t, domain.RelationChild, next.Relation)
	require.True(t, next.RequestedAt.Equal(t0))
	require.NotNil(t, next.State)
	st := *next.State
	require.Equal(t, domain.BindingActive, st.Status)
	require.Equal(t, []string{"doc-1", "doc-2"}, st.DocumentIDs)
	require.Equal(t, 1, st.DocumentsAtRequest)
	require.Equal(t, carriedUntil, st.Terms.ValidUntil)
	require.Equal(t, "800.00", st.Terms.AnnualLimit.String())
	require.Equal(t, carriedUntil, st.ReminderSentFor)
	require.Equal(t, 5, st.EventSeq)
	h.requireLog(
		"transition "+key(1, "submitted"),
		"transition "+key(2, "documents_requested"),
		"notice binding_documents_required "+key(2, "documents_requested"),
		"transition "+key(3, "submitted"),
		"transition "+key(4, "approved"),
		"notice binding_approved "+key(4, "approved"),
		"terms "+key(5, "terms_changed"),
		"notice binding_expiring "+bindingID+":reminder:"+carriedUntil.String(),
	)
}

func TestBinding_ContinuedRunResumesFromTheCarriedState(t *testing.T) {
	_, next := runUntilContinueAsNew(t)

	h := newHarness(t)
	h.env.SetStartTime(continuedAt)
	h.at(time.Hour, func() {
		st := h.state()
		require.Equal(t, domain.BindingActive, st.Status)
		require.Equal(t, []string{"doc-1", "doc-2"}, st.DocumentIDs)
		require.Equal(t, "800.00", st.Terms.AnnualLimit.String())
	})
	h.run(next)
	h.requireCompleted()

	expiry := midnightAfter(carriedUntil)
	// No second reminder; event keys go on from the carried sequence.
	h.requireTransitions(transition(6, fromLive, domain.BindingExpired, "expired", "system", "validity ended "+carriedUntil.String(), expiry))
	h.requireNotices(notice(domain.NoticeBindingExpired, "validity ended "+carriedUntil.String(), key(6, "expired"), expiry))
	h.mu.Lock()
	require.Equal(t, []string{"active", "expired"}, h.statuses)
	h.mu.Unlock()
}

func TestBinding_TerminationArrivingWithContinueAsNewIsNotLost(t *testing.T) {
	h := newHarness(t)
	h.approvedBy()
	// The signal and the server's suggestion come in the same workflow
	// task: the signal is delivered without a task of its own, and the
	// suggestion comes with the next one.
	h.at(10*day, func() {
		h.env.SignalWorkflowSkippingWorkflowTask(SignalTerminate, Termination{Reason: "holder deceased", By: syncActor})
	})
	h.at(10*day+time.Second, func() { h.env.SetContinueAsNewSuggested(true) })
	h.run(input(domain.Terms{}))
	// The termination is not part of the carried state: this run must
	// apply it rather than continue as new without it.
	h.requireCompleted()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		transition(3, fromLive, domain.BindingTerminated, "terminated", syncActor.String(), "holder deceased", t0.Add(10*day+time.Second)),
	)
}

// --- failures -------------------------------------------------------------

func TestBinding_RetryableRecordFailureIsRetriedAndAppliedOnce(t *testing.T) {
	h := newHarness(t)
	h.failTransition = func(tr domain.BindingTransition, attempt int) error {
		if tr.Event == "approved" && attempt == 1 {
			return errors.New("connection reset")
		}
		return nil
	}
	h.approvedBy()
	h.at(2*day, func() {
		require.Equal(t, domain.BindingActive, h.state().Status)
		h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, h.approval)

	h.mu.Lock()
	require.Equal(t, 2, h.attempts["transition "+key(2, "approved")], "the same event key is retried")
	h.mu.Unlock()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)), // the retry carries the original time
		unbound(3, "", t0.Add(2*day)),
	)
	h.requireNotices(notice(domain.NoticeBindingApproved, "proof checked", key(2, "approved"), t0.Add(day+time.Second)))
}

func TestBinding_WrongStateFromTheRecordFailsTheUpdate(t *testing.T) {
	h := newHarness(t)
	h.failTransition = func(tr domain.BindingTransition, _ int) error {
		if tr.Event == "approved" {
			return temporal.NewNonRetryableApplicationError("the binding is unbound", string(domain.CodeBindingWrongState), nil)
		}
		return nil
	}
	var approve *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(day+time.Minute, func() {
		require.Equal(t, domain.BindingUnderReview, h.state().Status)
		h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	require.True(t, approve.accepted)
	require.True(t, approve.completed)
	requireCode(t, approve.err, domain.CodeBindingWrongState)
	h.mu.Lock()
	require.Equal(t, 1, h.attempts["transition "+key(2, "approved")], "a refusal is not retried")
	h.mu.Unlock()
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		unbound(3, "", t0.Add(day+time.Minute)),
	)
	h.requireNotices()
}

func TestBinding_FailingNoticeNeverUndoesTheApproval(t *testing.T) {
	h := newHarness(t)
	h.failNotice = func(domain.BindingNotice, int) error { return errors.New("notifier down") }
	var approve *updateOutcome
	h.at(time.Hour, func() { h.document("doc-1") })
	h.at(2*time.Hour, func() { h.submit() })
	h.at(day, func() { approve = h.review(domain.DecisionApprove, "proof checked") })
	h.at(2*day, func() {
		require.Equal(t, domain.BindingActive, h.state().Status)
		h.unbind("")
	})
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, approve)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		unbound(3, "", t0.Add(2*day)),
	)
	h.requireNotices()
	h.mu.Lock()
	require.Greater(t, h.attempts["notice "+key(2, "approved")], 1, "the notice is retried")
	h.mu.Unlock()
}

func TestBinding_UndeliverableNoticeDelaysNeitherDecisionNorUnbind(t *testing.T) {
	h := newHarness(t)
	h.failNotice = func(domain.BindingNotice, int) error { return errors.New("notifier down") }
	var unbind *updateOutcome
	h.approvedBy()
	h.at(day+time.Minute, func() { unbind = h.unbind("moved abroad") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	requireSucceeded(t, h.approval)
	requireAt(t, t0.Add(day), h.approval.at) // answered at once, not after the retries
	requireSucceeded(t, unbind)
	requireAt(t, t0.Add(day+time.Minute), unbind.at)
	h.requireTransitions(
		submitted(1, t0.Add(2*time.Hour)),
		approved(2, t0.Add(day)),
		unbound(3, "moved abroad", t0.Add(day+time.Minute)),
	)
	h.requireNotices()
	// The workflow still waited for the notice's retries before it ended.
	require.True(t, h.env.Now().After(t0.Add(day+time.Minute)), "ended at %s", h.env.Now())
	h.mu.Lock()
	require.Greater(t, h.attempts["notice "+key(2, "approved")], 1)
	h.mu.Unlock()
}

// --- search attributes ----------------------------------------------------

func TestBinding_PublishesStatusSearchAttribute(t *testing.T) {
	h := newHarness(t)
	h.approvedBy()
	h.at(day+time.Minute, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		require.Equal(t, "active", h.statuses[len(h.statuses)-1])
	})
	h.at(3*day, func() { h.unbind("") })
	h.run(input(domain.Terms{}))
	h.requireCompleted()

	h.mu.Lock()
	defer h.mu.Unlock()
	require.Equal(t, []string{"awaiting_documents", "under_review", "active", "unbound"}, h.statuses)
	for _, r := range h.relations {
		require.Equal(t, "child", r)
	}
}
