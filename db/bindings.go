package db

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/domain"
)

type bindingRow struct {
	ID           string         `db:"id"`
	Holder       string         `db:"holder_id_number"`
	Beneficiary  string         `db:"beneficiary_id_number"`
	Relation     string         `db:"relation"`
	Status       string         `db:"status"`
	Consent      string         `db:"consent"`
	AnnualLimit  *domain.Amount `db:"annual_limit"`
	ValidFrom    domain.Date    `db:"valid_from"`
	ValidUntil   domain.Date    `db:"valid_until"`
	RequestedAt  time.Time      `db:"requested_at"`
	SubmittedAt  sql.NullTime   `db:"submitted_at"`
	UsedThisYear domain.Amount  `db:"used_this_year"`
}

func (r bindingRow) toDomain() domain.Binding {
	return domain.Binding{
		ID: r.ID, Holder: domain.IDNumber(r.Holder), Beneficiary: domain.IDNumber(r.Beneficiary),
		Relation: domain.Relation(r.Relation), Status: domain.BindingStatus(r.Status), Consent: domain.Consent(r.Consent),
		Terms:     domain.Terms{AnnualLimit: r.AnnualLimit, ValidUntil: r.ValidUntil},
		ValidFrom: r.ValidFrom, RequestedAt: r.RequestedAt, SubmittedAt: r.SubmittedAt.Time,
		UsedThisYear: r.UsedThisYear,
	}
}

// bindingSelect reads bindings with their usage in the year given as $1.
const bindingSelect = `
	SELECT b.id, b.holder_id_number, b.beneficiary_id_number, b.relation, b.status, b.consent, b.annual_limit,
		b.valid_from, b.valid_until, b.requested_at, b.submitted_at, COALESCE(u.used, 0) AS used_this_year
	FROM bindings b LEFT JOIN binding_usage u ON u.binding_id = b.id AND u.year = $1`

// NewBinding is a binding request that passed the rules.
type NewBinding struct {
	ID          string
	Holder      domain.IDNumber
	Beneficiary domain.IDNumber
	Relation    domain.Relation
	Terms       domain.Terms
	// Consent is pending for a beneficiary who must consent; empty is
	// not_required.
	Consent domain.Consent
	At      time.Time
}

// CreateBinding stores a new request as awaiting_documents with its first
// history entry, its workflow's start not yet confirmed (see
// ConfirmBindingStarted). A live binding for the same pair is
// BINDING_EXISTS.
func (s *Store) CreateBinding(ctx context.Context, nb NewBinding) error {
	consent := nb.Consent
	if consent == "" {
		consent = domain.ConsentNotRequired
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		const q = `
			INSERT INTO bindings (id, holder_id_number, beneficiary_id_number, relation, status, consent, annual_limit, valid_until, requested_at, workflow_started)
			VALUES ($1, $2, $3, $4, 'awaiting_documents', $5, $6, $7, $8, false)`
		if _, err := tx.ExecContext(ctx, q, nb.ID, nb.Holder, nb.Beneficiary, nb.Relation, consent, nb.Terms.AnnualLimit, nb.Terms.ValidUntil, nb.At); err != nil {
			if isUniqueViolation(err, "bindings_one_live_per_pair") {
				return domain.Errorf(domain.CodeBindingExists, "a live binding for this family member exists already")
			}
			return err
		}
		return insertHistory(ctx, tx, nb.ID, nb.At, "requested", "insured:"+string(nb.Holder), "", nb.ID+":requested")
	})
}

// ConfirmBindingStarted records that the binding's workflow exists.
func (s *Store) ConfirmBindingStarted(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE bindings SET workflow_started = true WHERE id = $1 AND NOT workflow_started`, id)
	return err
}

// UnconfirmedBinding returns the pair's live binding whose workflow start
// was never confirmed (the start had no answer), as a NewBinding to start
// it again; ok is false when there is none.
func (s *Store) UnconfirmedBinding(ctx context.Context, holder, beneficiary domain.IDNumber) (nb NewBinding, ok bool, err error) {
	var row bindingRow
	err = s.db.GetContext(ctx, &row, bindingSelect+`
		WHERE b.holder_id_number = $2 AND b.beneficiary_id_number = $3 AND NOT b.workflow_started
			AND b.status IN ('awaiting_documents', 'under_review', 'active')`, 0, holder, beneficiary)
	if isNoRows(err) {
		return NewBinding{}, false, nil
	}
	if err != nil {
		return NewBinding{}, false, err
	}
	b := row.toDomain()
	return NewBinding{ID: b.ID, Holder: b.Holder, Beneficiary: b.Beneficiary, Relation: b.Relation, Terms: b.Terms, Consent: b.Consent, At: b.RequestedAt}, true, nil
}

// DeleteUnstartedBinding removes a request whose workflow could not be
// started, so that a refused start leaves nothing behind. An unknown id is
// already gone; a binding that has moved on or holds documents is left
// whole (with its history) and is BINDING_WRONG_STATE.
func (s *Store) DeleteUnstartedBinding(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, err := lockBinding(ctx, tx, id)
		if domain.ErrorCode(err) == domain.CodeBindingNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		var hasDocuments bool
		if err := tx.GetContext(ctx, &hasDocuments, `SELECT EXISTS (SELECT 1 FROM documents WHERE binding_id = $1)`, id); err != nil {
			return err
		}
		if status != domain.BindingAwaitingDocuments || hasDocuments {
			return domain.Errorf(domain.CodeBindingWrongState, "the binding has started (%s, documents: %v); it is not removed", status, hasDocuments)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM binding_history WHERE binding_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM bindings WHERE id = $1`, id)
		return err
	})
}

// Binding reads a binding with its documents, history and the usage of the
// year `year`; BINDING_NOT_FOUND when unknown.
func (s *Store) Binding(ctx context.Context, id string, year int) (domain.Binding, error) {
	var row bindingRow
	if err := s.db.GetContext(ctx, &row, bindingSelect+` WHERE b.id = $2`, year, id); err != nil {
		if isNoRows(err) {
			return domain.Binding{}, domain.Errorf(domain.CodeBindingNotFound, "no such binding")
		}
		return domain.Binding{}, err
	}
	b := row.toDomain()
	var err error
	if b.Documents, err = s.documents(ctx, id); err != nil {
		return domain.Binding{}, err
	}
	if b.History, err = s.history(ctx, id); err != nil {
		return domain.Binding{}, err
	}
	return b, nil
}

// Transition is one status change of a binding, written by the workflow's
// activity: the workflow's message as it is.
type Transition = domain.BindingTransition

// TransitionBinding moves a binding from one of t.From to t.To and records
// the event. Repeating a transition with the same EventKey does nothing;
// a binding in another status is BINDING_WRONG_STATE.
func (s *Store) TransitionBinding(ctx context.Context, t Transition) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, done, err := lockForEvent(ctx, tx, t.BindingID, t.EventKey)
		if err != nil || done {
			return err
		}
		if !slices.Contains(t.From, status) {
			return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status)
		}
		const q = `
			UPDATE bindings SET status = $2, updated_at = now(),
				submitted_at = CASE WHEN $2 = 'under_review' THEN COALESCE(submitted_at, $3) ELSE submitted_at END,
				valid_from = CASE WHEN $2 = 'active' THEN COALESCE(valid_from, $4) ELSE valid_from END,
				ended_at = CASE WHEN $2 IN ('rejected', 'lapsed', 'expired', 'unbound', 'terminated') THEN $3 ELSE NULL END
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, t.BindingID, t.To, t.At, domain.DateOf(t.At)); err != nil {
			return err
		}
		return insertHistory(ctx, tx, t.BindingID, t.At, t.Event, t.By, t.Reason, t.EventKey)
	})
}

// ConsentAnswer is a beneficiary's answer, written by the workflow's
// activity: the workflow's message as it is.
type ConsentAnswer = domain.ConsentAnswer

// RecordConsent writes a beneficiary's answer and its history entry
// (consent_accepted or consent_declined). A decline ends the binding as
// declined in the same write. Repeating it with the same EventKey does
// nothing; a binding that has ended is BINDING_WRONG_STATE, one whose
// consent is not pending CONSENT_NOT_PENDING.
func (s *Store) RecordConsent(ctx context.Context, a ConsentAnswer) error {
	if a.Consent != domain.ConsentAccepted && a.Consent != domain.ConsentDeclined {
		return domain.EnumError("consent", string(a.Consent), string(domain.ConsentAccepted), string(domain.ConsentDeclined))
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, done, err := lockForEvent(ctx, tx, a.BindingID, a.EventKey)
		if err != nil || done {
			return err
		}
		if !status.IsLive() {
			return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status)
		}
		var consent domain.Consent
		if err := tx.GetContext(ctx, &consent, `SELECT consent FROM bindings WHERE id = $1`, a.BindingID); err != nil {
			return err
		}
		if consent != domain.ConsentPending {
			return domain.Errorf(domain.CodeConsentNotPending, "the binding's consent is %s", consent)
		}
		const q = `
			UPDATE bindings SET consent = $2, updated_at = now(),
				status = CASE WHEN $2 = 'declined' THEN 'declined' ELSE status END,
				ended_at = CASE WHEN $2 = 'declined' THEN $3 ELSE ended_at END
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, a.BindingID, a.Consent, a.At); err != nil {
			return err
		}
		return insertHistory(ctx, tx, a.BindingID, a.At, "consent_"+string(a.Consent), a.By, "", a.EventKey)
	})
}

// TermsChange is a holder's change of limit or validity: the workflow's
// message as it is.
type TermsChange = domain.TermsChange

// ChangeTerms writes new terms to a live binding; idempotent on EventKey.
// A limit below the usage of the year of c.At (Beijing time) is
// LIMIT_BELOW_USAGE. The usage is read under the binding's row lock, which
// every settlement takes before it adds to the usage, so no settlement can
// slip in between the check and the change.
func (s *Store) ChangeTerms(ctx context.Context, c TermsChange) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, done, err := lockForEvent(ctx, tx, c.BindingID, c.EventKey)
		if err != nil || done {
			return err
		}
		if !status.IsLive() {
			return domain.Errorf(domain.CodeBindingWrongState, "the binding is %s", status)
		}
		if limit := c.Terms.AnnualLimit; limit != nil {
			var used domain.Amount
			const usage = `SELECT COALESCE((SELECT used FROM binding_usage WHERE binding_id = $1 AND year = $2), 0)`
			if err := tx.GetContext(ctx, &used, usage, c.BindingID, domain.DateOf(c.At).Year); err != nil {
				return err
			}
			if limit.LessThan(used.Decimal) {
				return domain.Errorf(domain.CodeLimitBelowUsage, "the limit %s is below this year's usage %s", limit, used).
					WithDetails(map[string]any{"used_this_year": used.String()})
			}
		}
		const q = `UPDATE bindings SET annual_limit = $2, valid_until = $3, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, c.BindingID, c.Terms.AnnualLimit, c.Terms.ValidUntil); err != nil {
			return err
		}
		return insertHistory(ctx, tx, c.BindingID, c.At, "terms_changed", c.By, describeTerms(c.Terms), c.EventKey)
	})
}

func describeTerms(t domain.Terms) string {
	limit, until := "no limit", "long-term"
	if t.AnnualLimit != nil {
		limit = "annual_limit " + t.AnnualLimit.String()
	}
	if !t.ValidUntil.IsZero() {
		until = "valid_until " + t.ValidUntil.String()
	}
	return limit + ", " + until
}

// lockBinding locks the binding row and reports its status;
// BINDING_NOT_FOUND when unknown. Everything that changes a binding, or
// its usage, locks the row first.
func lockBinding(ctx context.Context, tx *sqlx.Tx, bindingID string) (domain.BindingStatus, error) {
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM bindings WHERE id = $1 FOR UPDATE`, bindingID); err != nil {
		if isNoRows(err) {
			return "", domain.Errorf(domain.CodeBindingNotFound, "no such binding")
		}
		return "", err
	}
	return domain.BindingStatus(status), nil
}

// lockForEvent locks the binding row and reports its status, and whether
// the event was already recorded.
func lockForEvent(ctx context.Context, tx *sqlx.Tx, bindingID, eventKey string) (domain.BindingStatus, bool, error) {
	status, err := lockBinding(ctx, tx, bindingID)
	if err != nil {
		return "", false, err
	}
	var seen bool
	if err := tx.GetContext(ctx, &seen, `SELECT EXISTS (SELECT 1 FROM binding_history WHERE event_key = $1)`, eventKey); err != nil {
		return "", false, err
	}
	return status, seen, nil
}

func insertHistory(ctx context.Context, tx *sqlx.Tx, bindingID string, at time.Time, event, by, reason, key string) error {
	const q = `INSERT INTO binding_history (binding_id, at, event, by_actor, reason, event_key) VALUES ($1, $2, $3, $4, $5, $6)`
	_, err := tx.ExecContext(ctx, q, bindingID, at, event, by, reason, key)
	return err
}

func (s *Store) history(ctx context.Context, bindingID string) ([]domain.HistoryEntry, error) {
	var rows []struct {
		At     time.Time `db:"at"`
		Event  string    `db:"event"`
		By     string    `db:"by_actor"`
		Reason string    `db:"reason"`
	}
	const q = `SELECT at, event, by_actor, reason FROM binding_history WHERE binding_id = $1 ORDER BY id`
	if err := s.db.SelectContext(ctx, &rows, q, bindingID); err != nil {
		return nil, err
	}
	out := make([]domain.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = domain.HistoryEntry{At: r.At, Event: r.Event, By: r.By, Reason: r.Reason}
	}
	return out, nil
}

func isUniqueViolation(err error, constraint string) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505" && pqErr.Constraint == constraint
}
