package activities

import (
	"context"
	"time"

	"gongji/db"
	"gongji/domain"
	"gongji/external"
)

// Settlements are the side effects of the Settlement and SettlementCancel
// workflows. Each is idempotent on the settlement id and, where it
// matters, the binding id or charge key.
type Settlements struct {
	Store settlementStore
	Fund  external.FundEngine
	Cards external.CardGateway
}

// settlementStore is what the settlement activities read and write
// (*db.Store).
type settlementStore interface {
	PayersFor(ctx context.Context, settlementID string, patient domain.IDNumber, on domain.Date) ([]db.PayerCandidate, error)
	AddStep(ctx context.Context, settlementID, key, step, outcome, detail string, amount *domain.Amount, at time.Time) error
	DebitSharedAccount(ctx context.Context, d domain.SharedAccountDebit) (domain.Amount, error)
	RefundSharedAccount(ctx context.Context, settlementID, bindingID string, at time.Time) (domain.Amount, error)
	AwaitTopup(ctx context.Context, id string, due domain.Amount) (booked domain.Amount, err error)
	RecordTopup(ctx context.Context, t db.Topup, at time.Time) error
	TopupOf(ctx context.Context, settlementID string) (db.Topup, bool, error)
	MarkTopupRefunded(ctx context.Context, settlementID string, at time.Time) error
	FinishSettlement(ctx context.Context, o domain.SettlementOutcome) error
	RecordFundShare(ctx context.Context, c domain.FundClaim, amount domain.Amount) error
	RecordFundCancel(ctx context.Context, settlementID string, at time.Time) error
	MarkCancelled(ctx context.Context, id, reason string, at time.Time) error
}

// SettleFund has the fund engine book its share under the patient's own
// insurance, then records it on the settlement.
func (a *Settlements) SettleFund(ctx context.Context, c domain.FundClaim) (domain.Amount, error) {
	amount, err := a.Fund.Settle(ctx, c)
	if err == nil {
		err = a.Store.RecordFundShare(ctx, c, amount)
	}
	return amount, asActivityError(err)
}

// CancelFund has the fund engine reverse its share, then records that;
// safe when none was booked.
func (a *Settlements) CancelFund(ctx context.Context, r domain.SettlementStep) error {
	err := a.Fund.Cancel(ctx, r.SettlementID, r.At)
	if err == nil {
		err = a.Store.RecordFundCancel(ctx, r.SettlementID, r.At)
	}
	return asActivityError(err)
}

// FindPayers lists the bindings that already paid for the settlement, then
// the other active bindings of the patient on the service date in
// priority order, and drops those whose holder cannot pay now (frozen, in
// arrears, insurance not normal), recording each skip as a step. Asked
// again (a local activity whose answer was lost runs again) it still names
// every binding that took money.
func (a *Settlements) FindPayers(ctx context.Context, q domain.PayersQuery) ([]domain.Payer, error) {
	candidates, err := a.Store.PayersFor(ctx, q.SettlementID, q.Patient, q.ServiceDate)
	if err != nil {
		return nil, err
	}
	var out []domain.Payer
	for _, c := range candidates {
		if reason := c.SkipReason(); reason != "" {
			key := db.SkipStepKey(q.SettlementID, c.BindingID)
			if err := a.Store.AddStep(ctx, q.SettlementID, key, "shared_account", "skipped", "binding "+c.BindingID+": "+string(reason), nil, q.At); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, domain.Payer{BindingID: c.BindingID, Holder: c.Holder})
	}
	return out, nil
}

// DebitSharedAccount takes what one binding can pay; see
// db.Store.DebitSharedAccount.
func (a *Settlements) DebitSharedAccount(ctx context.Context, d domain.SharedAccountDebit) (domain.Amount, error) {
	amount, err := a.Store.DebitSharedAccount(ctx, d)
	return amount, asActivityError(err)
}

// RefundSharedAccount gives back one binding's debit; safe when nothing
// was taken.
func (a *Settlements) RefundSharedAccount(ctx context.Context, r domain.SettlementStep) error {
	_, err := a.Store.RefundSharedAccount(ctx, r.SettlementID, r.BindingID, r.At)
	return asActivityError(err)
}

// AwaitTopup records that the settlement waits for a top-up and returns
// zero, or returns the top-up an earlier run of the saga already booked;
// see db.Store.AwaitTopup.
func (a *Settlements) AwaitTopup(ctx context.Context, t domain.TopupDue) (domain.Amount, error) {
	booked, err := a.Store.AwaitTopup(ctx, t.SettlementID, t.Amount)
	return booked, asActivityError(err)
}

// ChargeCard captures a top-up from a bank card; a decline is recorded as
// a step and is CARD_DECLINED, not retried.
func (a *Settlements) ChargeCard(ctx context.Context, c domain.CardCharge) error {
	err := a.Cards.Charge(ctx, c.Key, c.Token, c.Amount)
	if domain.ErrorCode(err) == domain.CodeCardDeclined {
		if stepErr := a.Store.AddStep(ctx, c.SettlementID, c.Key, "topup", "declined", "bank_card", &c.Amount, c.At); stepErr != nil {
			return stepErr
		}
	}
	return asActivityError(err)
}

// ReverseCharge undoes a charge whose outcome is unknown (冲正).
func (a *Settlements) ReverseCharge(ctx context.Context, key string) error {
	return asActivityError(a.Cards.Reverse(ctx, key))
}

// RecordTopup books the collected top-up once.
func (a *Settlements) RecordTopup(ctx context.Context, r domain.TopupRecord) error {
	return asActivityError(a.Store.RecordTopup(ctx, topupRow(r.Topup), r.At))
}

// RefundTopup pays the top-up back on cancellation: a card charge through
// the gateway, cash at the counter (recorded). Safe when none was booked.
func (a *Settlements) RefundTopup(ctx context.Context, r domain.SettlementStep) error {
	t, ok, err := a.Store.TopupOf(ctx, r.SettlementID)
	if err != nil || !ok || t.Refunded {
		return err
	}
	if t.Method == string(domain.TopupBankCard) {
		if err := a.Cards.Refund(ctx, t.ChargeID); err != nil {
			return asActivityError(err)
		}
	}
	return asActivityError(a.Store.MarkTopupRefunded(ctx, r.SettlementID, r.At))
}

// FinishSettlement writes the settlement's end: completed, failed or
// reversed, with its amounts.
func (a *Settlements) FinishSettlement(ctx context.Context, o domain.SettlementOutcome) error {
	return asActivityError(a.Store.FinishSettlement(ctx, o))
}

// MarkCancelled records the end of a cancellation.
func (a *Settlements) MarkCancelled(ctx context.Context, c domain.CancelRecord) error {
	return asActivityError(a.Store.MarkCancelled(ctx, c.SettlementID, c.Reason, c.At))
}

// topupRow is the store's row of a collected top-up.
func topupRow(t domain.Topup) db.Topup {
	return db.Topup{
		SettlementID: t.SettlementID, Method: string(t.Method), Amount: t.Amount,
		ReceiptNo: t.ReceiptNo, ChargeID: t.ChargeID, Refunded: t.Refunded,
	}
}
