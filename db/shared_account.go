package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// PayerCandidate is an active binding that may pay for a patient, with
// what decides whether its holder can pay now.
type PayerCandidate struct {
	BindingID string
	Holder    domain.IDNumber
	// Facts are what domain.CheckDebit decides on, as read (unlocked) on
	// the service date.
	Facts domain.DebitFacts
	// Paid is set when the binding already paid for the settlement asked
	// about (PayersFor); it is then listed whatever it reads now.
	Paid bool
}

// SkipReason says why the binding cannot pay now (domain.CheckDebit's
// code), or "" when it can (or already did for this settlement). The
// debit applies the same rule again under locks.
func (p PayerCandidate) SkipReason() domain.Code {
	if p.Paid {
		return ""
	}
	return domain.ErrorCode(domain.CheckDebit(p.Facts, domain.DefaultPools))
}

// ActiveBindingsFor lists the bindings active for a patient on a service
// date, in the patient's priority order (bindings the patient did not
// order follow, oldest first).
func (s *Store) ActiveBindingsFor(ctx context.Context, patient domain.IDNumber, on domain.Date) ([]PayerCandidate, error) {
	return s.PayersFor(ctx, "", patient, on)
}

// PayersFor is ActiveBindingsFor for one settlement: the bindings that
// already paid for it come first, in the order they paid, whatever their
// status now, then the other active ones. Asked again after a lost answer
// (a local activity run again), it names every binding that took money, so
// the saga learns of, and can refund, each debit. The order is
// domain.ComparePayers.
func (s *Store) PayersFor(ctx context.Context, settlementID string, patient domain.IDNumber, on domain.Date) ([]PayerCandidate, error) {
	q := `SELECT ` + debitFactsColumns + `, sp.binding_id IS NOT NULL AS paid, sp.position AS paid_position, ` + payerRankColumns + `
		FROM bindings b` + debitFactsJoins + `
		LEFT JOIN beneficiary_priorities p ON p.binding_id = b.id
		LEFT JOIN settlement_payers sp ON sp.settlement_id = $3 AND sp.binding_id = b.id
		WHERE b.beneficiary_id_number = $1 AND (sp.binding_id IS NOT NULL OR (b.status = 'active'
			AND b.valid_from <= $2 AND (b.valid_until IS NULL OR b.valid_until >= $2)))`
	var rows []debitFactsRow
	if err := s.db.SelectContext(ctx, &rows, q, patient, on, settlementID); err != nil {
		return nil, err
	}
	domain.SortPayers(rows, func(r debitFactsRow) domain.PayerRank { return r.rank(r.ID) })
	out := make([]PayerCandidate, len(rows))
	for i, r := range rows {
		out[i] = PayerCandidate{BindingID: r.ID, Holder: r.Holder, Facts: r.facts(on), Paid: r.Paid}
	}
	return out, nil
}

// Debit asks for a settlement's share from one binding's shared account:
// the saga's message as it is.
type Debit = domain.SharedAccountDebit

func debitKey(settlementID, bindingID string) string {
	return "settlement:" + settlementID + ":debit:" + bindingID
}

func refundKey(settlementID, bindingID string) string {
	return "settlement:" + settlementID + ":refund:" + bindingID
}

// DebitSharedAccount takes min(owed, balance, what is left of the yearly
// limit) from the holder's account in one transaction under row locks
// (binding, then the people's rows and the account, then usage), records
// the payer and its usage, writes the holder's notice (who, where, how
// much, the balance left; and its webhook outbox row when the store queues
// webhooks) in the same transaction, and returns what it took. It first
// applies domain.CheckDebit on the settlement's service date to what it
// read under those locks; a refusal takes nothing and records the payer as
// skipped with the rule's code, as FindPayers does. Idempotent on
// settlement id + binding id: a repeat returns what the first call took.
func (s *Store) DebitSharedAccount(ctx context.Context, d Debit) (domain.Amount, error) {
	taken := domain.Zero
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		b, err := lockPayingBinding(ctx, tx, d.BindingID)
		if err != nil {
			return err
		}
		if existing, ok, err := entryByKey(ctx, tx, debitKey(d.SettlementID, d.BindingID)); err != nil || ok {
			if err != nil {
				return err
			}
			if _, refunded, err := entryByKey(ctx, tx, refundKey(d.SettlementID, d.BindingID)); err != nil || refunded {
				if err != nil {
					return err
				}
				return errStepUndone(d.SettlementID)
			}
			taken = existing.Amount.Neg()
			return nil
		}
		if b.Beneficiary != d.Patient {
			return nil
		}
		var serviceDate domain.Date
		if err := tx.GetContext(ctx, &serviceDate, `SELECT service_date FROM settlements WHERE id = $1`, d.SettlementID); err != nil {
			return err
		}
		facts, err := lockDebitFacts(ctx, tx, b, serviceDate)
		if err != nil {
			return err
		}
		if refusal := domain.CheckDebit(facts, domain.DefaultPools); refusal != nil {
			return skipPayer(ctx, tx, d, refusal)
		}
		account := facts.Holder.Account
		used, err := lockUsage(ctx, tx, d.BindingID, d.Year)
		if err != nil {
			return err
		}
		want := domain.DebitLimit(d.Owed, account.Balance, b.Limit, used)
		if !want.IsPositive() {
			return nil
		}
		entry, err := PostInTx(ctx, tx, Posting{
			Account: domain.IDNumber(b.Holder), Amount: want.Neg(), Kind: domain.EntrySettlementDebit,
			BusinessKey: debitKey(d.SettlementID, d.BindingID), SettlementID: d.SettlementID, BindingID: d.BindingID,
			Beneficiary: d.Patient, Institution: d.Institution,
		})
		if err != nil {
			return err
		}
		if err := s.payerNoticeInTx(ctx, tx, domain.NoticeSharedAccountDebited, entry, want); err != nil {
			return err
		}
		if err := addUsage(ctx, tx, d.BindingID, d.Year, want); err != nil {
			return err
		}
		const payer = `INSERT INTO settlement_payers (settlement_id, binding_id, holder_id_number, amount, position) VALUES ($1, $2, $3, $4, $5)`
		if _, err := tx.ExecContext(ctx, payer, d.SettlementID, d.BindingID, b.Holder, want, d.Position); err != nil {
			return err
		}
		const total = `UPDATE settlements SET family_account_pay = family_account_pay + $2, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, total, d.SettlementID, want); err != nil {
			return err
		}
		taken = want
		return addStep(ctx, tx, d.SettlementID, debitKey(d.SettlementID, d.BindingID), "shared_account", "debited",
			"binding "+d.BindingID, &want, d.At)
	})
	return taken, err
}

// RefundSharedAccount gives back what a settlement took from one
// binding's shared account, and its yearly usage, and tells the holder in
// the same transaction. It is idempotent and does nothing when nothing was
// taken.
func (s *Store) RefundSharedAccount(ctx context.Context, settlementID, bindingID string, at time.Time) (domain.Amount, error) {
	refunded := domain.Zero
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM bindings WHERE id = $1 FOR UPDATE`, bindingID); err != nil {
			return err
		}
		debit, ok, err := entryByKey(ctx, tx, debitKey(settlementID, bindingID))
		if err != nil || !ok {
			return err
		}
		if _, done, err := entryByKey(ctx, tx, refundKey(settlementID, bindingID)); err != nil || done {
			refunded = debit.Amount.Neg()
			return err
		}
		amount := debit.Amount.Neg()
		entry, err := PostInTx(ctx, tx, Posting{
			Account: debit.Account, Amount: amount, Kind: domain.EntrySettlementRefund,
			BusinessKey: refundKey(settlementID, bindingID), SettlementID: settlementID, BindingID: bindingID,
			Beneficiary: debit.Beneficiary, Institution: debit.Institution,
		})
		if err != nil {
			return err
		}
		if err := s.payerNoticeInTx(ctx, tx, domain.NoticeSharedAccountRefunded, entry, amount); err != nil {
			return err
		}
		var serviceDate domain.Date
		if err := tx.GetContext(ctx, &serviceDate, `SELECT service_date FROM settlements WHERE id = $1`, settlementID); err != nil {
			return err
		}
		year := serviceDate.Year
		if _, err := lockUsage(ctx, tx, bindingID, year); err != nil {
			return err
		}
		if err := addUsage(ctx, tx, bindingID, year, amount.Neg()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlement_payers SET refunded = true WHERE settlement_id = $1 AND binding_id = $2`, settlementID, bindingID); err != nil {
			return err
		}
		refunded = amount
		return addStep(ctx, tx, settlementID, refundKey(settlementID, bindingID), "shared_account", "refunded", "binding "+bindingID, &amount, at)
	})
	return refunded, err
}

// skipPayer records a binding that may not pay as a skipped step (the key
// FindPayers uses, so a payer skipped twice is recorded once); the debit
// then takes nothing. An error without a domain code is returned as it is.
func skipPayer(ctx context.Context, tx *sqlx.Tx, d Debit, refusal error) error {
	code := domain.ErrorCode(refusal)
	if code == domain.CodeInternal {
		return refusal
	}
	return addStep(ctx, tx, d.SettlementID, SkipStepKey(d.SettlementID, d.BindingID), "shared_account", "skipped",
		"binding "+d.BindingID+": "+string(code), nil, d.At)
}

// SkipStepKey is the step key of a binding skipped as a payer of a
// settlement.
func SkipStepKey(settlementID, bindingID string) string {
	return settlementID + ":skip:" + bindingID
}

func lockUsage(ctx context.Context, tx *sqlx.Tx, bindingID string, year int) (domain.Amount, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING`, bindingID, year); err != nil {
		return domain.Amount{}, err
	}
	var used domain.Amount
	err := tx.GetContext(ctx, &used, `SELECT used FROM binding_usage WHERE binding_id = $1 AND year = $2 FOR UPDATE`, bindingID, year)
	return used, err
}

func addUsage(ctx context.Context, tx *sqlx.Tx, bindingID string, year int, delta domain.Amount) error {
	_, err := tx.ExecContext(ctx, `UPDATE binding_usage SET used = used + $3 WHERE binding_id = $1 AND year = $2`, bindingID, year, delta)
	return err
}

// PayerNoticeKey is the dedup key of a paying holder's notice about a
// settlement's debit ("debit") or refund ("refund") of one binding. It is
// the key the saga gave the NotifyPayer activity before the notices moved
// into the ledger transaction, so that a settlement started before that
// change is still told once.
func PayerNoticeKey(settlementID, event, bindingID string) string {
	return settlementID + ":" + event + ":" + bindingID
}

// payerNoticeInTx writes the holder's notice about a shared-account
// movement in the movement's transaction: the patient, the institution,
// the amount and the balance after it.
func (s *Store) payerNoticeInTx(ctx context.Context, tx *sqlx.Tx, kind domain.NoticeKind, e Entry, amount domain.Amount) error {
	var names struct {
		Patient     string `db:"patient"`
		Institution string `db:"institution"`
	}
	const q = `SELECT COALESCE((SELECT name FROM persons WHERE id_number = $1), '') AS patient,
		COALESCE((SELECT name FROM institutions WHERE code = $2), $2) AS institution`
	if err := tx.GetContext(ctx, &names, q, e.Beneficiary, e.Institution); err != nil {
		return err
	}
	event := "debit"
	if kind == domain.NoticeSharedAccountRefunded {
		event = "refund"
	}
	text := domain.SettlementNoticeText(kind, names.Patient, e.Beneficiary, names.Institution, amount, e.BalanceAfter)
	n := Notification{
		Recipient: string(e.Account), Kind: string(kind),
		BindingID:    sql.NullString{String: e.BindingID, Valid: true},
		SettlementID: sql.NullString{String: e.SettlementID, Valid: true},
		Amount:       &amount, DedupKey: PayerNoticeKey(e.SettlementID, event, e.BindingID),
	}.WithText(text)
	_, err := s.AddNotificationInTx(ctx, tx, n)
	return err
}
