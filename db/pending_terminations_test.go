package db_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// A death records a termination_pending entry on each live binding the
// ending names, in its transaction; repeated, it records nothing new and
// returns the bindings still live so that they are told again.
func TestRecordDeathEndingBindings_RecordsPendingTerminationsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder := employeeWithAccount(t, s, "100.00")
	active := request(t, s, holder, person(t, s), t0)
	move(t, s, active, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive)
	waiting := request(t, s, holder, person(t, s), t0)
	ended := request(t, s, holder, person(t, s), t0)
	move(t, s, ended, t0, domain.BindingAwaitingDocuments, domain.BindingUnbound)
	kept := request(t, s, holder, person(t, s), t0)

	date := domain.DateOf(t0).AddDays(1)
	end := db.BindingEnding{By: "admin:a1", At: t0.Add(24 * time.Hour), Reason: func(b domain.Binding) string {
		if b.ID == kept {
			return ""
		}
		return "holder died on " + date.String()
	}}
	pendingEntries := func(id string) int {
		return count(t, s, `SELECT count(*) FROM binding_history WHERE binding_id = $1 AND event = 'termination_pending'`, id)
	}
	for round := range 2 {
		p, pending, err := s.RecordDeathEndingBindings(ctx, holder, date, end)
		if err != nil || p.DeathDate != date {
			t.Fatalf("round %d: death %s, %v", round, p.DeathDate, err)
		}
		var ids []string
		for _, pt := range pending {
			ids = append(ids, pt.BindingID)
			if pt.Reason != "holder died on "+date.String() {
				t.Errorf("round %d: reason %q", round, pt.Reason)
			}
		}
		want := []string{active, waiting}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("round %d: pending %v, want the live bindings the ending names %v", round, ids, want)
		}
		for _, id := range want {
			if n := pendingEntries(id); n != 1 {
				t.Fatalf("round %d: %s has %d pending entries, want 1", round, id, n)
			}
		}
		for _, id := range []string{ended, kept} {
			if n := pendingEntries(id); n != 0 {
				t.Fatalf("round %d: %s has %d pending entries, want 0", round, id, n)
			}
		}
	}

	// A refused write (another date) rolls its entries back with it.
	other := db.BindingEnding{By: end.By, At: end.At, Reason: func(domain.Binding) string { return "another reason" }}
	if _, _, err := s.RecordDeathEndingBindings(ctx, holder, date.AddDays(1), other); domain.ErrorCode(err) != domain.CodePersonDeceased {
		t.Fatalf("another date: %v, want %s", err, domain.CodePersonDeceased)
	}
	if n := count(t, s, `SELECT count(*) FROM binding_history WHERE reason = 'another reason' AND binding_id = ANY($1)`, "{"+active+","+waiting+"}"); n != 0 {
		t.Fatalf("a refused death left %d pending entries", n)
	}
}
