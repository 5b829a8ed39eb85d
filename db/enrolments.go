package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

type enrolmentRow struct {
	IDNumber string `db:"id_number"`
	Insutype string `db:"insutype"`
	Admdvs   string `db:"admdvs"`
	Status   string `db:"status"`
	Arrears  bool   `db:"arrears"`
}

func (r enrolmentRow) toDomain() domain.Enrolment {
	return domain.Enrolment{
		IDNumber: domain.IDNumber(r.IDNumber),
		Insutype: domain.Insutype(r.Insutype),
		Admdvs:   domain.Admdvs(r.Admdvs),
		Status:   domain.EnrolmentStatus(r.Status),
		Arrears:  r.Arrears,
	}
}

// PutEnrolment records where and how a known person is insured. It locks
// the person's row first, as a debit does, and stamps updated_at with the
// clock time after that lock: a debit made after the change has a later
// ledger time (the invariant on loss of cover relies on it).
func (s *Store) PutEnrolment(ctx context.Context, e domain.Enrolment) (domain.Enrolment, error) {
	out, _, err := s.PutEnrolmentEndingBindings(ctx, e, BindingEnding{})
	return out, err
}

// PutEnrolmentEndingBindings is PutEnrolment that also records, in the
// same transaction, the termination of the bindings end ends as pending
// (see recordPendingTerminations), and returns them.
func (s *Store) PutEnrolmentEndingBindings(ctx context.Context, e domain.Enrolment, end BindingEnding) (domain.Enrolment, []PendingTermination, error) {
	var (
		out     domain.Enrolment
		pending []PendingTermination
	)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if pending, err = recordPendingTerminations(ctx, tx, e.IDNumber, end); err != nil {
			return err
		}
		if _, err := getPerson(ctx, tx, e.IDNumber, true); err != nil {
			return err
		}
		const q = `
			INSERT INTO enrolments (id_number, insutype, admdvs, status, arrears, updated_at)
			VALUES ($1, $2, $3, $4, $5, clock_timestamp())
			ON CONFLICT (id_number) DO UPDATE SET insutype = EXCLUDED.insutype, admdvs = EXCLUDED.admdvs,
				status = EXCLUDED.status, arrears = EXCLUDED.arrears, updated_at = EXCLUDED.updated_at
			RETURNING id_number, insutype, admdvs, status, arrears`
		var row enrolmentRow
		if err := tx.GetContext(ctx, &row, q, e.IDNumber, e.Insutype, e.Admdvs, e.Status, e.Arrears); err != nil {
			return err
		}
		out = row.toDomain()
		return nil
	})
	if err != nil {
		return domain.Enrolment{}, nil, err
	}
	return out, pending, nil
}

// Enrolment reads a person's enrolment; ok is false when none is recorded.
func (s *Store) Enrolment(ctx context.Context, id domain.IDNumber) (e domain.Enrolment, ok bool, err error) {
	return getEnrolment(ctx, s.db, id)
}

func getEnrolment(ctx context.Context, q sqlx.QueryerContext, id domain.IDNumber) (domain.Enrolment, bool, error) {
	const query = `SELECT id_number, insutype, admdvs, status, arrears FROM enrolments WHERE id_number = $1`
	var row enrolmentRow
	if err := sqlx.GetContext(ctx, q, &row, query, id); err != nil {
		if isNoRows(err) {
			return domain.Enrolment{}, false, nil
		}
		return domain.Enrolment{}, false, err
	}
	return row.toDomain(), true, nil
}
