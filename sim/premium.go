package sim

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
	"gongji/external"
)

// Premiums is the built-in resident-insurance collection system: it holds
// the premium of each year (sim.resident_premiums, illustrative policy
// data) and keeps postings in sim.premium_postings so that retries and
// cancellations are idempotent.
type Premiums struct {
	DB     *sqlx.DB
	Faults *external.Faults
}

// premiumPosting is a premium booked for a person and year.
type premiumPosting struct {
	PaymentID   string          `db:"payment_id"`
	Beneficiary domain.IDNumber `db:"beneficiary_id_number"`
	Year        int             `db:"year"`
	Amount      domain.Amount   `db:"amount"`
	Status      string          `db:"status"`
}

// Premium reads the resident premium of a year; PREMIUM_NOT_FOUND when the
// policy data has none.
func (p Premiums) Premium(ctx context.Context, year int) (domain.Premium, error) {
	const q = `SELECT year, amount, note FROM sim.resident_premiums WHERE year = $1`
	var row struct {
		Year   int           `db:"year"`
		Amount domain.Amount `db:"amount"`
		Note   string        `db:"note"`
	}
	if err := p.DB.GetContext(ctx, &row, q, year); err != nil {
		if isNoRows(err) {
			return domain.Premium{}, domain.Errorf(domain.CodePremiumNotFound, "no resident premium is set for %d", year)
		}
		return domain.Premium{}, err
	}
	return domain.Premium{Year: row.Year, Amount: row.Amount, Note: row.Note}, nil
}

// Post books the premium once per payment id. Another payment's premium
// posted for the same person and year is PREMIUM_ALREADY_PAID.
func (p Premiums) Post(ctx context.Context, paymentID string, beneficiary domain.IDNumber, year int, amount domain.Amount) error {
	if err := p.Faults.Check(external.OpPremiumPost); err != nil {
		return err
	}
	const q = `INSERT INTO sim.premium_postings (payment_id, beneficiary_id_number, year, amount, status)
		VALUES ($1, $2, $3, $4, 'posted') ON CONFLICT (payment_id) DO NOTHING`
	if _, err := p.DB.ExecContext(ctx, q, paymentID, beneficiary, year, amount); err != nil {
		if isUniqueViolation(err, "premium_postings_one_per_person_year") {
			return domain.Errorf(domain.CodePremiumAlreadyPaid, "the %d premium of this person is paid or being paid already", year)
		}
		return err
	}
	var got premiumPosting
	if err := p.DB.GetContext(ctx, &got, `SELECT payment_id, beneficiary_id_number, year, amount, status
		FROM sim.premium_postings WHERE payment_id = $1`, paymentID); err != nil {
		return err
	}
	if got.Status != "posted" || got.Beneficiary != beneficiary || got.Year != year || !got.Amount.Equal(amount.Decimal) {
		// The same payment id was booked differently or taken back: a
		// retry cannot change that.
		return domain.Errorf(domain.CodeInternal, "payment %s is booked as %s %d %s (%s)", paymentID, got.Beneficiary.Masked(), got.Year, got.Amount, got.Status)
	}
	return nil
}

// Cancel marks the posting cancelled; unknown payment ids are fine.
func (p Premiums) Cancel(ctx context.Context, paymentID string) error {
	if err := p.Faults.Check(external.OpPremiumCancel); err != nil {
		return err
	}
	_, err := p.DB.ExecContext(ctx, `UPDATE sim.premium_postings SET status = 'cancelled', updated_at = now()
		WHERE payment_id = $1 AND status = 'posted'`, paymentID)
	return err
}
