package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Settlement is a settlement as the read model holds it.
type Settlement struct {
	ID               string                  `db:"id"`
	Institution      string                  `db:"institution_code"`
	VisitNo          string                  `db:"visit_no"`
	Patient          string                  `db:"patient_id_number"`
	CertType         string                  `db:"cert_type"`
	MedicalType      string                  `db:"medical_type"`
	ServiceDate      domain.Date             `db:"service_date"`
	Insutype         string                  `db:"insutype"`
	ItemsJSON        []byte                  `db:"items"`
	UseFamilyAccount bool                    `db:"use_family_account"`
	TopupMethod      string                  `db:"topup_method"`
	RequestHash      string                  `db:"request_hash"`
	Status           domain.SettlementStatus `db:"status"`
	Total            domain.Amount           `db:"total"`
	FundPay          domain.Amount           `db:"fund_pay"`
	FamilyAccountPay domain.Amount           `db:"family_account_pay"`
	TopupPay         domain.Amount           `db:"topup_pay"`
	TopupDue         domain.Amount           `db:"topup_due"`
	RefusalCode      sql.NullString          `db:"refusal_code"`
	RefusalMessage   sql.NullString          `db:"refusal_message"`
	CreatedAt        time.Time               `db:"created_at"`
	Payers           []SettlementPayer       `db:"-"`
	Steps            []SettlementStep        `db:"-"`
}

// Items decodes the bill.
func (s Settlement) Items() ([]domain.Item, error) {
	var items []domain.Item
	err := json.Unmarshal(s.ItemsJSON, &items)
	return items, err
}

// SettlementPayer is one binding that paid from a shared account.
type SettlementPayer struct {
	BindingID string        `db:"binding_id"`
	Holder    string        `db:"holder_id_number"`
	Amount    domain.Amount `db:"amount"`
	Refunded  bool          `db:"refunded"`
}

// SettlementStep is one step a settlement took.
type SettlementStep struct {
	At      time.Time      `db:"at"`
	Step    string         `db:"step"`
	Outcome string         `db:"outcome"`
	Detail  string         `db:"detail"`
	Amount  *domain.Amount `db:"amount"`
}

const settlementColumns = `id, institution_code, visit_no, patient_id_number, cert_type, medical_type, service_date,
	insutype, items, use_family_account, topup_method, request_hash, status, total, fund_pay, family_account_pay,
	topup_pay, topup_due, refusal_code, refusal_message, created_at`

// CreateSettlement stores a new settlement as processing. If the
// institution already has one for the visit, it returns that one and
// created is false.
func (s *Store) CreateSettlement(ctx context.Context, st Settlement) (out Settlement, created bool, err error) {
	const q = `
		INSERT INTO settlements (id, institution_code, visit_no, patient_id_number, cert_type, medical_type, service_date,
			insutype, items, use_family_account, topup_method, request_hash, status, total)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'processing', $13)
		ON CONFLICT (institution_code, visit_no) DO NOTHING`
	res, err := s.db.ExecContext(ctx, q, st.ID, st.Institution, st.VisitNo, st.Patient, st.CertType, st.MedicalType,
		st.ServiceDate, st.Insutype, st.ItemsJSON, st.UseFamilyAccount, st.TopupMethod, st.RequestHash, st.Total)
	if err != nil {
		return Settlement{}, false, err
	}
	n, _ := res.RowsAffected()
	var existing Settlement
	if err := s.db.GetContext(ctx, &existing, `SELECT `+settlementColumns+` FROM settlements WHERE institution_code = $1 AND visit_no = $2`,
		st.Institution, st.VisitNo); err != nil {
		return Settlement{}, false, err
	}
	return existing, n == 1, nil
}

// SettlementByVisit reads the institution's settlement for a visit,
// without its payers and steps; ok is false when there is none.
func (s *Store) SettlementByVisit(ctx context.Context, institution, visitNo string) (Settlement, bool, error) {
	var st Settlement
	err := s.db.GetContext(ctx, &st, `SELECT `+settlementColumns+` FROM settlements WHERE institution_code = $1 AND visit_no = $2`,
		institution, visitNo)
	if isNoRows(err) {
		return Settlement{}, false, nil
	}
	return st, err == nil, err
}

// Settlement reads a settlement with its payers and steps;
// SETTLEMENT_NOT_FOUND when unknown.
func (s *Store) Settlement(ctx context.Context, id string) (Settlement, error) {
	var st Settlement
	if err := s.db.GetContext(ctx, &st, `SELECT `+settlementColumns+` FROM settlements WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return Settlement{}, domain.Errorf(domain.CodeSettlementNotFound, "no such settlement")
		}
		return Settlement{}, err
	}
	if err := s.db.SelectContext(ctx, &st.Payers, `SELECT binding_id, holder_id_number, amount, refunded
		FROM settlement_payers WHERE settlement_id = $1 ORDER BY position`, id); err != nil {
		return Settlement{}, err
	}
	if err := s.db.SelectContext(ctx, &st.Steps, `SELECT at, step, outcome, detail, amount
		FROM settlement_steps WHERE settlement_id = $1 ORDER BY id`, id); err != nil {
		return Settlement{}, err
	}
	return st, nil
}

// SettlementFilter selects an institution's settlements for a list.
type SettlementFilter struct {
	Institution string
	Patient     domain.IDNumber
	From, To    domain.Date
	After       *Cursor
	Limit       int
}

// ListSettlements lists an institution's settlements, newest first.
func (s *Store) ListSettlements(ctx context.Context, f SettlementFilter) ([]Settlement, error) {
	at, id := cursorArgs(f.After)
	q := `SELECT ` + settlementColumns + ` FROM settlements
		WHERE institution_code = $1 AND ($2 = '' OR patient_id_number = $2)
		AND ($3::date IS NULL OR service_date >= $3) AND ($4::date IS NULL OR service_date <= $4)
		AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6))
		ORDER BY created_at DESC, id DESC LIMIT $7`
	var out []Settlement
	err := s.db.SelectContext(ctx, &out, q, f.Institution, string(f.Patient), f.From, f.To, at, id, f.Limit)
	return out, err
}

// AwaitTopup records what is still to be collected at the counter and
// returns zero; or, when a top-up is already booked for the settlement (by
// an earlier run of its saga), leaves the settlement as it is and returns
// that top-up's amount, so that it is not collected twice.
func (s *Store) AwaitTopup(ctx context.Context, id string, due domain.Amount) (booked domain.Amount, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &booked, `SELECT amount FROM topups WHERE settlement_id = $1 AND refunded_at IS NULL`, id)
		if !isNoRows(err) {
			return err
		}
		booked = domain.Zero
		const q = `UPDATE settlements SET status = 'awaiting_topup', topup_due = $2, updated_at = now()
			WHERE id = $1 AND status IN ('processing', 'awaiting_topup')`
		_, err = tx.ExecContext(ctx, q, id, due)
		return err
	})
	return booked, err
}

// SettlementOutcome is how a settlement ended: the saga's message as it
// is.
type SettlementOutcome = domain.SettlementOutcome

// FinishSettlement writes the final amounts and status with a step. It is
// idempotent; a completed settlement whose amounts do not add up to its
// total is refused by the database.
func (s *Store) FinishSettlement(ctx context.Context, o SettlementOutcome) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		const q = `
			UPDATE settlements SET status = $2, fund_pay = $3, family_account_pay = $4, topup_pay = $5, topup_due = $6,
				refusal_code = NULLIF($7, ''), refusal_message = NULLIF($8, ''), updated_at = now()
			WHERE id = $1 AND status IN ('processing', 'awaiting_topup')`
		if _, err := tx.ExecContext(ctx, q, o.ID, o.Status, o.FundPay, o.FamilyAccountPay, o.TopupPay, o.TopupDue,
			o.RefusalCode, o.RefusalMessage); err != nil {
			return err
		}
		detail := o.RefusalMessage
		return addStep(ctx, tx, o.ID, o.ID+":finish", string(o.Status), "done", detail, nil, o.At)
	})
}

// MarkCancelled records that a completed settlement was cancelled (退费)
// after everything was reversed. A settlement in any other status is left
// as it is, without a step.
func (s *Store) MarkCancelled(ctx context.Context, id, reason string, at time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		const q = `UPDATE settlements SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'completed'`
		res, err := tx.ExecContext(ctx, q, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return addStep(ctx, tx, id, id+":cancelled", "cancelled", "done", reason, nil, at)
	})
}

// AddStep records a step of a settlement once per key.
func (s *Store) AddStep(ctx context.Context, settlementID, key, step, outcome, detail string, amount *domain.Amount, at time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		return addStep(ctx, tx, settlementID, key, step, outcome, detail, amount, at)
	})
}

func addStep(ctx context.Context, tx *sqlx.Tx, settlementID, key, step, outcome, detail string, amount *domain.Amount, at time.Time) error {
	const q = `INSERT INTO settlement_steps (settlement_id, step_key, step, outcome, detail, amount, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (step_key) DO NOTHING`
	_, err := tx.ExecContext(ctx, q, settlementID, key, step, outcome, detail, amount, at)
	return err
}
