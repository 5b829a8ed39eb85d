package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/domain"
)

// family is one loaded binding: a holder with an employee account and a
// child bound to it.
type family struct {
	BindingID   string
	Holder      domain.IDNumber
	Beneficiary domain.IDNumber
}

// loadFamilies writes n holders (310, account of 5000.00), n children
// (390) and n active bindings valid until `until`, with their history up
// to the approval (event sequence 2), in a few set-based statements.
func loadFamilies(ctx context.Context, conn *sqlx.DB, n int, until domain.Date, at time.Time) ([]family, error) {
	fams := make([]family, n)
	ids := make([]string, n)
	holders := make([]string, n)
	children := make([]string, n)
	for i := range fams {
		fams[i] = family{BindingID: fmt.Sprintf("bench-%07d", i), Holder: person(2 * i), Beneficiary: person(2*i + 1)}
		ids[i], holders[i], children[i] = fams[i].BindingID, string(fams[i].Holder), string(fams[i].Beneficiary)
	}
	today := domain.DateOf(at)
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO persons (id_number, name)
			SELECT h, '持有人' || o FROM unnest($1::text[]) WITH ORDINALITY AS t(h, o)
			UNION ALL SELECT c, '家属' || o FROM unnest($2::text[]) WITH ORDINALITY AS t(c, o)`,
			[]any{pq.Array(holders), pq.Array(children)}},
		{`INSERT INTO enrolments (id_number, insutype, admdvs, status)
			SELECT h, '310', '652701', 'normal' FROM unnest($1::text[]) h
			UNION ALL SELECT c, '390', '652701', 'normal' FROM unnest($2::text[]) c`,
			[]any{pq.Array(holders), pq.Array(children)}},
		{`INSERT INTO accounts (id_number, opening_balance, balance, status)
			SELECT h, 5000.00, 5000.00, 'normal' FROM unnest($1::text[]) h`,
			[]any{pq.Array(holders)}},
		{`INSERT INTO bindings (id, holder_id_number, beneficiary_id_number, relation, status, annual_limit,
				valid_from, valid_until, requested_at, submitted_at)
			SELECT id, h, c, 'child', 'active', 3000.00, $4, $5, $6, $6
			FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, h, c)`,
			[]any{pq.Array(ids), pq.Array(holders), pq.Array(children), today, until, at}},
		{`INSERT INTO binding_history (binding_id, at, event, by_actor, event_key)
			SELECT id, $2, e.event, e.actor, id || e.key
			FROM unnest($1::text[]) id,
				(VALUES ('requested', 'bench', ':requested'), ('submitted', 'bench', ':1:submitted'),
					('approved', 'bench', ':2:approved')) AS e(event, actor, key)`,
			[]any{pq.Array(ids), at}},
		{`ANALYZE`, nil},
	}
	for _, s := range steps {
		if _, err := conn.ExecContext(ctx, s.q, s.args...); err != nil {
			return nil, err
		}
	}
	return fams, nil
}

// person is the i-th valid ID number of 博乐市: a thousand per birth date
// from 1950 on.
func person(i int) domain.IDNumber {
	birth := domain.NewDate(1950, time.January, 1).AddDays(i / 1000)
	return domain.ComposeIDNumber("652701", birth, i%1000)
}
