package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"gongji/db"
	"gongji/domain"
)

var bindingSeq atomic.Int64

// newBindingID returns a binding id no other test uses. Fixed-width digits
// sort the same under any collation.
func newBindingID() string { return fmt.Sprintf("bnd-%09d", bindingSeq.Add(1)) }

// newKey returns an event or dedup key no other test uses.
func newKey(prefix string) string { return fmt.Sprintf("%s:%09d", prefix, bindingSeq.Add(1)) }

// t0 is a Beijing morning the binding tests start from.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, domain.Beijing)

// person creates a person known to the core system.
func person(t *testing.T, s *db.Store) domain.IDNumber {
	t.Helper()
	id := uniqueID()
	if _, err := s.UpsertPerson(context.Background(), domain.Person{IDNumber: id, Name: "家属"}); err != nil {
		t.Fatal(err)
	}
	return id
}

func limitOf(s string) *domain.Amount {
	a := domain.MustAmount(s)
	return &a
}

// request stores a new binding request for the pair at the given time.
func request(t *testing.T, s *db.Store, holder, beneficiary domain.IDNumber, at time.Time) string {
	t.Helper()
	id := newBindingID()
	nb := db.NewBinding{ID: id, Holder: holder, Beneficiary: beneficiary, Relation: domain.RelationChild, At: at}
	if err := s.CreateBinding(context.Background(), nb); err != nil {
		t.Fatalf("CreateBinding: %v", err)
	}
	return id
}

// move transitions a binding through the given statuses, one step a
// minute after at.
func move(t *testing.T, s *db.Store, id string, at time.Time, path ...domain.BindingStatus) {
	t.Helper()
	for i := 1; i < len(path); i++ {
		tr := db.Transition{
			BindingID: id, From: []domain.BindingStatus{path[i-1]}, To: path[i],
			Event: string(path[i]), By: "system", At: at.Add(time.Duration(i) * time.Minute), EventKey: newKey(id),
		}
		if err := s.TransitionBinding(context.Background(), tr); err != nil {
			t.Fatalf("transition %s → %s: %v", path[i-1], path[i], err)
		}
	}
}

func mustBinding(t *testing.T, s *db.Store, id string, year int) domain.Binding {
	t.Helper()
	b, err := s.Binding(context.Background(), id, year)
	if err != nil {
		t.Fatalf("Binding(%s): %v", id, err)
	}
	return b
}

func count(t *testing.T, s *db.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func historyRows(t *testing.T, s *db.Store, id string) int {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM binding_history WHERE binding_id = $1`, id)
}

func endedAt(t *testing.T, s *db.Store, id string) sql.NullTime {
	t.Helper()
	var at sql.NullTime
	if err := s.DB().GetContext(context.Background(), &at, `SELECT ended_at FROM bindings WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return at
}

func sameLimit(a, b *domain.Amount) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b.Decimal)
}

func TestCreateBinding_ReadsBackWithRequestedHistory(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		terms domain.Terms
	}{
		{"no limit, long-term", domain.Terms{}},
		{"limit and validity", domain.Terms{AnnualLimit: limitOf("1500.00"), ValidUntil: domain.NewDate(2027, 12, 31)}},
		{"zero limit", domain.Terms{AnnualLimit: limitOf("0.00")}},
		{"limit only", domain.Terms{AnnualLimit: limitOf("88.80")}},
		{"validity only", domain.Terms{ValidUntil: domain.NewDate(2026, 3, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			nb := db.NewBinding{ID: newBindingID(), Holder: holder, Beneficiary: child, Relation: domain.RelationChild, Terms: tt.terms, At: t0}
			if err := s.CreateBinding(ctx, nb); err != nil {
				t.Fatal(err)
			}
			b := mustBinding(t, s, nb.ID, 2026)
			if b.ID != nb.ID || b.Holder != holder || b.Beneficiary != child || b.Relation != domain.RelationChild {
				t.Errorf("parties = %+v", b)
			}
			if b.Status != domain.BindingAwaitingDocuments {
				t.Errorf("Status = %s, want awaiting_documents", b.Status)
			}
			if !sameLimit(b.Terms.AnnualLimit, tt.terms.AnnualLimit) || b.Terms.ValidUntil != tt.terms.ValidUntil {
				t.Errorf("Terms = {%v %s}, want {%v %s}", b.Terms.AnnualLimit, b.Terms.ValidUntil, tt.terms.AnnualLimit, tt.terms.ValidUntil)
			}
			if !b.RequestedAt.Equal(t0) || !b.SubmittedAt.IsZero() || !b.ValidFrom.IsZero() {
				t.Errorf("RequestedAt %v, SubmittedAt %v, ValidFrom %s", b.RequestedAt, b.SubmittedAt, b.ValidFrom)
			}
			if b.UsedThisYear.String() != "0.00" || len(b.Documents) != 0 {
				t.Errorf("UsedThisYear %s, Documents %v", b.UsedThisYear, b.Documents)
			}
			if len(b.History) != 1 {
				t.Fatalf("History = %+v, want one entry", b.History)
			}
			h := b.History[0]
			if h.Event != "requested" || h.By != "insured:"+string(holder) || !h.At.Equal(t0) || h.Reason != "" {
				t.Errorf("History[0] = %+v", h)
			}
			if ended := endedAt(t, s, nb.ID); ended.Valid {
				t.Errorf("ended_at = %v on a new request", ended.Time)
			}
		})
	}
}

func TestCreateBinding_SecondLiveBindingForPair_IsBindingExists(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name string
		path []domain.BindingStatus
	}{
		{"first awaits documents", []domain.BindingStatus{domain.BindingAwaitingDocuments}},
		{"first under review", []domain.BindingStatus{domain.BindingAwaitingDocuments, domain.BindingUnderReview}},
		{"first active", []domain.BindingStatus{domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			first := request(t, s, holder, child, t0)
			move(t, s, first, t0, tt.path...)

			second := db.NewBinding{ID: newBindingID(), Holder: holder, Beneficiary: child, Relation: domain.RelationChild,
				Terms: domain.Terms{AnnualLimit: limitOf("10.00")}, At: t0.Add(time.Hour)}
			assertCode(t, s.CreateBinding(ctx, second), domain.CodeBindingExists)

			_, err := s.Binding(ctx, second.ID, 2026)
			assertCode(t, err, domain.CodeBindingNotFound)
			if n := historyRows(t, s, second.ID); n != 0 {
				t.Errorf("%d history rows written for the refused request", n)
			}
			if b := mustBinding(t, s, first, 2026); b.Status != tt.path[len(tt.path)-1] || b.Terms.AnnualLimit != nil {
				t.Errorf("first binding changed: %+v", b)
			}
		})
	}
}

// One live binding per (holder, beneficiary): both parents may bind the
// same child, and spouses may bind each other.
func TestCreateBinding_OtherPairsAreIndependent(t *testing.T) {
	s := newStore(t)
	mother, father := employeeWithAccount(t, s, "500.00"), employeeWithAccount(t, s, "500.00")
	child := person(t, s)
	request(t, s, mother, child, t0)
	request(t, s, father, child, t0)
	request(t, s, mother, father, t0)
	request(t, s, father, mother, t0)
	if n := count(t, s, `SELECT count(*) FROM bindings WHERE holder_id_number IN ($1, $2)`, mother, father); n != 4 {
		t.Fatalf("%d bindings, want 4", n)
	}
}

func TestCreateBinding_AfterFinalStatus_NewBindingAllowed(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	tests := []struct {
		name string
		path []domain.BindingStatus
	}{
		{"rejected", []domain.BindingStatus{aw, ur, domain.BindingRejected}},
		{"lapsed", []domain.BindingStatus{aw, domain.BindingLapsed}},
		{"expired", []domain.BindingStatus{aw, ur, ac, domain.BindingExpired}},
		{"unbound", []domain.BindingStatus{aw, ur, ac, domain.BindingUnbound}},
		{"terminated while active", []domain.BindingStatus{aw, ur, ac, domain.BindingTerminated}},
		{"terminated while awaiting documents", []domain.BindingStatus{aw, domain.BindingTerminated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			first := request(t, s, holder, child, t0)
			move(t, s, first, t0, tt.path...)

			last := t0.Add(time.Duration(len(tt.path)-1) * time.Minute)
			if ended := endedAt(t, s, first); !ended.Valid || !ended.Time.Equal(last) {
				t.Errorf("ended_at = %v, want %v", ended, last)
			}
			second := request(t, s, holder, child, t0.Add(24*time.Hour))
			if b := mustBinding(t, s, second, 2026); b.Status != domain.BindingAwaitingDocuments {
				t.Errorf("new binding is %s", b.Status)
			}
			third := db.NewBinding{ID: newBindingID(), Holder: holder, Beneficiary: child, Relation: domain.RelationChild, At: t0.Add(48 * time.Hour)}
			assertCode(t, s.CreateBinding(ctx, third), domain.CodeBindingExists)
		})
	}
}

// The schema itself refuses what the rules above it should have caught.
func TestCreateBinding_SchemaRefusesBadRows(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder := employeeWithAccount(t, s, "500.00")
	tests := []struct {
		name   string
		nb     db.NewBinding
		pqCode string
	}{
		{"holder binds themselves", db.NewBinding{Holder: holder, Beneficiary: holder}, "23514"},
		{"negative limit", db.NewBinding{Holder: holder, Beneficiary: person(t, s), Terms: domain.Terms{AnnualLimit: limitOf("-1.00")}}, "23514"},
		{"unknown beneficiary", db.NewBinding{Holder: holder, Beneficiary: uniqueID()}, "23503"},
		{"unknown holder", db.NewBinding{Holder: uniqueID(), Beneficiary: holder}, "23503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb := tt.nb
			nb.ID, nb.Relation, nb.At = newBindingID(), domain.RelationSpouse, t0
			err := s.CreateBinding(ctx, nb)
			var pqErr *pq.Error
			if !errors.As(err, &pqErr) || string(pqErr.Code) != tt.pqCode {
				t.Fatalf("CreateBinding error = %v, want PostgreSQL error %s", err, tt.pqCode)
			}
			if n := count(t, s, `SELECT count(*) FROM bindings WHERE id = $1`, nb.ID); n != 0 {
				t.Errorf("binding row written")
			}
			if n := historyRows(t, s, nb.ID); n != 0 {
				t.Errorf("%d history rows written", n)
			}
		})
	}
}

func TestTransitionBinding_SetsSubmittedValidFromAndEndedAt(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)

	submitted := time.Date(2026, 3, 2, 10, 0, 0, 0, domain.Beijing)
	// 17:30 UTC on 3 March is 01:30 on 4 March in Beijing.
	approved := time.Date(2026, 3, 3, 17, 30, 0, 0, time.UTC)
	steps := []struct {
		name          string
		from, to      domain.BindingStatus
		at            time.Time
		wantSubmitted time.Time
		wantValidFrom domain.Date
		wantEnded     bool
	}{
		{"first submission sets submitted_at", domain.BindingAwaitingDocuments, domain.BindingUnderReview, submitted, submitted, domain.Date{}, false},
		{"reviewer asks for more", domain.BindingUnderReview, domain.BindingAwaitingDocuments, submitted.Add(time.Hour), submitted, domain.Date{}, false},
		{"resubmission keeps the first submitted_at", domain.BindingAwaitingDocuments, domain.BindingUnderReview, submitted.Add(2 * time.Hour), submitted, domain.Date{}, false},
		{"approval sets valid_from to the Beijing date", domain.BindingUnderReview, domain.BindingActive, approved, submitted, domain.NewDate(2026, 3, 4), false},
		{"unbinding ends it and keeps the rest", domain.BindingActive, domain.BindingUnbound, approved.Add(72 * time.Hour), submitted, domain.NewDate(2026, 3, 4), true},
	}
	for i, st := range steps {
		tr := db.Transition{BindingID: id, From: []domain.BindingStatus{st.from}, To: st.to, Event: string(st.to),
			By: "reviewer:r1", Reason: st.name, At: st.at, EventKey: fmt.Sprintf("%s:step:%d", id, i)}
		if err := s.TransitionBinding(ctx, tr); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		b := mustBinding(t, s, id, 2026)
		if b.Status != st.to {
			t.Errorf("%s: Status = %s, want %s", st.name, b.Status, st.to)
		}
		if !b.SubmittedAt.Equal(st.wantSubmitted) {
			t.Errorf("%s: SubmittedAt = %v, want %v", st.name, b.SubmittedAt, st.wantSubmitted)
		}
		if b.ValidFrom != st.wantValidFrom {
			t.Errorf("%s: ValidFrom = %s, want %s", st.name, b.ValidFrom, st.wantValidFrom)
		}
		if ended := endedAt(t, s, id); ended.Valid != st.wantEnded || (st.wantEnded && !ended.Time.Equal(st.at)) {
			t.Errorf("%s: ended_at = %v, want set=%v at %v", st.name, ended, st.wantEnded, st.at)
		}
		if len(b.History) != i+2 {
			t.Fatalf("%s: %d history entries, want %d", st.name, len(b.History), i+2)
		}
		h := b.History[i+1]
		if h.Event != string(st.to) || h.By != "reviewer:r1" || h.Reason != st.name || !h.At.Equal(st.at) {
			t.Errorf("%s: history entry = %+v", st.name, h)
		}
	}
}

func TestTransitionBinding_SameEventKeyTwice_WritesOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	tr := db.Transition{BindingID: id, From: []domain.BindingStatus{domain.BindingAwaitingDocuments}, To: domain.BindingUnderReview,
		Event: "submitted", By: "insured:" + string(holder), At: t0.Add(time.Hour), EventKey: id + ":submit"}
	tests := []struct {
		name string
		tr   db.Transition
	}{
		{"first", tr},
		{"retry", tr},
		// A retry after the binding moved on must still be a no-op, not
		// BINDING_WRONG_STATE: the event is already recorded.
		{"retry at a later time", func() db.Transition { r := tr; r.At = t0.Add(5 * time.Hour); return r }()},
	}
	for _, tt := range tests {
		if err := s.TransitionBinding(ctx, tt.tr); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	b := mustBinding(t, s, id, 2026)
	if b.Status != domain.BindingUnderReview || !b.SubmittedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("binding = %s submitted %v", b.Status, b.SubmittedAt)
	}
	if len(b.History) != 2 || b.History[1].Event != "submitted" {
		t.Errorf("History = %+v, want requested + one submitted", b.History)
	}
}

func TestTransitionBinding_WrongState_WritesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name string
		path []domain.BindingStatus
		from []domain.BindingStatus
		to   domain.BindingStatus
	}{
		{"approve a request awaiting documents", []domain.BindingStatus{domain.BindingAwaitingDocuments},
			[]domain.BindingStatus{domain.BindingUnderReview}, domain.BindingActive},
		{"unbind a binding under review", []domain.BindingStatus{domain.BindingAwaitingDocuments, domain.BindingUnderReview},
			[]domain.BindingStatus{domain.BindingActive}, domain.BindingUnbound},
		{"expire an unbound binding", []domain.BindingStatus{domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive, domain.BindingUnbound},
			[]domain.BindingStatus{domain.BindingActive}, domain.BindingExpired},
		{"terminate a lapsed request", []domain.BindingStatus{domain.BindingAwaitingDocuments, domain.BindingLapsed},
			domain.LiveBindingStatuses, domain.BindingTerminated},
		{"no From at all", []domain.BindingStatus{domain.BindingAwaitingDocuments}, nil, domain.BindingUnderReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			id := request(t, s, holder, child, t0)
			move(t, s, id, t0, tt.path...)
			before := mustBinding(t, s, id, 2026)
			beforeEnded := endedAt(t, s, id)

			tr := db.Transition{BindingID: id, From: tt.from, To: tt.to, Event: string(tt.to), By: "system",
				At: t0.Add(48 * time.Hour), EventKey: newKey(id)}
			assertCode(t, s.TransitionBinding(ctx, tr), domain.CodeBindingWrongState)

			after := mustBinding(t, s, id, 2026)
			if after.Status != before.Status || !after.SubmittedAt.Equal(before.SubmittedAt) || after.ValidFrom != before.ValidFrom {
				t.Errorf("binding changed: %+v → %+v", before, after)
			}
			if len(after.History) != len(before.History) {
				t.Errorf("history grew from %d to %d", len(before.History), len(after.History))
			}
			if ended := endedAt(t, s, id); ended != beforeEnded {
				t.Errorf("ended_at changed: %v → %v", beforeEnded, ended)
			}
			if n := count(t, s, `SELECT count(*) FROM binding_history WHERE event_key = $1`, tr.EventKey); n != 0 {
				t.Errorf("refused event recorded")
			}
		})
	}
}

func TestTransitionBinding_UnknownBinding_IsNotFound(t *testing.T) {
	s := newStore(t)
	tr := db.Transition{BindingID: "no-such-binding", From: domain.LiveBindingStatuses, To: domain.BindingTerminated,
		Event: "terminated", By: "system", At: t0, EventKey: newKey("unknown")}
	assertCode(t, s.TransitionBinding(context.Background(), tr), domain.CodeBindingNotFound)
	if n := count(t, s, `SELECT count(*) FROM binding_history WHERE event_key = $1`, tr.EventKey); n != 0 {
		t.Errorf("history written for an unknown binding")
	}
}

func TestChangeTerms(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	move(t, s, id, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive)
	history := len(mustBinding(t, s, id, 2026).History)

	steps := []struct {
		name       string
		key        string
		terms      domain.Terms
		want       domain.Terms
		wantReason string
		newEntry   bool
	}{
		{"no limit → a limit", "k1", domain.Terms{AnnualLimit: limitOf("1200.00")},
			domain.Terms{AnnualLimit: limitOf("1200.00")}, "annual_limit 1200.00, long-term", true},
		{"add a validity end", "k2", domain.Terms{AnnualLimit: limitOf("1200.00"), ValidUntil: domain.NewDate(2027, 6, 30)},
			domain.Terms{AnnualLimit: limitOf("1200.00"), ValidUntil: domain.NewDate(2027, 6, 30)}, "annual_limit 1200.00, valid_until 2027-06-30", true},
		{"a limit → no limit", "k3", domain.Terms{ValidUntil: domain.NewDate(2027, 6, 30)},
			domain.Terms{ValidUntil: domain.NewDate(2027, 6, 30)}, "no limit, valid_until 2027-06-30", true},
		{"same key again with other terms does nothing", "k3", domain.Terms{AnnualLimit: limitOf("1.00")},
			domain.Terms{ValidUntil: domain.NewDate(2027, 6, 30)}, "", false},
		{"back to long-term with a zero limit", "k4", domain.Terms{AnnualLimit: limitOf("0.00")},
			domain.Terms{AnnualLimit: limitOf("0.00")}, "annual_limit 0.00, long-term", true},
	}
	for _, st := range steps {
		c := db.TermsChange{BindingID: id, Terms: st.terms, By: "insured:" + string(holder), At: t0.Add(24 * time.Hour), EventKey: id + ":terms:" + st.key}
		if err := s.ChangeTerms(ctx, c); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		b := mustBinding(t, s, id, 2026)
		if !sameLimit(b.Terms.AnnualLimit, st.want.AnnualLimit) || b.Terms.ValidUntil != st.want.ValidUntil {
			t.Errorf("%s: Terms = {%v %s}, want {%v %s}", st.name, b.Terms.AnnualLimit, b.Terms.ValidUntil, st.want.AnnualLimit, st.want.ValidUntil)
		}
		if b.Status != domain.BindingActive {
			t.Errorf("%s: Status = %s", st.name, b.Status)
		}
		if st.newEntry {
			history++
		}
		if len(b.History) != history {
			t.Fatalf("%s: %d history entries, want %d", st.name, len(b.History), history)
		}
		if h := b.History[len(b.History)-1]; st.newEntry && (h.Event != "terms_changed" || h.Reason != st.wantReason || h.By != c.By) {
			t.Errorf("%s: history entry = %+v, want reason %q", st.name, h, st.wantReason)
		}
	}
}

func TestChangeTerms_RefusedUnlessLive(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	tests := []struct {
		name string
		path []domain.BindingStatus
		want domain.Code
	}{
		{"awaiting documents", []domain.BindingStatus{aw}, ""},
		{"under review", []domain.BindingStatus{aw, ur}, ""},
		{"unbound", []domain.BindingStatus{aw, ur, ac, domain.BindingUnbound}, domain.CodeBindingWrongState},
		{"expired", []domain.BindingStatus{aw, ur, ac, domain.BindingExpired}, domain.CodeBindingWrongState},
		{"rejected", []domain.BindingStatus{aw, ur, domain.BindingRejected}, domain.CodeBindingWrongState},
		{"lapsed", []domain.BindingStatus{aw, domain.BindingLapsed}, domain.CodeBindingWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			id := request(t, s, holder, child, t0)
			move(t, s, id, t0, tt.path...)
			before := mustBinding(t, s, id, 2026)

			c := db.TermsChange{BindingID: id, Terms: domain.Terms{AnnualLimit: limitOf("99.00"), ValidUntil: domain.NewDate(2030, 1, 1)},
				By: "insured:" + string(holder), At: t0.Add(24 * time.Hour), EventKey: newKey(id)}
			err := s.ChangeTerms(ctx, c)
			assertCode(t, err, tt.want)

			after := mustBinding(t, s, id, 2026)
			if err != nil {
				if after.Terms.AnnualLimit != nil || !after.Terms.ValidUntil.IsZero() || len(after.History) != len(before.History) {
					t.Errorf("refused change written: %+v, %d history entries", after.Terms, len(after.History))
				}
				return
			}
			if !sameLimit(after.Terms.AnnualLimit, limitOf("99.00")) || after.Status != before.Status {
				t.Errorf("change not written: %+v", after)
			}
		})
	}
	t.Run("unknown binding", func(t *testing.T) {
		c := db.TermsChange{BindingID: "no-such-binding", By: "insured:x", At: t0, EventKey: newKey("unknown")}
		assertCode(t, s.ChangeTerms(ctx, c), domain.CodeBindingNotFound)
	})
}

func TestDeleteUnstartedBinding(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		prepare   func(t *testing.T, id string)
		wantCode  domain.Code
		wantGone  bool
		wantState domain.BindingStatus
	}{
		{"fresh request is removed with its history", func(*testing.T, string) {}, "", true, ""},
		{"request with a document is left", func(t *testing.T, id string) {
			addDocument(t, s, id, []byte("%PDF-1.4 proof"))
		}, domain.CodeBindingWrongState, false, domain.BindingAwaitingDocuments},
		{"submitted request is left", func(t *testing.T, id string) {
			move(t, s, id, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview)
		}, domain.CodeBindingWrongState, false, domain.BindingUnderReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
			id := request(t, s, holder, child, t0)
			tt.prepare(t, id)
			historyBefore := historyRows(t, s, id)

			assertCode(t, s.DeleteUnstartedBinding(ctx, id), tt.wantCode)

			b, err := s.Binding(ctx, id, 2026)
			if tt.wantGone {
				assertCode(t, err, domain.CodeBindingNotFound)
				if n := historyRows(t, s, id); n != 0 {
					t.Errorf("%d history rows left", n)
				}
				// The pair is free again.
				request(t, s, holder, child, t0.Add(time.Hour))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Status != tt.wantState || len(b.History) != historyBefore {
				t.Errorf("binding %s with %d history entries, want %s with %d", b.Status, len(b.History), tt.wantState, historyBefore)
			}
		})
	}
	t.Run("unknown binding is already gone", func(t *testing.T) {
		if err := s.DeleteUnstartedBinding(ctx, "no-such-binding"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBinding_UnknownIsNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.Binding(context.Background(), "no-such-binding", 2026)
	assertCode(t, err, domain.CodeBindingNotFound)
}

// used_this_year is the binding_usage row of the year asked for, and 0.00
// when there is none.
func TestBinding_UsedThisYear_ComesFromBindingUsage(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	move(t, s, id, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive)
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, 2026, 123.45), ($1, 2025, 7.00)`, id); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		year int
		want string
	}{
		{2026, "123.45"},
		{2025, "7.00"},
		{2024, "0.00"},
		{2027, "0.00"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.year), func(t *testing.T) {
			if got := mustBinding(t, s, id, tt.year).UsedThisYear.String(); got != tt.want {
				t.Errorf("Binding: UsedThisYear = %s, want %s", got, tt.want)
			}
			list, err := s.ListBindings(ctx, db.BindingFilter{Holder: holder, Limit: 10, Year: tt.year})
			if err != nil || len(list) != 1 || list[0].UsedThisYear.String() != tt.want {
				t.Errorf("ListBindings: %+v, %v; want used %s", list, err, tt.want)
			}
			live, err := s.LiveBindingsOf(ctx, child, tt.year)
			if err != nil || len(live) != 1 || live[0].UsedThisYear.String() != tt.want {
				t.Errorf("LiveBindingsOf: %+v, %v; want used %s", live, err, tt.want)
			}
		})
	}
}

// The 00002 migration's constraints hold even for writes that bypass the
// store.
func TestBindingsMigration_Constraints(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	version, err := db.Migrate(ctx, s.DB().DB)
	if err != nil || version < 2 {
		t.Fatalf("Migrate = %d, %v; want version 2 or later", version, err)
	}
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	dupKey := newKey("dup")
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO notifications (recipient_id_number, kind, title, body, dedup_key) VALUES ($1, 'k', 't', 'b', $2)`, child, dupKey); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		query  string
		args   []any
		pqCode string
	}{
		{"unknown status", `UPDATE bindings SET status = 'approved' WHERE id = $1`, []any{id}, "23514"},
		{"negative limit", `UPDATE bindings SET annual_limit = -0.01 WHERE id = $1`, []any{id}, "23514"},
		{"second live binding for the pair",
			`INSERT INTO bindings (id, holder_id_number, beneficiary_id_number, relation, status, requested_at) VALUES ($1, $2, $3, 'child', 'active', now())`,
			[]any{newBindingID(), holder, child}, "23505"},
		{"negative usage", `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, 2026, -1)`, []any{id}, "23514"},
		{"usage of an unknown binding", `INSERT INTO binding_usage (binding_id, year, used) VALUES ('no-such-binding', 2026, 1)`, nil, "23503"},
		{"history event key reused", `INSERT INTO binding_history (binding_id, at, event, by_actor, event_key) VALUES ($1, now(), 'x', 'system', $2)`,
			[]any{id, id + ":requested"}, "23505"},
		{"history of an unknown binding", `INSERT INTO binding_history (binding_id, at, event, by_actor, event_key) VALUES ('no-such-binding', now(), 'x', 'system', $1)`,
			[]any{newKey("h")}, "23503"},
		{"empty document", `INSERT INTO documents (id, binding_id, kind, media_type, size, sha256, content, uploaded_by) VALUES ($1, $2, 'birth_certificate', 'image/png', 0, repeat('0', 64), '', 'x')`,
			[]any{newKey("doc"), id}, "23514"},
		{"document of an unknown binding", `INSERT INTO documents (id, binding_id, kind, media_type, size, sha256, content, uploaded_by) VALUES ($1, 'no-such-binding', 'birth_certificate', 'image/png', 1, repeat('0', 64), 'x', 'x')`,
			[]any{newKey("doc")}, "23503"},
		{"notification dedup key reused", `INSERT INTO notifications (recipient_id_number, kind, title, body, dedup_key) VALUES ($1, 'k', 't', 'b', $2)`,
			[]any{child, dupKey}, "23505"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.DB().ExecContext(ctx, tt.query, tt.args...)
			var pqErr *pq.Error
			if !errors.As(err, &pqErr) || string(pqErr.Code) != tt.pqCode {
				t.Fatalf("error = %v, want PostgreSQL error %s", err, tt.pqCode)
			}
		})
	}
	b := mustBinding(t, s, id, 2026)
	if b.Status != domain.BindingAwaitingDocuments || b.Terms.AnnualLimit != nil || len(b.History) != 1 || b.UsedThisYear.String() != "0.00" {
		t.Errorf("refused writes changed the binding: %+v", b)
	}
}

// A new limit may not be below the usage of the Beijing year of the
// change; usage of other years does not count.
func TestChangeTerms_LimitBelowThisYearsUsage_IsRefused(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, child := employeeWithAccount(t, s, "500.00"), person(t, s)
	id := request(t, s, holder, child, t0)
	move(t, s, id, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive)
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, 2026, 300.00), ($1, 2025, 900.00), ($1, 2027, 50.00)`, id); err != nil {
		t.Fatal(err)
	}
	lastMorningOf2026 := time.Date(2026, 12, 31, 10, 0, 0, 0, domain.Beijing)
	// 2026-12-31 16:30 UTC is already 2027-01-01 in Beijing.
	newYearInBeijing := time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name  string
		limit *domain.Amount
		at    time.Time
		want  domain.Code
	}{
		{"one cent below this year's usage", limitOf("299.99"), lastMorningOf2026, domain.CodeLimitBelowUsage},
		{"zero while money was used", limitOf("0.00"), lastMorningOf2026, domain.CodeLimitBelowUsage},
		{"equal to this year's usage", limitOf("300.00"), lastMorningOf2026, ""},
		{"no limit", nil, lastMorningOf2026, ""},
		{"below last year's usage only", limitOf("400.00"), lastMorningOf2026, ""},
		{"a new year in Beijing counts the new year's usage", limitOf("60.00"), newYearInBeijing, ""},
		{"below the new year's usage", limitOf("49.99"), newYearInBeijing, domain.CodeLimitBelowUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := mustBinding(t, s, id, 2026)
			c := db.TermsChange{BindingID: id, Terms: domain.Terms{AnnualLimit: tt.limit}, By: "insured:" + string(holder), At: tt.at, EventKey: newKey(id)}
			err := s.ChangeTerms(ctx, c)
			assertCode(t, err, tt.want)
			after := mustBinding(t, s, id, 2026)
			if err != nil {
				var de *domain.Error
				if errors.As(err, &de) && de.Details["used_this_year"] == nil {
					t.Errorf("details lack used_this_year: %v", de.Details)
				}
				if !sameLimit(after.Terms.AnnualLimit, before.Terms.AnnualLimit) || len(after.History) != len(before.History) {
					t.Errorf("refused change written: limit %v, %d → %d history entries", after.Terms.AnnualLimit, len(before.History), len(after.History))
				}
				return
			}
			if !sameLimit(after.Terms.AnnualLimit, tt.limit) {
				t.Errorf("limit = %v, want %v", after.Terms.AnnualLimit, tt.limit)
			}
		})
	}
}
