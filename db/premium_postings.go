package db

import (
	"context"

	"gongji/domain"
)

// PremiumPosting is a premium the built-in collection system booked for a
// person and year.
type PremiumPosting struct {
	PaymentID   string          `db:"payment_id"`
	Beneficiary domain.IDNumber `db:"beneficiary_id_number"`
	Year        int             `db:"year"`
	Amount      domain.Amount   `db:"amount"`
	Status      string          `db:"status"`
}

// BookPremiumPosting stores a posting once per payment id and returns it as
// stored (a repeat returns the first one, whatever its status). Another
// payment's premium posted for the same person and year is
// PREMIUM_ALREADY_PAID.
func (s *Store) BookPremiumPosting(ctx context.Context, p PremiumPosting) (PremiumPosting, error) {
	const q = `INSERT INTO premium_postings (payment_id, beneficiary_id_number, year, amount, status)
		VALUES ($1, $2, $3, $4, 'posted') ON CONFLICT (payment_id) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, p.PaymentID, p.Beneficiary, p.Year, p.Amount); err != nil {
		if isUniqueViolation(err, "premium_postings_one_per_person_year") {
			return PremiumPosting{}, premiumAlreadyPaid(p.Year)
		}
		return PremiumPosting{}, err
	}
	var out PremiumPosting
	err := s.db.GetContext(ctx, &out, `SELECT payment_id, beneficiary_id_number, year, amount, status
		FROM premium_postings WHERE payment_id = $1`, p.PaymentID)
	return out, err
}

// CancelPremiumPosting marks a payment's posting cancelled; it does nothing
// when none was posted or it is cancelled already.
func (s *Store) CancelPremiumPosting(ctx context.Context, paymentID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE premium_postings SET status = 'cancelled', updated_at = now()
		WHERE payment_id = $1 AND status = 'posted'`, paymentID)
	return err
}
