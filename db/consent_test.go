package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lib/pq"

	"gongji/db"
	"gongji/domain"
)

// requestWithConsent stores a new request whose beneficiary must consent.
func requestWithConsent(t *testing.T, s *db.Store) (id string, beneficiary domain.IDNumber) {
	t.Helper()
	holder, spouse := employeeWithAccount(t, s, "500.00"), person(t, s)
	id = newBindingID()
	nb := db.NewBinding{ID: id, Holder: holder, Beneficiary: spouse, Relation: domain.RelationSpouse, Consent: domain.ConsentPending, At: t0}
	if err := s.CreateBinding(context.Background(), nb); err != nil {
		t.Fatal(err)
	}
	return id, spouse
}

func TestCreateBinding_ConsentDefaultsToNotRequired(t *testing.T) {
	s := newStore(t)
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	if got := mustBinding(t, s, request(t, s, holder, child, t0), 2026).Consent; got != domain.ConsentNotRequired {
		t.Errorf("Consent = %q, want not_required", got)
	}
	id, _ := requestWithConsent(t, s)
	if got := mustBinding(t, s, id, 2026).Consent; got != domain.ConsentPending {
		t.Errorf("Consent = %q, want pending", got)
	}
}

func TestRecordConsent_AcceptKeepsItLiveOnceForItsKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id, spouse := requestWithConsent(t, s)
	at := t0.Add(time.Hour)
	a := db.ConsentAnswer{BindingID: id, Consent: domain.ConsentAccepted, By: "insured:" + string(spouse), At: at, EventKey: id + ":1:consent_accepted"}
	for _, attempt := range []string{"first", "retry"} {
		if err := s.RecordConsent(ctx, a); err != nil {
			t.Fatalf("%s: %v", attempt, err)
		}
	}
	b := mustBinding(t, s, id, 2026)
	if b.Consent != domain.ConsentAccepted || b.Status != domain.BindingAwaitingDocuments {
		t.Errorf("binding is %s with consent %s, want awaiting_documents with accepted", b.Status, b.Consent)
	}
	if len(b.History) != 2 {
		t.Fatalf("history %+v, want requested and one consent_accepted", b.History)
	}
	if h := b.History[1]; h.Event != "consent_accepted" || h.By != a.By || !h.At.Equal(at) {
		t.Errorf("history entry %+v", h)
	}
	if ended := endedAt(t, s, id); ended.Valid {
		t.Errorf("ended_at = %v after an acceptance", ended.Time)
	}
}

func TestRecordConsent_DeclineEndsTheBinding(t *testing.T) {
	s := newStore(t)
	id, spouse := requestWithConsent(t, s)
	at := t0.Add(2 * time.Hour)
	a := db.ConsentAnswer{BindingID: id, Consent: domain.ConsentDeclined, By: "insured:" + string(spouse), At: at, EventKey: newKey(id)}
	if err := s.RecordConsent(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	b := mustBinding(t, s, id, 2026)
	if b.Consent != domain.ConsentDeclined || b.Status != domain.BindingDeclined {
		t.Errorf("binding is %s with consent %s, want declined with declined", b.Status, b.Consent)
	}
	if ended := endedAt(t, s, id); !ended.Valid || !ended.Time.Equal(at) {
		t.Errorf("ended_at = %v, want %v", ended, at)
	}
	if last := b.History[len(b.History)-1]; last.Event != "consent_declined" {
		t.Errorf("last history entry %+v, want consent_declined", last)
	}
}

func TestRecordConsent_RefusedUnlessPendingOnALiveBinding(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	notRequired := request(t, s, holder, child, t0)
	answered, _ := requestWithConsent(t, s)
	if err := s.RecordConsent(ctx, db.ConsentAnswer{BindingID: answered, Consent: domain.ConsentAccepted, By: "x", At: t0, EventKey: newKey(answered)}); err != nil {
		t.Fatal(err)
	}
	ended, _ := requestWithConsent(t, s)
	move(t, s, ended, t0, domain.BindingAwaitingDocuments, domain.BindingLapsed)
	tests := []struct {
		name string
		id   string
		code domain.Code
	}{
		{"no consent needed", notRequired, domain.CodeConsentNotPending},
		{"already answered", answered, domain.CodeConsentNotPending},
		{"lapsed", ended, domain.CodeBindingWrongState},
		{"unknown", "no-such-binding", domain.CodeBindingNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []domain.HistoryEntry
			if tt.id != "no-such-binding" {
				before = mustBinding(t, s, tt.id, 2026).History
			}
			a := db.ConsentAnswer{BindingID: tt.id, Consent: domain.ConsentDeclined, By: "x", At: t0.Add(time.Hour), EventKey: newKey(tt.id)}
			assertCode(t, s.RecordConsent(ctx, a), tt.code)
			if tt.id == "no-such-binding" {
				return
			}
			after := mustBinding(t, s, tt.id, 2026)
			if after.Status == domain.BindingDeclined || len(after.History) != len(before) {
				t.Errorf("refused answer changed the binding: %s, history %d → %d", after.Status, len(before), len(after.History))
			}
		})
	}
}

func TestConsentMigration_Constraints(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	pending, _ := requestWithConsent(t, s)
	tests := []struct {
		name  string
		query string
	}{
		{"unknown consent", `UPDATE bindings SET consent = 'maybe' WHERE id = $1`},
		{"declined without the consent", `UPDATE bindings SET status = 'declined' WHERE id = $1`},
		{"consent declined on a live binding", `UPDATE bindings SET consent = 'declined' WHERE id = $1`},
		{"active while consent is pending", `UPDATE bindings SET status = 'active' WHERE id = $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.DB().ExecContext(ctx, tt.query, pending)
			var pqErr *pq.Error
			if !errors.As(err, &pqErr) || pqErr.Code != "23514" {
				t.Fatalf("error = %v, want a check violation", err)
			}
		})
	}
	if b := mustBinding(t, s, pending, 2026); b.Status != domain.BindingAwaitingDocuments || b.Consent != domain.ConsentPending {
		t.Errorf("refused writes changed the binding: %s %s", b.Status, b.Consent)
	}
}
