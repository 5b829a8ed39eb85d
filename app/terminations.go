package app

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"gongji/activities"
	"gongji/db"
	"gongji/domain"
	"gongji/workflows"
)

// RecordDeath records, for sync, that person died on date, and ends every
// binding of theirs (see terminateBindings).
func (a *App) RecordDeath(ctx context.Context, actor domain.Principal, person domain.IDNumber, date domain.Date, at time.Time) (domain.Person, error) {
	if err := domain.ValidateDeath(person, date, domain.DateOf(at)); err != nil {
		return domain.Person{}, err
	}
	p, pending, err := a.store.RecordDeathEndingBindings(ctx, person, date, bindingEnding(actor, at, deathReason(person, date)))
	if err != nil {
		return domain.Person{}, err
	}
	a.terminateBindings(ctx, actor, pending, at)
	return p, nil
}

// PutEnrolment records, for sync, a person's enrolment as the core system
// now has it, and ends the bindings it breaks for good (see coverReason).
func (a *App) PutEnrolment(ctx context.Context, actor domain.Principal, e domain.Enrolment, at time.Time) (domain.Enrolment, error) {
	out, pending, err := a.store.PutEnrolmentEndingBindings(ctx, e, bindingEnding(actor, at, coverReason(e)))
	if err != nil {
		return domain.Enrolment{}, err
	}
	a.terminateBindings(ctx, actor, pending, at)
	return out, nil
}

// bindingEnding ends the bindings reason names, on behalf of actor.
func bindingEnding(actor domain.Principal, at time.Time, reason func(domain.Binding) string) db.BindingEnding {
	return db.BindingEnding{By: actor.String(), At: at, Reason: reason}
}

// terminateBindings tells the workflow of each binding a sync write ended
// to end it. The write has already recorded each termination as pending
// in the binding's history, so a signal that cannot be delivered (the
// workflow service is down) is logged and left pending: the write stands
// and the call succeeds. Repeating the sync call sends the signals again;
// a binding that has ended already ignores its signal. When the signal
// finds no running workflow (it ended without closing the row, was
// terminated by an operator, or never started), the row is closed here,
// with the reason and who in its history, so that it does not stay live.
func (a *App) terminateBindings(ctx context.Context, actor domain.Principal, pending []db.PendingTermination, at time.Time) {
	by := workflowActor(actor)
	for _, p := range pending {
		t := workflows.Termination{Reason: p.Reason, By: by}
		err := a.temporal.SignalWorkflow(ctx, workflows.BindingWorkflowID(p.BindingID), "", workflows.SignalTerminate, t)
		var ended *serviceerror.NotFound
		if errors.As(err, &ended) {
			err = a.closeWithoutWorkflow(ctx, p.BindingID, t, at)
		}
		if err != nil {
			Logger(ctx).Error("termination left pending", "binding_id", p.BindingID, "error", err)
		}
	}
}

// closeWithoutWorkflow ends a binding whose workflow is not running, as
// the workflow would have on the termination signal.
func (a *App) closeWithoutWorkflow(ctx context.Context, bindingID string, t workflows.Termination, at time.Time) error {
	_, err := a.store.CloseBindingWithoutWorkflow(ctx, db.Closure{
		BindingID: bindingID, By: t.By.String(), Reason: t.Reason + " (" + activities.NoWorkflowReason + ")", At: at,
		EventKey: bindingID + ":terminated:no-workflow",
	})
	return err
}

// deathReason ends every binding of a person who died.
func deathReason(person domain.IDNumber, date domain.Date) func(domain.Binding) string {
	return func(b domain.Binding) string {
		if b.Holder == person {
			return "holder died on " + date.String()
		}
		return "beneficiary died on " + date.String()
	}
}

// coverReason ends the bindings a change of enrolment breaks for good:
// any binding of a person whose cover ended; the holder's bindings when
// the holder no longer has employee insurance or is now insured outside
// Bortala; the beneficiary's when the beneficiary is now insured outside
// Xinjiang. A suspension (or arrears) does not end a binding: it may be
// lifted, and meanwhile settlement refuses to use the binding, since it
// checks the holder's and the patient's insurance on every payment.
func coverReason(e domain.Enrolment) func(domain.Binding) string {
	return func(b domain.Binding) string {
		isHolder := b.Holder == e.IDNumber
		switch {
		case e.Status == domain.EnrolmentTerminated && isHolder:
			return "holder's insurance terminated"
		case e.Status == domain.EnrolmentTerminated:
			return "beneficiary's insurance terminated"
		case isHolder && !e.HasPersonalAccount():
			return "holder no longer has employee insurance"
		case isHolder && !domain.DefaultPools.InPrefecture(e.Admdvs):
			return "holder now insured outside Bortala (" + string(e.Admdvs) + ")"
		case !isHolder && !domain.DefaultPools.InProvince(e.Admdvs):
			return "beneficiary now insured outside Xinjiang (" + string(e.Admdvs) + ")"
		}
		return ""
	}
}
