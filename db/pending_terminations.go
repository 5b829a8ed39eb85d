package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/domain"
)

// BindingEnding says which of a person's live bindings a sync write (a
// death, an enrolment change) ends, and on whose behalf.
type BindingEnding struct {
	By string
	At time.Time
	// Reason says why a binding ends; "" keeps it. A nil Reason ends none.
	Reason func(domain.Binding) string
}

// PendingTermination is a binding a sync write ended, whose workflow is
// still to be told.
type PendingTermination struct {
	BindingID string
	Reason    string
}

// recordPendingTerminations records, in the sync write's transaction, a
// termination_pending history entry on each live binding of the person
// that end ends, and returns them. The binding's workflow records
// `terminated` once told; until then the history says the termination is
// pending, whether or not the workflow could be reached. Repeating the
// same write records nothing new and returns the bindings still live, so
// that they are told again. It runs before the write locks the person:
// bindings first, then the person, as a debit takes them.
func recordPendingTerminations(ctx context.Context, tx *sqlx.Tx, person domain.IDNumber, end BindingEnding) ([]PendingTermination, error) {
	if end.Reason == nil {
		return nil, nil
	}
	live := make([]string, len(domain.LiveBindingStatuses))
	for i, st := range domain.LiveBindingStatuses {
		live[i] = string(st)
	}
	var rows []bindingRow
	q := bindingSelect + ` WHERE (b.holder_id_number = $2 OR b.beneficiary_id_number = $2) AND b.status = ANY($3) ORDER BY b.id`
	if err := tx.SelectContext(ctx, &rows, q, 0, person, pq.StringArray(live)); err != nil {
		return nil, err
	}
	var pending []PendingTermination
	for _, r := range rows {
		why := end.Reason(r.toDomain())
		if why == "" {
			continue
		}
		const insert = `
			INSERT INTO binding_history (binding_id, at, event, by_actor, reason, event_key) VALUES ($1, $2, 'termination_pending', $3, $4, $5)
			ON CONFLICT (event_key) DO NOTHING`
		if _, err := tx.ExecContext(ctx, insert, r.ID, end.At, end.By, why, r.ID+":termination_pending:"+why); err != nil {
			return nil, err
		}
		pending = append(pending, PendingTermination{BindingID: r.ID, Reason: why})
	}
	return pending, nil
}
