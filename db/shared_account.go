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
	BindingID   string          `db:"id"`
	Holder      domain.IDNumber `db:"holder_id_number"`
	Status      string          `db:"enrolment_status"`
	Arrears     bool            `db:"arrears"`
	AccountOpen bool            `db:"account_open"`
	Frozen      bool            `db:"frozen"`
	// Paid is set when the binding already paid for the settlement asked
	// about (PayersFor); it is then listed whatever it reads now.
	Paid bool `db:"paid"`
}

// SkipReason says why a holder cannot pay now, or "" when they can (or
// already did for this settlement).
func (p PayerCandidate) SkipReason() domain.Code {
	switch {
	case p.Paid:
		return ""
	case p.Status != string(domain.EnrolmentNormal):
		return domain.CodeHolderInsuranceNotNormal
	case p.Arrears:
		return domain.CodeHolderInArrears
	case !p.AccountOpen:
		return domain.CodeHolderNoAccount
	case p.Frozen:
		return domain.CodeHolderAccountFrozen
	}
	return ""
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
// the saga learns of, and can refund, each debit.
func (s *Store) PayersFor(ctx context.Context, settlementID string, patient domain.IDNumber, on domain.Date) ([]PayerCandidate, error) {
	const q = `
		SELECT b.id, b.holder_id_number, COALESCE(e.status, '') AS enrolment_status, COALESCE(e.arrears, false) AS arrears,
			a.id_number IS NOT NULL AS account_open, COALESCE(a.status = 'frozen', false) AS frozen,
			sp.binding_id IS NOT NULL AS paid
		FROM bindings b
		LEFT JOIN enrolments e ON e.id_number = b.holder_id_number
		LEFT JOIN accounts a ON a.id_number = b.holder_id_number
		LEFT JOIN beneficiary_priorities p ON p.binding_id = b.id
		LEFT JOIN settlement_payers sp ON sp.settlement_id = $3 AND sp.binding_id = b.id
		WHERE b.beneficiary_id_number = $1 AND (sp.binding_id IS NOT NULL OR (b.status = 'active'
			AND b.valid_from <= $2 AND (b.valid_until IS NULL OR b.valid_until >= $2)))
		ORDER BY sp.position NULLS LAST, p.position NULLS LAST, b.requested_at, b.id`
	var out []PayerCandidate
	err := s.db.SelectContext(ctx, &out, q, patient, on, settlementID)
	return out, err
}

// Debit asks for a settlement's share from one binding's shared account.
type Debit struct {
	SettlementID string
	BindingID    string
	Patient      domain.IDNumber
	Institution  domain.InstitutionCode
	// Owed is what is still to pay; the debit takes at most this.
	Owed     domain.Amount
	Position int
	At       time.Time
	// Year is the calendar year of the service date, whose limit is used.
	Year int
}

func debitKey(settlementID, bindingID string) string {
	return "settlement:" + settlementID + ":debit:" + bindingID
}

func refundKey(settlementID, bindingID string) string {
	return "settlement:" + settlementID + ":refund:" + bindingID
}

// DebitSharedAccount takes min(owed, balance, what is left of the yearly
// limit) from the holder's account in one transaction under row locks
// (binding, then account, then usage), records the payer and its usage,
// writes the holder's notice (who, where, how much, the balance left; and
// its webhook outbox row when the store queues webhooks) in the same
// transaction, and returns what it took. The binding must still be active and its
// holder able to pay (insured normally, not in arrears, account open and
// not frozen), else it takes nothing. Idempotent on settlement id +
// binding id: a repeat returns what the first call took.
func (s *Store) DebitSharedAccount(ctx context.Context, d Debit) (domain.Amount, error) {
	taken := domain.Zero
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var b struct {
			Holder      string         `db:"holder_id_number"`
			Beneficiary string         `db:"beneficiary_id_number"`
			Status      string         `db:"status"`
			Limit       *domain.Amount `db:"annual_limit"`
		}
		if err := tx.GetContext(ctx, &b, `SELECT holder_id_number, beneficiary_id_number, status, annual_limit
			FROM bindings WHERE id = $1 FOR UPDATE`, d.BindingID); err != nil {
			if isNoRows(err) {
				return domain.Errorf(domain.CodeBindingNotFound, "no such binding")
			}
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
		if b.Status != string(domain.BindingActive) || b.Beneficiary != string(d.Patient) {
			return nil
		}
		enrolment, enrolled, err := getEnrolment(ctx, tx, domain.IDNumber(b.Holder))
		if err != nil || !enrolled || !enrolment.IsNormal() || enrolment.Arrears {
			return err
		}
		account, found, err := getAccount(ctx, tx, domain.IDNumber(b.Holder), true)
		if err != nil || !found || account.Status == domain.AccountFrozen {
			return err
		}
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
