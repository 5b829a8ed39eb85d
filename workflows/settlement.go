package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"gongji/domain"
	"gongji/internal/temporalerr"
)

// Settlement is the saga that pays a bill: the fund's share under the
// patient's own insurance first, then the shared accounts in the patient's
// priority order, then a cash or card top-up for the rest. Each step
// registers its compensation before it runs; if the top-up times out or a
// step fails for good, the compensations run newest first on a
// disconnected context and the settlement ends reversed. Each paying
// holder is told by the debit itself (and by its refund), in the ledger
// transaction that moves the money. The short database steps (fund,
// payers, debits, top-up due and record, finish) are local activities, so
// a settlement paid in full from the accounts and a card takes two
// workflow tasks and one activity (the card charge); the card calls and
// the compensations stay activities.
func Settlement(ctx workflow.Context, in SettlementInput) error {
	s := &settlementSaga{in: in, st: SettlementState{Status: domain.SettlementProcessing}, lock: workflow.NewMutex(ctx)}
	if err := workflow.SetQueryHandler(ctx, QuerySettlementState, func() (SettlementState, error) { return s.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTopup, s.topup, workflow.UpdateHandlerOptions{Validator: s.validateTopup}); err != nil {
		return err
	}
	return s.run(ctx)
}

type settlementSaga struct {
	in   SettlementInput
	st   SettlementState
	lock workflow.Mutex
	saga
	// tookMoney is set once a step that moves money has been attempted.
	tookMoney bool
	// paid, topupsInFlight and windowClosed decide the race between a
	// cashier's top-up and the timeout: a top-up accepted before the window
	// closed always completes the settlement. topupsInFlight counts the
	// top-up handlers running, as several may wait on the lock at once.
	paid, windowClosed bool
	topupsInFlight     int
}

func (s *settlementSaga) run(ctx workflow.Context) error {
	err := s.pay(ctx)
	if err == nil || s.paid {
		// Once everything is paid the settlement completes, on a context a
		// cancellation of the run cannot interrupt.
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		if err := s.finish(dctx, domain.SettlementCompleted, nil); err != nil {
			return err
		}
		return workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) })
	}
	refusal, ok := temporalerr.ToDomain(err)
	if !ok {
		refusal = domain.Errorf(domain.CodeInternal, "the settlement could not be completed")
		workflow.GetLogger(ctx).Error("settlement failed", "error", err)
	}
	// Failed means nothing was ever taken; a run started again for a
	// settlement an earlier run had undone (its steps refuse) ends reversed.
	status := domain.SettlementFailed
	if s.tookMoney || refusal.Code == domain.CodeSettlementAlreadyReversed {
		status = domain.SettlementReversed
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	s.compensate(dctx)
	return s.finish(dctx, status, refusal)
}

// pay runs the forward steps.
func (s *settlementSaga) pay(ctx workflow.Context) error {
	lctx := withLocalOptions(ctx)
	s.push(func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(ctx, ActivityCancelFund, s.stepRef(ctx, "")).Get(ctx, nil)
	})
	claim := domain.FundClaim{
		SettlementID: s.in.SettlementID, Patient: s.in.Patient, Insutype: s.in.Insutype, MedicalType: s.in.MedicalType,
		ServiceDate: s.in.ServiceDate, Medical: s.in.Medical, At: workflow.Now(ctx),
	}
	if err := workflow.ExecuteLocalActivity(lctx, ActivitySettleFund, claim).Get(ctx, &s.st.FundPay); err != nil {
		return err
	}
	s.tookMoney = true
	owed := s.in.Medical.Sub(s.st.FundPay)
	if s.in.UseFamilyAccount && owed.IsPositive() {
		var err error
		if owed, err = s.debitSharedAccounts(ctx, owed); err != nil {
			return err
		}
	}
	if due := owed.Add(s.in.NonMedical); due.IsPositive() {
		return s.collectTopup(ctx, due)
	}
	return nil
}

// debitSharedAccounts takes what each payer binding can give, in order,
// and returns what is still owed.
func (s *settlementSaga) debitSharedAccounts(ctx workflow.Context, owed domain.Amount) (domain.Amount, error) {
	lctx := withLocalOptions(ctx)
	var payers []domain.Payer
	q := domain.PayersQuery{SettlementID: s.in.SettlementID, Patient: s.in.Patient, ServiceDate: s.in.ServiceDate, At: workflow.Now(ctx)}
	if err := workflow.ExecuteLocalActivity(lctx, ActivityFindPayers, q).Get(ctx, &payers); err != nil {
		return owed, err
	}
	for i, p := range payers {
		if !owed.IsPositive() {
			break
		}
		bindingID := p.BindingID
		s.push(func(ctx workflow.Context) error {
			return workflow.ExecuteActivity(ctx, ActivityRefundSharedAccount, s.stepRef(ctx, bindingID)).Get(ctx, nil)
		})
		d := domain.SharedAccountDebit{
			SettlementID: s.in.SettlementID, BindingID: p.BindingID, Patient: s.in.Patient, Institution: s.in.Institution,
			Owed: owed, Position: i, At: workflow.Now(ctx), Year: s.in.ServiceDate.Year,
		}
		var taken domain.Amount
		if err := workflow.ExecuteLocalActivity(lctx, ActivityDebitSharedAccount, d).Get(ctx, &taken); err != nil {
			return owed, err
		}
		if taken.IsPositive() {
			s.st.Payers = append(s.st.Payers, PaidBy{BindingID: p.BindingID, Holder: p.Holder, Amount: taken})
			s.st.FamilyAccountPay = s.st.FamilyAccountPay.Add(taken)
			owed = owed.Sub(taken)
		}
	}
	return owed, nil
}

// collectTopup waits for the counter to collect what is due: a card given
// with the request is charged at once; otherwise, or after a decline, the
// cashier sends a top-up before the timeout.
func (s *settlementSaga) collectTopup(ctx workflow.Context, due domain.Amount) error {
	s.st.TopupDue = due
	s.st.Status = domain.SettlementAwaitingTopup
	var booked domain.Amount
	if err := workflow.ExecuteLocalActivity(withLocalOptions(ctx), ActivityAwaitTopup,
		domain.TopupDue{SettlementID: s.in.SettlementID, Amount: due}).Get(ctx, &booked); err != nil {
		return err
	}
	if booked.IsPositive() && !s.paid {
		// An earlier run of this saga collected it (the run then ended
		// before finishing, and the settlement was sent again).
		s.st.TopupPay, s.paid = booked, true
		return nil
	}
	deadline := workflow.Now(ctx).Add(s.in.TopupTimeout)
	if s.in.TopupMethod == domain.TopupBankCard && s.in.CardToken != "" {
		if err := s.lock.Lock(ctx); err != nil {
			return err
		}
		// A top-up the counter sent while AwaitTopup ran may have paid
		// already: the card must not be charged as well.
		if !s.paid {
			if err := s.chargeCard(ctx, s.in.CardToken); err != nil {
				workflow.GetLogger(ctx).Info("card top-up not taken; waiting for the counter", "error", err)
			}
		}
		s.lock.Unlock()
	}
	for !s.paid {
		wait := deadline.Sub(workflow.Now(ctx))
		if wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return s.paid }); err != nil {
				return err
			}
			continue
		}
		if s.topupsInFlight > 0 {
			if err := workflow.Await(ctx, func() bool { return s.topupsInFlight == 0 }); err != nil {
				return err
			}
			continue
		}
		s.windowClosed = true
		return temporalerr.FromDomain(domain.Errorf(domain.CodeTopupTimeout, "the top-up of %s was not collected within %s", due, s.in.TopupTimeout))
	}
	return nil
}

func (s *settlementSaga) validateTopup(_ workflow.Context, req TopupRequest) error {
	switch {
	case s.paid || s.st.Status != domain.SettlementAwaitingTopup:
		return temporalerr.FromDomain(domain.Errorf(domain.CodeSettlementWrongState, "the settlement is not waiting for a top-up"))
	case s.windowClosed:
		return temporalerr.FromDomain(domain.Errorf(domain.CodeTopupWindowClosed, "the time to collect the top-up has passed"))
	case !req.Amount.Equal(s.st.TopupDue.Decimal):
		return temporalerr.FromDomain(domain.Errorf(domain.CodeTopupAmountMismatch, "the top-up must be exactly %s", s.st.TopupDue).
			WithDetails(map[string]any{"expected": s.st.TopupDue.String()}))
	}
	return nil
}

// topup takes the cashier's top-up. Marked in flight before anything can
// block, it wins against a timeout that fires in the same workflow task.
func (s *settlementSaga) topup(ctx workflow.Context, req TopupRequest) error {
	if s.windowClosed {
		return temporalerr.FromDomain(domain.Errorf(domain.CodeTopupWindowClosed, "the time to collect the top-up has passed"))
	}
	s.topupsInFlight++
	defer func() { s.topupsInFlight-- }()
	if err := s.lock.Lock(ctx); err != nil {
		return err
	}
	defer s.lock.Unlock()
	if err := s.validateTopup(ctx, req); err != nil {
		return err
	}
	if req.Method == domain.TopupBankCard {
		return s.chargeCard(ctx, req.CardToken)
	}
	return s.recordTopup(ctx, domain.Topup{Method: domain.TopupCash, ReceiptNo: req.ReceiptNo})
}

// chargeCard charges the card for what is due. A decline leaves the
// settlement waiting; a charge whose outcome is unknown is reversed (冲正)
// before the settlement goes on waiting.
func (s *settlementSaga) chargeCard(ctx workflow.Context, token string) error {
	s.st.CardAttempts++
	key := fmt.Sprintf("%s:charge:%d", s.in.SettlementID, s.st.CardAttempts)
	charge := domain.CardCharge{SettlementID: s.in.SettlementID, Key: key, Token: token, Amount: s.st.TopupDue, At: workflow.Now(ctx)}
	err := workflow.ExecuteActivity(withCardOptions(ctx), ActivityChargeCard, charge).Get(ctx, nil)
	if err == nil {
		rerr := s.recordTopup(ctx, domain.Topup{Method: domain.TopupBankCard, ChargeID: key})
		if rerr == nil {
			return nil
		}
		// The card was charged but the top-up could not be booked: give
		// the money back, or it is taken without a record.
		if err := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityReverseCharge, key).Get(ctx, nil); err != nil {
			return err
		}
		return rerr
	}
	if de, ok := temporalerr.ToDomain(err); ok && de.Code == domain.CodeCardDeclined {
		return err
	}
	if rerr := workflow.ExecuteActivity(withActivityOptions(ctx), ActivityReverseCharge, key).Get(ctx, nil); rerr != nil {
		return rerr
	}
	return temporalerr.FromDomain(domain.Errorf(domain.CodeCardUnavailable, "the card gateway did not answer; the charge was reversed, try again or take cash"))
}

// recordTopup books the top-up. A card top-up follows a charge already in
// the history and is booked by a local activity. A cash top-up is decided
// by the update that brings it, in a workflow task that a worker crash can
// lose (the update is then delivered again, perhaps after the timeout has
// fired): it is booked by an activity, whose scheduling is recorded with
// the update's acceptance, because a local activity's booking would
// outlive the lost task and the saga might go on to reverse.
func (s *settlementSaga) recordTopup(ctx workflow.Context, t domain.Topup) error {
	t.SettlementID = s.in.SettlementID
	t.Amount = s.st.TopupDue
	rec := domain.TopupRecord{Topup: t, At: workflow.Now(ctx)}
	var booked workflow.Future
	if t.Method == domain.TopupCash {
		booked = workflow.ExecuteActivity(withActivityOptions(ctx), ActivityRecordTopup, rec)
	} else {
		booked = workflow.ExecuteLocalActivity(withLocalOptions(ctx), ActivityRecordTopup, rec)
	}
	if err := booked.Get(ctx, nil); err != nil {
		return err
	}
	s.st.TopupPay = s.st.TopupDue
	s.paid = true
	return nil
}

// compensate undoes the steps taken, newest first; nothing is left paid.
func (s *settlementSaga) compensate(ctx workflow.Context) {
	s.saga.compensate(ctx)
	s.st.FundPay, s.st.FamilyAccountPay, s.st.TopupDue = domain.Zero, domain.Zero, domain.Zero
}

func (s *settlementSaga) finish(ctx workflow.Context, status domain.SettlementStatus, refusal *domain.Error) error {
	s.st.Status = status
	o := domain.SettlementOutcome{
		ID: s.in.SettlementID, Status: status, FundPay: s.st.FundPay, FamilyAccountPay: s.st.FamilyAccountPay,
		TopupPay: s.st.TopupPay, TopupDue: domain.Zero, At: workflow.Now(ctx),
	}
	if refusal != nil {
		o.RefusalCode, o.RefusalMessage = string(refusal.Code), refusal.Message
	}
	return workflow.ExecuteLocalActivity(withLocalOptions(ctx), ActivityFinishSettlement, o).Get(ctx, nil)
}

func (s *settlementSaga) stepRef(ctx workflow.Context, bindingID string) domain.SettlementStep {
	return domain.SettlementStep{SettlementID: s.in.SettlementID, BindingID: bindingID, At: workflow.Now(ctx)}
}

// withCardOptions gives a card charge two ten-second attempts: after that
// its outcome is unknown and it is reversed, not retried for ever.
func withCardOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 2},
	})
}
