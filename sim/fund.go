package sim

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"gongji/domain"
	"gongji/external"
)

// Fund is the offline fund engine: it applies the illustrative policy in
// sim.fund_policies (deductible, ratio, yearly cap per insutype and
// medical type) and tracks each patient's yearly usage.
type Fund struct {
	DB     *sqlx.DB
	Faults *external.Faults
}

// Settle computes and books the fund's share under the policy in force,
// updating the patient's yearly usage under a row lock. It is idempotent
// on the settlement id: a second call returns the share booked the first
// time, and a share already cancelled is SETTLEMENT_ALREADY_REVERSED.
func (f Fund) Settle(ctx context.Context, c domain.FundClaim) (domain.Amount, error) {
	if err := f.Faults.Check(external.OpFundSettle); err != nil {
		return domain.Amount{}, err
	}
	policies, err := f.Policies(ctx)
	if err != nil {
		return domain.Amount{}, err
	}
	policy, ok := domain.FundPolicyOn(policies, c.Insutype, c.MedicalType, c.ServiceDate)
	if !ok {
		return domain.Amount{}, domain.Errorf(domain.CodeNoFundPolicy, "no fund policy for %s %s on %s", c.Insutype, c.MedicalType, c.ServiceDate)
	}
	var fundPay domain.Amount
	err = inTx(ctx, f.DB, func(tx *sqlx.Tx) error {
		usage, err := lockFundUsage(ctx, tx, c.Patient, c.ServiceDate.Year, c.Insutype, c.MedicalType)
		if err != nil {
			return err
		}
		var booked struct {
			FundPay   domain.Amount `db:"fund_pay"`
			Cancelled bool          `db:"cancelled"`
		}
		err = tx.GetContext(ctx, &booked, `SELECT fund_pay, cancelled_at IS NOT NULL AS cancelled FROM sim.fund_settlements WHERE settlement_id = $1`, c.SettlementID)
		if err == nil && booked.Cancelled {
			return domain.Errorf(domain.CodeSettlementAlreadyReversed, "the fund share of settlement %s was cancelled; it is not booked again", c.SettlementID)
		}
		if err == nil {
			fundPay = booked.FundPay
			return nil
		}
		if !isNoRows(err) {
			return err
		}
		var deductible domain.Amount
		fundPay, deductible = domain.FundShare(policy, usage, c.Medical)
		const insert = `INSERT INTO sim.fund_settlements (settlement_id, id_number, year, insutype, medical_type, fund_pay, deductible_applied)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`
		if _, err := tx.ExecContext(ctx, insert, c.SettlementID, c.Patient, c.ServiceDate.Year, c.Insutype, c.MedicalType, fundPay, deductible); err != nil {
			return err
		}
		const update = `UPDATE sim.fund_usage SET deductible_used = deductible_used + $5, fund_paid = fund_paid + $6
			WHERE id_number = $1 AND year = $2 AND insutype = $3 AND medical_type = $4`
		_, err = tx.ExecContext(ctx, update, c.Patient, c.ServiceDate.Year, c.Insutype, c.MedicalType, deductible, fundPay)
		return err
	})
	return fundPay, err
}

// Cancel reverses the fund's share of a settlement and gives back the
// patient's yearly usage. It is idempotent and does nothing when the fund
// never paid.
func (f Fund) Cancel(ctx context.Context, settlementID string, at time.Time) error {
	if err := f.Faults.Check(external.OpFundCancel); err != nil {
		return err
	}
	return inTx(ctx, f.DB, func(tx *sqlx.Tx) error {
		var fs struct {
			Patient     string        `db:"id_number"`
			Year        int           `db:"year"`
			Insutype    string        `db:"insutype"`
			MedicalType string        `db:"medical_type"`
			FundPay     domain.Amount `db:"fund_pay"`
			Deductible  domain.Amount `db:"deductible_applied"`
		}
		err := tx.GetContext(ctx, &fs, `SELECT id_number, year, insutype, medical_type, fund_pay, deductible_applied
			FROM sim.fund_settlements WHERE settlement_id = $1 AND cancelled_at IS NULL FOR UPDATE`, settlementID)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := lockFundUsage(ctx, tx, domain.IDNumber(fs.Patient), fs.Year, domain.Insutype(fs.Insutype), domain.MedicalType(fs.MedicalType)); err != nil {
			return err
		}
		const update = `UPDATE sim.fund_usage SET deductible_used = deductible_used - $5, fund_paid = fund_paid - $6
			WHERE id_number = $1 AND year = $2 AND insutype = $3 AND medical_type = $4`
		if _, err := tx.ExecContext(ctx, update, fs.Patient, fs.Year, fs.Insutype, fs.MedicalType, fs.Deductible, fs.FundPay); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sim.fund_settlements SET cancelled_at = $2 WHERE settlement_id = $1`, settlementID, at)
		return err
	})
}

// Policies reads every version of the fund policy.
func (f Fund) Policies(ctx context.Context) ([]domain.FundPolicy, error) {
	var rows []struct {
		Insutype      string          `db:"insutype"`
		MedicalType   string          `db:"medical_type"`
		EffectiveFrom domain.Date     `db:"effective_from"`
		Deductible    domain.Amount   `db:"deductible"`
		Ratio         decimal.Decimal `db:"ratio"`
		YearlyCap     domain.Amount   `db:"yearly_cap"`
	}
	const q = `SELECT insutype, medical_type, effective_from, deductible, ratio, yearly_cap FROM sim.fund_policies`
	if err := f.DB.SelectContext(ctx, &rows, q); err != nil {
		return nil, err
	}
	out := make([]domain.FundPolicy, len(rows))
	for i, r := range rows {
		out[i] = domain.FundPolicy{
			Insutype: domain.Insutype(r.Insutype), MedicalType: domain.MedicalType(r.MedicalType), EffectiveFrom: r.EffectiveFrom,
			Deductible: r.Deductible, Ratio: r.Ratio, YearlyCap: r.YearlyCap,
		}
	}
	return out, nil
}

func lockFundUsage(ctx context.Context, tx *sqlx.Tx, patient domain.IDNumber, year int, t domain.Insutype, m domain.MedicalType) (domain.FundUsage, error) {
	const ensure = `INSERT INTO sim.fund_usage (id_number, year, insutype, medical_type) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	if _, err := tx.ExecContext(ctx, ensure, patient, year, t, m); err != nil {
		return domain.FundUsage{}, err
	}
	var u struct {
		DeductibleUsed domain.Amount `db:"deductible_used"`
		FundPaid       domain.Amount `db:"fund_paid"`
	}
	const q = `SELECT deductible_used, fund_paid FROM sim.fund_usage
		WHERE id_number = $1 AND year = $2 AND insutype = $3 AND medical_type = $4 FOR UPDATE`
	if err := tx.GetContext(ctx, &u, q, patient, year, t, m); err != nil {
		return domain.FundUsage{}, err
	}
	return domain.FundUsage{DeductibleUsed: u.DeductibleUsed, FundPaid: u.FundPaid}, nil
}
