package db

import (
	"context"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/domain"
)

func liveStatuses() pq.StringArray {
	live := make([]string, len(domain.LiveBindingStatuses))
	for i, st := range domain.LiveBindingStatuses {
		live[i] = string(st)
	}
	return pq.StringArray(live)
}

// PayerOrder is the order in which a beneficiary's live bindings pay: the
// bindings the beneficiary named (PUT /v1/me/priority) in their order, then
// the others, oldest request first. ActiveBindingsFor settles in the same
// order.
func (s *Store) PayerOrder(ctx context.Context, beneficiary domain.IDNumber) ([]string, error) {
	return payerOrder(ctx, s.db, beneficiary)
}

func payerOrder(ctx context.Context, q sqlx.QueryerContext, beneficiary domain.IDNumber) ([]string, error) {
	const query = `
		SELECT b.id FROM bindings b LEFT JOIN beneficiary_priorities p ON p.binding_id = b.id
		WHERE b.beneficiary_id_number = $1 AND b.status = ANY($2)
		ORDER BY p.position NULLS LAST, b.requested_at, b.id`
	out := []string{}
	err := sqlx.SelectContext(ctx, q, &out, query, beneficiary, liveStatuses())
	return out, err
}

// SetPayerOrder replaces the beneficiary's order of payer bindings with
// the given ones and returns the order now in force (see PayerOrder). Each
// id must be one of the beneficiary's live bindings, else
// PRIORITY_BINDING_NOT_YOURS naming the first that is not (nothing is
// changed); the caller refuses duplicates. An empty list clears the order:
// oldest first.
func (s *Store) SetPayerOrder(ctx context.Context, beneficiary domain.IDNumber, bindingIDs []string) ([]string, error) {
	var out []string
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// One change at a time per beneficiary: the person row is the lock.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM persons WHERE id_number = $1 FOR UPDATE`, beneficiary); err != nil {
			return err
		}
		var mine []string
		if err := tx.SelectContext(ctx, &mine, `SELECT id FROM bindings
			WHERE id = ANY($1) AND beneficiary_id_number = $2 AND status = ANY($3)`,
			pq.StringArray(bindingIDs), beneficiary, liveStatuses()); err != nil {
			return err
		}
		for _, id := range bindingIDs {
			if !slices.Contains(mine, id) {
				return domain.Errorf(domain.CodePriorityBindingNotYours,
					"binding %s is not one of your live bindings as beneficiary", clip(id, 64)).
					WithDetails(map[string]any{"binding_id": clip(id, 64)})
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM beneficiary_priorities WHERE beneficiary_id_number = $1`, beneficiary); err != nil {
			return err
		}
		if len(bindingIDs) > 0 {
			const insert = `
				INSERT INTO beneficiary_priorities (binding_id, beneficiary_id_number, position)
				SELECT id, $2, (n - 1)::int FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`
			if _, err := tx.ExecContext(ctx, insert, pq.StringArray(bindingIDs), beneficiary); err != nil {
				return err
			}
		}
		var err error
		out, err = payerOrder(ctx, tx, beneficiary)
		return err
	})
	return out, err
}
