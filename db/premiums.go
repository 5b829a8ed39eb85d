package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// PremiumPayment is a holder's payment of a family member's resident
// premium from the shared account.
type PremiumPayment struct {
	ID          string          `db:"id"`
	Holder      domain.IDNumber `db:"holder_id_number"`
	Beneficiary domain.IDNumber `db:"beneficiary_id_number"`
	BindingID   string          `db:"binding_id"`
	Year        int             `db:"year"`
	Amount      domain.Amount   `db:"amount"`
	// UsageYear is the Beijing calendar year of the payment, whose yearly
	// binding limit the premium uses.
	UsageYear      int                         `db:"usage_year"`
	Status         domain.PremiumPaymentStatus `db:"status"`
	RefusalCode    sql.NullString              `db:"refusal_code"`
	RefusalMessage sql.NullString              `db:"refusal_message"`
	CreatedAt      time.Time                   `db:"created_at"`
	UpdatedAt      time.Time                   `db:"updated_at"`
}

const premiumPaymentColumns = `id, holder_id_number, beneficiary_id_number, binding_id, year, amount, usage_year,
	status, refusal_code, refusal_message, created_at, updated_at`

// CreatePremiumPayment stores a new payment as processing. A payment for
// the same person and year that is processing or completed already is
// PREMIUM_ALREADY_PAID (the unique index decides, so two requests at once
// cannot both pass).
func (s *Store) CreatePremiumPayment(ctx context.Context, p PremiumPayment) error {
	const q = `
		INSERT INTO premium_payments (id, holder_id_number, beneficiary_id_number, binding_id, year, amount, usage_year,
			status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'processing', $8, $8)`
	_, err := s.db.ExecContext(ctx, q, p.ID, p.Holder, p.Beneficiary, p.BindingID, p.Year, p.Amount, p.UsageYear, p.CreatedAt)
	if isUniqueViolation(err, "premium_payments_one_per_person_year") {
		return premiumAlreadyPaid(p.Year)
	}
	return err
}

func premiumAlreadyPaid(year int) error {
	return domain.Errorf(domain.CodePremiumAlreadyPaid, "the %d premium of this person is paid or being paid already", year)
}

// PremiumPayment reads a payment; PREMIUM_NOT_FOUND when unknown.
func (s *Store) PremiumPayment(ctx context.Context, id string) (PremiumPayment, error) {
	p, found, err := getPremiumPayment(ctx, s.db, id, false)
	if err == nil && !found {
		err = domain.Errorf(domain.CodePremiumNotFound, "no such premium payment")
	}
	return p, err
}

func getPremiumPayment(ctx context.Context, q sqlx.QueryerContext, id string, forUpdate bool) (PremiumPayment, bool, error) {
	query := `SELECT ` + premiumPaymentColumns + ` FROM premium_payments WHERE id = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var p PremiumPayment
	if err := sqlx.GetContext(ctx, q, &p, query, id); err != nil {
		if isNoRows(err) {
			return PremiumPayment{}, false, nil
		}
		return PremiumPayment{}, false, err
	}
	return p, true, nil
}

// CheckPremiumUnpaid is PREMIUM_ALREADY_PAID when a payment of the
// person's premium for the year is processing or completed.
func (s *Store) CheckPremiumUnpaid(ctx context.Context, beneficiary domain.IDNumber, year int) error {
	const q = `SELECT EXISTS (SELECT 1 FROM premium_payments
		WHERE beneficiary_id_number = $1 AND year = $2 AND status IN ('processing', 'completed'))`
	var paid bool
	if err := s.db.GetContext(ctx, &paid, q, beneficiary, year); err != nil {
		return err
	}
	if paid {
		return premiumAlreadyPaid(year)
	}
	return nil
}

// ActiveBindingBetween reads the binding of holder and beneficiary that is
// active on the day, with its usage of that day's year; found is false when
// there is none.
func (s *Store) ActiveBindingBetween(ctx context.Context, holder, beneficiary domain.IDNumber, on domain.Date) (domain.Binding, bool, error) {
	var row bindingRow
	err := s.db.GetContext(ctx, &row, bindingSelect+`
		WHERE b.holder_id_number = $2 AND b.beneficiary_id_number = $3 AND b.status = 'active'
			AND b.valid_from <= $4 AND (b.valid_until IS NULL OR b.valid_until >= $4)`, on.Year, holder, beneficiary, on)
	if isNoRows(err) {
		return domain.Binding{}, false, nil
	}
	if err != nil {
		return domain.Binding{}, false, err
	}
	return row.toDomain(), true, nil
}

// DeleteUnstartedPremiumPayment removes a payment whose workflow could not
// be started, so that the holder may send it again. It is removed only
// while nothing was debited for it (the debit locks the same row first);
// otherwise the saga did start and it is kept: deleted reports which.
func (s *Store) DeleteUnstartedPremiumPayment(ctx context.Context, id string) (deleted bool, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		p, found, err := getPremiumPayment(ctx, tx, id, true)
		if err != nil || !found {
			return err
		}
		if _, debited, err := entryByKey(ctx, tx, premiumDebitKey(id)); err != nil || debited || p.Status != domain.PremiumProcessing {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM premium_payments WHERE id = $1`, id)
		deleted = err == nil
		return err
	})
	return deleted, err
}

func premiumDebitKey(paymentID string) string  { return "premium:" + paymentID + ":debit" }
func premiumRefundKey(paymentID string) string { return "premium:" + paymentID + ":refund" }

// DebitPremium takes a processing payment's premium from the holder's
// account in one transaction under row locks, in the order payment,
// binding, account, usage (the settlements' order after the payment row),
// and adds it to the binding's usage of the payment's year; the holder's
// notice (and its webhook outbox row when the store queues webhooks) is
// written in the same transaction. The premium is
// paid in full or not at all: domain.CheckDebit must hold on the payment's
// date (Beijing) for what the debit reads under its locks (the binding
// active and valid between the same people: NO_ACTIVE_BINDING; the holder
// alive and able to pay: HOLDER_*; the beneficiary alive and covered:
// BENEFICIARY_*), the balance must be enough (INSUFFICIENT_BALANCE) and
// what is left of the yearly limit too (LIMIT_EXCEEDED). Idempotent on the payment id: a repeat returns the
// first debit's entry.
func (s *Store) DebitPremium(ctx context.Context, paymentID string) (Entry, error) {
	var out Entry
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		p, found, err := getPremiumPayment(ctx, tx, paymentID, true)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.CodePremiumNotFound, "no such premium payment")
		}
		b, err := lockPayingBinding(ctx, tx, p.BindingID)
		if err != nil {
			return err
		}
		if existing, ok, err := entryByKey(ctx, tx, premiumDebitKey(paymentID)); err != nil || ok {
			out = existing
			return err
		}
		if p.Status != domain.PremiumProcessing {
			return domain.Errorf(domain.CodeInternal, "the premium payment is %s; nothing is debited", p.Status)
		}
		if b.Holder != p.Holder || b.Beneficiary != p.Beneficiary {
			return domain.Errorf(domain.CodeNoActiveBinding, "the binding is not between the payment's holder and beneficiary")
		}
		facts, err := lockDebitFacts(ctx, tx, b, domain.DateOf(p.CreatedAt))
		if err != nil {
			return err
		}
		if err := domain.CheckDebit(facts, domain.DefaultPools); err != nil {
			return err
		}
		account := facts.Holder.Account
		used, err := lockUsage(ctx, tx, p.BindingID, p.UsageYear)
		if err != nil {
			return err
		}
		if err := domain.CheckPremiumDebit(p.Amount, account.Balance, b.Limit, used); err != nil {
			return err
		}
		if out, err = PostInTx(ctx, tx, Posting{
			Account: p.Holder, Amount: p.Amount.Neg(), Kind: domain.EntryPremiumDebit, BusinessKey: premiumDebitKey(paymentID),
			Reference: paymentID, BindingID: p.BindingID, Beneficiary: p.Beneficiary,
		}); err != nil {
			return err
		}
		if err := s.premiumNoticeInTx(ctx, tx, domain.NoticePremiumPaid, p, out.BalanceAfter, premiumDebitKey(paymentID)); err != nil {
			return err
		}
		return addUsage(ctx, tx, p.BindingID, p.UsageYear, p.Amount)
	})
	return out, err
}

// RefundPremium gives a payment's debit back to the holder's account and
// takes it off the binding's usage of the payment's year, under the
// debit's lock order, and tells the holder in the same transaction. It is idempotent, and does nothing for a payment
// that was never debited (or is unknown). It returns what was refunded.
func (s *Store) RefundPremium(ctx context.Context, paymentID string) (domain.Amount, error) {
	refunded := domain.Zero
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		p, found, err := getPremiumPayment(ctx, tx, paymentID, true)
		if err != nil || !found {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM bindings WHERE id = $1 FOR UPDATE`, p.BindingID); err != nil {
			return err
		}
		debit, ok, err := entryByKey(ctx, tx, premiumDebitKey(paymentID))
		if err != nil || !ok {
			return err
		}
		amount := debit.Amount.Neg()
		if _, done, err := entryByKey(ctx, tx, premiumRefundKey(paymentID)); err != nil || done {
			refunded = amount
			return err
		}
		entry, err := PostInTx(ctx, tx, Posting{
			Account: debit.Account, Amount: amount, Kind: domain.EntryPremiumRefund, BusinessKey: premiumRefundKey(paymentID),
			Reference: paymentID, BindingID: p.BindingID, Beneficiary: p.Beneficiary,
		})
		if err != nil {
			return err
		}
		if err := s.premiumNoticeInTx(ctx, tx, domain.NoticePremiumReversed, p, entry.BalanceAfter, premiumRefundKey(paymentID)); err != nil {
			return err
		}
		if _, err := lockUsage(ctx, tx, p.BindingID, p.UsageYear); err != nil {
			return err
		}
		refunded = amount
		return addUsage(ctx, tx, p.BindingID, p.UsageYear, amount.Neg())
	})
	return refunded, err
}

// premiumNoticeInTx writes the holder's notice about a premium debit
// (paid) or refund (reversed) in the movement's transaction, keyed like
// the movement's ledger entry: whose premium, which year, how much and the
// balance after it, in Chinese and English.
func (s *Store) premiumNoticeInTx(ctx context.Context, tx *sqlx.Tx, kind domain.NoticeKind, p PremiumPayment, balance domain.Amount, key string) error {
	var name string
	if err := tx.GetContext(ctx, &name, `SELECT COALESCE((SELECT name FROM persons WHERE id_number = $1), '')`, p.Beneficiary); err != nil {
		return err
	}
	amount := p.Amount
	n := Notification{
		Recipient: string(p.Holder), Kind: string(kind),
		BindingID: sql.NullString{String: p.BindingID, Valid: true}, Amount: &amount, DedupKey: key,
	}.WithText(domain.PremiumNoticeText(kind, name, p.Beneficiary, p.Year, amount, balance))
	_, err := s.AddNotificationInTx(ctx, tx, n)
	return err
}

// PremiumOutcome is how a premium payment ended: the saga's message as
// it is.
type PremiumOutcome = domain.PremiumOutcome

// FinishPremiumPayment writes a processing payment's end, completed or
// reversed with its refusal. It is idempotent: a payment that has ended
// (or is unknown) is left as it is.
func (s *Store) FinishPremiumPayment(ctx context.Context, o PremiumOutcome) error {
	const q = `
		UPDATE premium_payments SET status = $2, refusal_code = NULLIF($3, ''), refusal_message = NULLIF($4, ''), updated_at = $5
		WHERE id = $1 AND status = 'processing'`
	_, err := s.db.ExecContext(ctx, q, o.ID, o.Status, o.RefusalCode, o.RefusalMessage, o.At)
	return err
}
