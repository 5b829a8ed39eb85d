package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"gongji/db"
	"gongji/domain"
)

// sqlFloor is floor (a): one settlement's database work in a single
// transaction, without HTTP or Temporal. It runs the statements the API
// and the saga's activities run, in their order, with the settlement's
// amounts: the settlement row; the fund's share (policy, locked yearly
// usage, fund_settlements, fund_pay, step); the payer query; the debit
// (binding, enrolment and account under row locks, binding usage, ledger
// entry and balance through db.PostInTx, the holder's notice through
// db.Store.AddNotificationInTx, payer row, family_account_pay, step);
// awaiting_topup; the card charge; the top-up (row, amounts, step); the
// finish (status, amounts, step). It leaves out what only the API reads
// to check the rules (institution, person, filings) and the reads of the
// final answer.
type sqlFloor struct {
	store    *db.Store
	families []family
	today    domain.Date
	run      string
	policy   domain.FundPolicy
}

var (
	floorItems   = []byte(`[{"code":"D001","name":"阿莫西林胶囊","category":"drug","amount":"150.00"},{"code":"N001","name":"口罩","category":"non_medical","amount":"5.50"}]`)
	floorMedical = domain.MustAmount("150.00")
	floorTopup   = domain.MustAmount("5.50")
	floorTotal   = domain.MustAmount("155.50")
)

func newSQLFloor(ctx context.Context, store *db.Store, families []family, today domain.Date, run string) (*sqlFloor, error) {
	policies, err := store.FundPolicies(ctx)
	if err != nil {
		return nil, err
	}
	p, ok := domain.FundPolicyOn(policies, domain.InsutypeResident, domain.MedicalOutpatient, today)
	if !ok {
		return nil, fmt.Errorf("no fund policy for 390 outpatient on %s", today)
	}
	return &sqlFloor{store: store, families: families, today: today, run: run, policy: p}, nil
}

// settle runs the n-th settlement's database work in one transaction.
func (f *sqlFloor) settle(ctx context.Context, n int64) error {
	fam := f.families[int(n%int64(len(f.families)))]
	id := uuid.NewString()
	now := time.Now()
	year := f.today.Year
	return f.store.InTx(ctx, func(tx *sqlx.Tx) error {
		step := func(key, name, outcome, detail string, amount *domain.Amount) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO settlement_steps (settlement_id, step_key, step, outcome, detail, amount, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (step_key) DO NOTHING`, id, key, name, outcome, detail, amount, now)
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settlements (id, institution_code, visit_no, patient_id_number, cert_type,
				medical_type, service_date, insutype, items, use_family_account, topup_method, request_hash, status, total)
			VALUES ($1, 'H65270100001', $2, $3, 'e_voucher', 'outpatient', $4, '390', $5, true, 'bank_card', 'floor', 'processing', $6)
			ON CONFLICT (institution_code, visit_no) DO NOTHING`,
			id, fmt.Sprintf("F%s-%d", f.run, n), fam.Child, f.today, floorItems, floorTotal); err != nil {
			return err
		}

		// The fund's share.
		if _, err := tx.ExecContext(ctx, `SELECT insutype, medical_type, effective_from, deductible, ratio, yearly_cap FROM fund_policies`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fund_usage (id_number, year, insutype, medical_type) VALUES ($1, $2, '390', 'outpatient')
			ON CONFLICT DO NOTHING`, fam.Child, year); err != nil {
			return err
		}
		var usage struct {
			DeductibleUsed domain.Amount `db:"deductible_used"`
			FundPaid       domain.Amount `db:"fund_paid"`
		}
		if err := tx.GetContext(ctx, &usage, `SELECT deductible_used, fund_paid FROM fund_usage
			WHERE id_number = $1 AND year = $2 AND insutype = '390' AND medical_type = 'outpatient' FOR UPDATE`, fam.Child, year); err != nil {
			return err
		}
		var booked domain.Amount
		if err := tx.GetContext(ctx, &booked, `SELECT fund_pay FROM fund_settlements WHERE settlement_id = $1`, id); !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("fund share already booked: %v", err)
		}
		fundPay, deductible := domain.FundShare(f.policy, domain.FundUsage{DeductibleUsed: usage.DeductibleUsed, FundPaid: usage.FundPaid}, floorMedical)
		if _, err := tx.ExecContext(ctx, `INSERT INTO fund_settlements (settlement_id, id_number, year, insutype, medical_type, fund_pay, deductible_applied)
			VALUES ($1, $2, $3, '390', 'outpatient', $4, $5)`, id, fam.Child, year, fundPay, deductible); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fund_usage SET deductible_used = deductible_used + $3, fund_paid = fund_paid + $4
			WHERE id_number = $1 AND year = $2 AND insutype = '390' AND medical_type = 'outpatient'`, fam.Child, year, deductible, fundPay); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET fund_pay = $2, updated_at = now() WHERE id = $1`, id, fundPay); err != nil {
			return err
		}
		if err := step(id+":fund", "fund", "paid", "390 outpatient", &fundPay); err != nil {
			return err
		}

		// The payers, then the debit of the first.
		var payers []struct {
			ID          string `db:"id"`
			Holder      string `db:"holder_id_number"`
			Status      string `db:"enrolment_status"`
			Arrears     bool   `db:"arrears"`
			AccountOpen bool   `db:"account_open"`
			Frozen      bool   `db:"frozen"`
		}
		if err := tx.SelectContext(ctx, &payers, `
			SELECT b.id, b.holder_id_number, COALESCE(e.status, '') AS enrolment_status, COALESCE(e.arrears, false) AS arrears,
				a.id_number IS NOT NULL AS account_open, COALESCE(a.status = 'frozen', false) AS frozen
			FROM bindings b
			LEFT JOIN enrolments e ON e.id_number = b.holder_id_number
			LEFT JOIN accounts a ON a.id_number = b.holder_id_number
			LEFT JOIN beneficiary_priorities p ON p.binding_id = b.id
			WHERE b.beneficiary_id_number = $1 AND b.status = 'active'
				AND b.valid_from <= $2 AND (b.valid_until IS NULL OR b.valid_until >= $2)
			ORDER BY p.position NULLS LAST, b.requested_at, b.id`, fam.Child, f.today); err != nil {
			return err
		}
		if len(payers) != 1 {
			return fmt.Errorf("%d payers for %s, want 1", len(payers), fam.Child)
		}
		bindingID := payers[0].ID
		var limit *domain.Amount
		if err := tx.GetContext(ctx, &limit, `SELECT annual_limit FROM bindings WHERE id = $1 FOR UPDATE`, bindingID); err != nil {
			return err
		}
		debitKey := "settlement:" + id + ":debit:" + bindingID
		if _, err := tx.ExecContext(ctx, `SELECT id FROM ledger_entries WHERE business_key = $1`, debitKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT status, arrears FROM enrolments WHERE id_number = $1`, fam.Holder); err != nil {
			return err
		}
		var balance domain.Amount
		if err := tx.GetContext(ctx, &balance, `SELECT balance FROM accounts WHERE id_number = $1 FOR UPDATE`, fam.Holder); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING`, bindingID, year); err != nil {
			return err
		}
		var used domain.Amount
		if err := tx.GetContext(ctx, &used, `SELECT used FROM binding_usage WHERE binding_id = $1 AND year = $2 FOR UPDATE`, bindingID, year); err != nil {
			return err
		}
		take := domain.DebitLimit(floorMedical.Sub(fundPay), balance, limit, used)
		entry, err := db.PostInTx(ctx, tx, db.Posting{
			Account: fam.Holder, Amount: take.Neg(), Kind: domain.EntrySettlementDebit, BusinessKey: debitKey,
			SettlementID: id, BindingID: bindingID, Beneficiary: fam.Child, Institution: "H65270100001",
		})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT (SELECT name FROM persons WHERE id_number = $1), (SELECT name FROM institutions WHERE code = $2)`,
			fam.Child, "H65270100001"); err != nil {
			return err
		}
		text := domain.SettlementNoticeText(domain.NoticeSharedAccountDebited, "子女", fam.Child, "博尔塔拉州人民医院", take, entry.BalanceAfter)
		if _, err := f.store.AddNotificationInTx(ctx, tx, db.Notification{
			Recipient: string(fam.Holder), Kind: string(domain.NoticeSharedAccountDebited),
			BindingID: sql.NullString{String: bindingID, Valid: true}, SettlementID: sql.NullString{String: id, Valid: true},
			Amount: &take, DedupKey: db.PayerNoticeKey(id, "debit", bindingID),
		}.WithText(text)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE binding_usage SET used = used + $3 WHERE binding_id = $1 AND year = $2`, bindingID, year, take); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settlement_payers (settlement_id, binding_id, holder_id_number, amount, position)
			VALUES ($1, $2, $3, $4, 0)`, id, bindingID, fam.Holder, take); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET family_account_pay = family_account_pay + $2, updated_at = now() WHERE id = $1`, id, take); err != nil {
			return err
		}
		if err := step(debitKey, "shared_account", "debited", "binding "+bindingID, &take); err != nil {
			return err
		}

		// The top-up: due, charged, booked; then the end.
		due := floorMedical.Sub(fundPay).Sub(take).Add(floorTopup)
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET status = 'awaiting_topup', topup_due = $2, updated_at = now()
			WHERE id = $1 AND status IN ('processing', 'awaiting_topup')`, id, due); err != nil {
			return err
		}
		chargeKey := id + ":charge:1"
		if _, err := tx.ExecContext(ctx, `INSERT INTO card_charges (charge_key, card_token, amount, status) VALUES ($1, 'tok_bench', $2, 'captured')
			ON CONFLICT (charge_key) DO NOTHING`, chargeKey, due); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT status FROM card_charges WHERE charge_key = $1`, chargeKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO topups (settlement_id, method, amount, receipt_no, charge_id) VALUES ($1, 'bank_card', $2, '', $3)
			ON CONFLICT (settlement_id) DO NOTHING`, id, due, chargeKey); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET topup_pay = $2, topup_due = 0, updated_at = now() WHERE id = $1`, id, due); err != nil {
			return err
		}
		if err := step(id+":topup", "topup", "collected", "bank_card", &due); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settlements SET status = 'completed', fund_pay = $2, family_account_pay = $3, topup_pay = $4,
				topup_due = 0, updated_at = now() WHERE id = $1 AND status IN ('processing', 'awaiting_topup')`, id, fundPay, take, due); err != nil {
			return err
		}
		return step(id+":finish", "completed", "done", "", nil)
	})
}
