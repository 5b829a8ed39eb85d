package db

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// payingBinding is the binding row a debit locks first.
type payingBinding struct {
	ID          string               `db:"id"`
	Holder      domain.IDNumber      `db:"holder_id_number"`
	Beneficiary domain.IDNumber      `db:"beneficiary_id_number"`
	Status      domain.BindingStatus `db:"status"`
	ValidFrom   domain.Date          `db:"valid_from"`
	ValidUntil  domain.Date          `db:"valid_until"`
	Limit       *domain.Amount       `db:"annual_limit"`
}

func (b payingBinding) toDomain() domain.Binding {
	return domain.Binding{ID: b.ID, Holder: b.Holder, Beneficiary: b.Beneficiary, Status: b.Status,
		ValidFrom: b.ValidFrom, Terms: domain.Terms{AnnualLimit: b.Limit, ValidUntil: b.ValidUntil}}
}

// lockPayingBinding locks a binding row FOR UPDATE, as everything that
// changes a binding or its usage does first; BINDING_NOT_FOUND when unknown.
func lockPayingBinding(ctx context.Context, tx *sqlx.Tx, id string) (payingBinding, error) {
	var b payingBinding
	err := tx.GetContext(ctx, &b, `SELECT id, holder_id_number, beneficiary_id_number, status, valid_from, valid_until, annual_limit
		FROM bindings WHERE id = $1 FOR UPDATE`, id)
	if isNoRows(err) {
		return payingBinding{}, domain.Errorf(domain.CodeBindingNotFound, "no such binding")
	}
	return b, err
}

// lockDebitFacts reads what domain.CheckDebit decides on, in the debit's
// transaction, after the binding row: the holder's person and enrolment
// rows FOR SHARE and account row FOR UPDATE, then the beneficiary's person
// and enrolment rows FOR SHARE (the order RecordDeath, PutEnrolment and
// PutAccount take them in: person first). A death or an enrolment change
// written meanwhile waits for the debit to commit, and a debit that comes
// after it sees it.
func lockDebitFacts(ctx context.Context, tx *sqlx.Tx, b payingBinding, on domain.Date) (domain.DebitFacts, error) {
	holder, err := lockParty(ctx, tx, b.Holder, true)
	if err != nil {
		return domain.DebitFacts{}, err
	}
	beneficiary, err := lockParty(ctx, tx, b.Beneficiary, false)
	if err != nil {
		return domain.DebitFacts{}, err
	}
	return domain.DebitFacts{Holder: holder, Beneficiary: beneficiary, Binding: b.toDomain(), On: on}, nil
}

func lockParty(ctx context.Context, tx *sqlx.Tx, id domain.IDNumber, withAccount bool) (domain.Party, error) {
	var p domain.Party
	var person personRow
	if err := tx.GetContext(ctx, &person, `SELECT id_number, name, phone, death_date FROM persons WHERE id_number = $1 FOR SHARE`, id); err != nil {
		return domain.Party{}, err
	}
	p.Person = person.toDomain()
	var e enrolmentRow
	err := tx.GetContext(ctx, &e, `SELECT id_number, insutype, admdvs, status, arrears FROM enrolments WHERE id_number = $1 FOR SHARE`, id)
	switch {
	case err == nil:
		enrolment := e.toDomain()
		p.Enrolment = &enrolment
	case !isNoRows(err):
		return domain.Party{}, err
	}
	if withAccount {
		account, open, err := getAccount(ctx, tx, id, true)
		if err != nil {
			return domain.Party{}, err
		}
		if open {
			p.Account = &account
		}
	}
	return p, nil
}

// debitFactsRow is one payer candidate as PayersFor reads it, unlocked,
// with the facts domain.CheckDebit decides on (NULL where a row is
// missing).
type debitFactsRow struct {
	payingBinding
	HolderDeath         domain.Date    `db:"holder_death"`
	HolderInsutype      sql.NullString `db:"holder_insutype"`
	HolderAdmdvs        sql.NullString `db:"holder_admdvs"`
	HolderStatus        sql.NullString `db:"holder_status"`
	HolderArrears       sql.NullBool   `db:"holder_arrears"`
	AccountStatus       sql.NullString `db:"account_status"`
	BeneficiaryDeath    domain.Date    `db:"beneficiary_death"`
	BeneficiaryInsutype sql.NullString `db:"beneficiary_insutype"`
	BeneficiaryAdmdvs   sql.NullString `db:"beneficiary_admdvs"`
	BeneficiaryStatus   sql.NullString `db:"beneficiary_status"`
	BeneficiaryArrears  sql.NullBool   `db:"beneficiary_arrears"`
	Paid                bool           `db:"paid"`
	payerRankRow
}

// debitFactsColumns are debitFactsRow's columns over bindings b, holder
// person hp, enrolment he and account a, beneficiary person bp and
// enrolment be.
const debitFactsColumns = `b.id, b.holder_id_number, b.beneficiary_id_number, b.status, b.valid_from, b.valid_until, b.annual_limit,
	hp.death_date AS holder_death, he.insutype AS holder_insutype, he.admdvs AS holder_admdvs, he.status AS holder_status,
	he.arrears AS holder_arrears, a.status AS account_status,
	bp.death_date AS beneficiary_death, be.insutype AS beneficiary_insutype, be.admdvs AS beneficiary_admdvs,
	be.status AS beneficiary_status, be.arrears AS beneficiary_arrears`

const debitFactsJoins = `
	JOIN persons hp ON hp.id_number = b.holder_id_number
	LEFT JOIN enrolments he ON he.id_number = b.holder_id_number
	LEFT JOIN accounts a ON a.id_number = b.holder_id_number
	JOIN persons bp ON bp.id_number = b.beneficiary_id_number
	LEFT JOIN enrolments be ON be.id_number = b.beneficiary_id_number`

func (r debitFactsRow) facts(on domain.Date) domain.DebitFacts {
	holder := domain.Party{
		Person:    domain.Person{IDNumber: r.Holder, DeathDate: r.HolderDeath},
		Enrolment: enrolmentOf(r.Holder, r.HolderInsutype, r.HolderAdmdvs, r.HolderStatus, r.HolderArrears),
	}
	if r.AccountStatus.Valid {
		holder.Account = &domain.Account{IDNumber: r.Holder, Status: domain.AccountStatus(r.AccountStatus.String)}
	}
	beneficiary := domain.Party{
		Person:    domain.Person{IDNumber: r.Beneficiary, DeathDate: r.BeneficiaryDeath},
		Enrolment: enrolmentOf(r.Beneficiary, r.BeneficiaryInsutype, r.BeneficiaryAdmdvs, r.BeneficiaryStatus, r.BeneficiaryArrears),
	}
	return domain.DebitFacts{Holder: holder, Beneficiary: beneficiary, Binding: r.payingBinding.toDomain(), On: on}
}

func enrolmentOf(id domain.IDNumber, insutype, admdvs, status sql.NullString, arrears sql.NullBool) *domain.Enrolment {
	if !insutype.Valid {
		return nil
	}
	return &domain.Enrolment{IDNumber: id, Insutype: domain.Insutype(insutype.String), Admdvs: domain.Admdvs(admdvs.String),
		Status: domain.EnrolmentStatus(status.String), Arrears: arrears.Bool}
}
