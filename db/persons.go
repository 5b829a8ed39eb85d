package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

type personRow struct {
	IDNumber  string      `db:"id_number"`
	Name      string      `db:"name"`
	Phone     string      `db:"phone"`
	DeathDate domain.Date `db:"death_date"`
}

func (r personRow) toDomain() domain.Person {
	return domain.Person{IDNumber: domain.IDNumber(r.IDNumber), Name: r.Name, Phone: r.Phone, DeathDate: r.DeathDate}
}

// UpsertPerson creates the person or updates name and phone.
func (s *Store) UpsertPerson(ctx context.Context, p domain.Person) (domain.Person, error) {
	const q = `
		INSERT INTO persons (id_number, name, phone) VALUES ($1, $2, $3)
		ON CONFLICT (id_number) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone, updated_at = now()
		RETURNING id_number, name, phone, death_date`
	var row personRow
	if err := s.db.GetContext(ctx, &row, q, p.IDNumber, p.Name, p.Phone); err != nil {
		return domain.Person{}, err
	}
	return row.toDomain(), nil
}

// Person reads one person; PERSON_NOT_FOUND when unknown.
func (s *Store) Person(ctx context.Context, id domain.IDNumber) (domain.Person, error) {
	return getPerson(ctx, s.db, id, false)
}

// RecordDeath sets the person's date of death, and when it was recorded
// (the clock time once the person's row is locked: after any debit that
// holds it has committed). Recording the same date again is a no-op; a
// different date is PERSON_DECEASED.
func (s *Store) RecordDeath(ctx context.Context, id domain.IDNumber, date domain.Date) (domain.Person, error) {
	p, _, err := s.RecordDeathEndingBindings(ctx, id, date, BindingEnding{})
	return p, err
}

// RecordDeathEndingBindings is RecordDeath that also records, in the same
// transaction, the termination of the bindings end ends as pending (see
// recordPendingTerminations), and returns them.
func (s *Store) RecordDeathEndingBindings(ctx context.Context, id domain.IDNumber, date domain.Date, end BindingEnding) (domain.Person, []PendingTermination, error) {
	var (
		out     domain.Person
		pending []PendingTermination
	)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if pending, err = recordPendingTerminations(ctx, tx, id, end); err != nil {
			return err
		}
		p, err := getPerson(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !p.DeathDate.IsZero() {
			if p.DeathDate != date {
				return domain.Errorf(domain.CodePersonDeceased, "a death on %s is already recorded", p.DeathDate).
					WithDetails(map[string]any{"death_date": p.DeathDate.String()})
			}
			out = p
			return nil
		}
		const q = `UPDATE persons SET death_date = $2, death_recorded_at = clock_timestamp(), updated_at = now() WHERE id_number = $1`
		if _, err := tx.ExecContext(ctx, q, id, date); err != nil {
			return err
		}
		p.DeathDate = date
		out = p
		return nil
	})
	if err != nil {
		return domain.Person{}, nil, err
	}
	return out, pending, nil
}

func getPerson(ctx context.Context, q sqlx.QueryerContext, id domain.IDNumber, forUpdate bool) (domain.Person, error) {
	query := `SELECT id_number, name, phone, death_date FROM persons WHERE id_number = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var row personRow
	if err := sqlx.GetContext(ctx, q, &row, query, id); err != nil {
		if isNoRows(err) {
			return domain.Person{}, domain.Errorf(domain.CodePersonNotFound, "no person with that ID number is known")
		}
		return domain.Person{}, err
	}
	return row.toDomain(), nil
}
