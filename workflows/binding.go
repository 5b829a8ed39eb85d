// Package workflows holds gongji's deterministic orchestration: the binding
// lifecycle and the sagas. No SQL, HTTP, wall clock or goroutines here;
// every side effect is an activity.
package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"gongji/domain"
)

// BindingLifecycle runs one binding from request to its end: it waits for
// documents and review, activates on approval, reminds before and acts at
// expiry, and ends on unbinding or termination. Its state lives in the
// workflow; every change is written to the PostgreSQL read model by an
// activity before the workflow relies on it.
func BindingLifecycle(ctx workflow.Context, in BindingInput) error {
	w := &bindingWorkflow{in: in, lock: workflow.NewMutex(ctx)}
	if in.State != nil {
		w.st = *in.State
	} else {
		w.st = BindingState{Status: domain.BindingAwaitingDocuments, Terms: in.Terms, ExpiresAt: expiryOf(in.Terms), AwaitingSince: in.RequestedAt, Consent: in.Consent}
	}
	switch {
	case w.st.Consent == "":
		w.st.Consent = domain.ConsentNotRequired
	case w.st.Consent == domain.ConsentPending && w.st.ConsentDueAt.IsZero():
		w.st.ConsentDueAt = in.RequestedAt.Add(ConsentWithin)
	}
	if err := w.setup(ctx); err != nil {
		return err
	}
	return w.run(ctx)
}

type bindingWorkflow struct {
	in   BindingInput
	st   BindingState
	lock workflow.Mutex
	// changes counts state changes made by handlers; the main loop wakes on
	// it to recompute its timers.
	changes            int
	pendingTermination *Termination
	// outbox holds the holder's notices until sendNotices delivers them,
	// outside the handler that made the change.
	outbox []domain.BindingNotice
}

func (w *bindingWorkflow) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryBindingState, func() (BindingState, error) { return w.st, nil }); err != nil {
		return err
	}
	updates := []struct {
		name              string
		handler, validate any
	}{
		{UpdateAddDocument, w.addDocument, w.validateAddDocument},
		{UpdateSubmit, w.submit, w.validateSubmit},
		{UpdateReview, w.review, w.validateReview},
		{UpdateChangeTerms, w.changeTerms, w.validateChangeTerms},
		{UpdateUnbind, w.unbind, w.validateUnbind},
		{UpdateConsent, w.consent, w.validateConsent},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validate}); err != nil {
			return err
		}
	}
	workflow.Go(ctx, w.receiveTerminations)
	workflow.Go(ctx, w.sendNotices)
	return w.publishStatus(ctx)
}

// receiveTerminations records termination signals; the main loop acts
// on them. It waits for a signal rather than blocking in Receive, which
// would take the signal out of the channel before the main loop could see
// it when deciding to continue as new.
func (w *bindingWorkflow) receiveTerminations(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalTerminate)
	for {
		if err := workflow.Await(ctx, func() bool { return ch.Len() > 0 }); err != nil {
			return
		}
		w.drainTerminations(ctx)
	}
}

// drainTerminations records the termination signals not yet received.
func (w *bindingWorkflow) drainTerminations(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalTerminate)
	var t Termination
	for ch.ReceiveAsync(&t) {
		if w.st.Status.IsLive() && w.pendingTermination == nil {
			pending := t
			w.pendingTermination = &pending
			w.changes++
		}
	}
}

func (w *bindingWorkflow) run(ctx workflow.Context) error {
	for w.st.Status.IsLive() {
		if w.shouldContinueAsNew(ctx) {
			// A termination signalled in this workflow task is still in the
			// channel (the root coroutine runs first); the next run would
			// never see it.
			w.drainTerminations(ctx)
			if w.pendingTermination != nil {
				if err := w.terminateIfAsked(ctx); err != nil {
					return err
				}
				continue
			}
			state := w.st
			next := w.in
			next.State = &state
			return workflow.NewContinueAsNewError(ctx, BindingLifecycle, next)
		}
		seen := w.changes
		woken := func() bool { return w.changes != seen || w.shouldContinueAsNew(ctx) }
		deadline, event := w.nextDeadline()
		if deadline.IsZero() {
			if err := workflow.Await(ctx, woken); err != nil {
				return err
			}
		} else if wait := deadline.Sub(workflow.Now(ctx)); wait > 0 {
			fired, err := workflow.AwaitWithTimeout(ctx, wait, woken)
			if err != nil {
				return err
			}
			if fired {
				if err := w.terminateIfAsked(ctx); err != nil {
					return err
				}
				continue
			}
		}
		if err := w.onDeadline(ctx, event); err != nil {
			return err
		}
		if err := w.terminateIfAsked(ctx); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && len(w.outbox) == 0 })
}

// shouldContinueAsNew is true when the server suggests a fresh history and
// nothing is in flight that the new run would lose.
func (w *bindingWorkflow) shouldContinueAsNew(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() && workflow.AllHandlersFinished(ctx) &&
		w.pendingTermination == nil && len(w.outbox) == 0
}

type deadlineEvent int

const (
	noDeadline deadlineEvent = iota
	lapseDeadline
	reminderDeadline
	expiryDeadline
	consentLapseDeadline
)

// nextDeadline computes the next timer from absolute times in the state,
// so that a change of terms re-arms it: the lifecycle's own, or the lapse
// of a pending consent when that comes first.
func (w *bindingWorkflow) nextDeadline() (time.Time, deadlineEvent) {
	deadline, event := w.lifecycleDeadline()
	if w.st.Consent == domain.ConsentPending && w.st.Status.IsLive() && (deadline.IsZero() || w.st.ConsentDueAt.Before(deadline)) {
		return w.st.ConsentDueAt, consentLapseDeadline
	}
	return deadline, event
}

// lifecycleDeadline is the next deadline of documents, reminder or expiry.
func (w *bindingWorkflow) lifecycleDeadline() (time.Time, deadlineEvent) {
	switch {
	case w.st.Status == domain.BindingAwaitingDocuments:
		return w.st.AwaitingSince.Add(LapseAfter), lapseDeadline
	case w.st.Status == domain.BindingActive && !w.st.expiry().IsZero():
		expiry := w.st.expiry()
		if w.st.ReminderSentFor != w.st.Terms.ValidUntil {
			return expiry.Add(-ReminderBefore), reminderDeadline
		}
		return expiry, expiryDeadline
	}
	return time.Time{}, noDeadline
}

func (w *bindingWorkflow) onDeadline(ctx workflow.Context, event deadlineEvent) error {
	if err := w.lock.Lock(ctx); err != nil {
		return err
	}
	defer w.lock.Unlock()
	// A handler may have changed the state while we waited for the lock.
	if current, again := w.nextDeadline(); again != event || current.After(workflow.Now(ctx)) {
		return nil
	}
	switch event {
	case lapseDeadline:
		return w.end(ctx, domain.BindingLapsed, "lapsed", "system", "no documents for 30 days", domain.NoticeBindingLapsed)
	case consentLapseDeadline:
		return w.end(ctx, domain.BindingLapsed, "lapsed", "system", "no consent within 30 days", domain.NoticeBindingConsentLapsed)
	case reminderDeadline:
		w.st.ReminderSentFor = w.st.Terms.ValidUntil
		w.notify(domain.NoticeBindingExpiring, "", fmt.Sprintf("%s:reminder:%s", w.in.BindingID, w.st.Terms.ValidUntil))
	case expiryDeadline:
		return w.end(ctx, domain.BindingExpired, "expired", "system", "validity ended "+w.st.Terms.ValidUntil.String(), domain.NoticeBindingExpired)
	}
	return nil
}

func (w *bindingWorkflow) terminateIfAsked(ctx workflow.Context) error {
	if w.pendingTermination == nil {
		return nil
	}
	if err := w.lock.Lock(ctx); err != nil {
		return err
	}
	defer w.lock.Unlock()
	t := w.pendingTermination
	w.pendingTermination = nil
	if !w.st.Status.IsLive() {
		return nil
	}
	return w.end(ctx, domain.BindingTerminated, "terminated", t.By.String(), t.Reason, domain.NoticeBindingTerminated)
}

// end moves the binding to a final status and tells the holder.
func (w *bindingWorkflow) end(ctx workflow.Context, to domain.BindingStatus, event, by, reason string, notice domain.NoticeKind) error {
	key, err := w.transition(ctx, domain.LiveBindingStatuses, to, event, by, reason, workflow.Now(ctx))
	if err != nil {
		return err
	}
	w.notify(notice, reason, key)
	return nil
}

// transition writes a status change that happened at at through an
// activity, then applies it to the state. It returns the event key it used.
func (w *bindingWorkflow) transition(ctx workflow.Context, from []domain.BindingStatus, to domain.BindingStatus, event, by, reason string, at time.Time) (string, error) {
	w.st.EventSeq++
	key := w.eventKey(event)
	t := domain.BindingTransition{
		BindingID: w.in.BindingID, From: from, To: to, Event: event, By: by, Reason: reason,
		At: at, EventKey: key,
	}
	if err := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityRecordTransition, t).Get(ctx, nil); err != nil {
		return "", err
	}
	w.st.Status = to
	w.changes++
	return key, w.publishStatus(ctx)
}

// notify tells the holder; a notice that cannot be delivered is logged and
// never undoes the change it reports. It only queues the notice, so that a
// notifier outage (a day of retries) neither holds the lock nor keeps an
// update's caller waiting: an approval is answered and an unbinding done
// at once.
func (w *bindingWorkflow) notify(kind domain.NoticeKind, reason, dedupKey string) {
	w.outbox = append(w.outbox, domain.BindingNotice{BindingID: w.in.BindingID, Kind: kind, Reason: reason, DedupKey: dedupKey})
}

// sendNotices delivers the queued notices in order. The workflow neither
// ends nor continues as new while one is queued.
func (w *bindingWorkflow) sendNotices(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return len(w.outbox) > 0 }); err != nil {
			return
		}
		w.sendNotice(ctx, w.outbox[0])
		w.outbox = w.outbox[1:]
	}
}

// sendNotice delivers one notice; one that cannot be delivered within
// its retries is logged and never undoes the change it reports.
func (w *bindingWorkflow) sendNotice(ctx workflow.Context, n domain.BindingNotice) {
	if err := workflow.ExecuteActivity(withNotifyOptions(ctx), ActivityNotifyHolder, n).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("holder notice not delivered", "kind", n.Kind, "error", err)
	}
}

func (w *bindingWorkflow) publishStatus(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		BindingStatusKey.ValueSet(string(w.st.Status)),
		BindingRelationKey.ValueSet(string(w.in.Relation)))
}
