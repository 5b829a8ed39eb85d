package db_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// step moves a binding once, at the given time.
func step(t *testing.T, s *db.Store, id string, from, to domain.BindingStatus, at time.Time) {
	t.Helper()
	tr := db.Transition{BindingID: id, From: []domain.BindingStatus{from}, To: to, Event: string(to), By: "system", At: at, EventKey: newKey(id)}
	if err := s.TransitionBinding(context.Background(), tr); err != nil {
		t.Fatalf("transition %s → %s: %v", from, to, err)
	}
}

type listed struct {
	id          string
	beneficiary domain.IDNumber
	holder      domain.IDNumber
	at          time.Time
	status      domain.BindingStatus
}

// newestFirst orders as the lists promise: newest request first, ties by
// id, highest first.
func newestFirst(rows []listed) []string {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b listed) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

// allPages reads a list page by page, following the cursor of the last
// item of each full page.
func allPages(t *testing.T, limit int, cursorOf func(domain.Binding) db.Cursor, page func(after *db.Cursor) ([]domain.Binding, error)) []domain.Binding {
	t.Helper()
	var all []domain.Binding
	var after *db.Cursor
	for range 100 {
		got, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > limit {
			t.Fatalf("page of %d items, limit %d", len(got), limit)
		}
		all = append(all, got...)
		if len(got) < limit {
			return all
		}
		c := cursorOf(got[len(got)-1])
		after = &c
	}
	t.Fatal("paging does not end")
	return nil
}

func ids(bs []domain.Binding) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func TestListBindings_FiltersAndPagesNewestFirst(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	holder, otherHolder := employeeWithAccount(t, s, "500.00"), employeeWithAccount(t, s, "500.00")
	child := person(t, s)
	var rows []listed
	add := func(h, b domain.IDNumber, at time.Time, path ...domain.BindingStatus) {
		id := request(t, s, h, b, at)
		for i := 1; i < len(path); i++ {
			step(t, s, id, path[i-1], path[i], at.Add(time.Duration(i)*time.Minute))
		}
		rows = append(rows, listed{id: id, holder: h, beneficiary: b, at: at, status: path[len(path)-1]})
	}
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	// The holder's family; two requests at the same instant.
	add(holder, child, t0.Add(1*time.Hour), aw, ur, ac, domain.BindingUnbound)
	add(holder, child, t0.Add(2*time.Hour), aw, ur, ac) // re-bound after unbinding
	add(holder, person(t, s), t0.Add(3*time.Hour), aw, ur, ac)
	add(holder, person(t, s), t0.Add(3*time.Hour), aw, ur)
	add(holder, person(t, s), t0.Add(4*time.Hour), aw)
	add(holder, person(t, s), t0.Add(5*time.Hour), aw, ur, ac)
	add(holder, person(t, s), t0.Add(5*time.Hour), aw, domain.BindingLapsed)
	// The child's other parent.
	add(otherHolder, child, t0.Add(90*time.Minute), aw, ur, domain.BindingRejected)
	add(otherHolder, child, t0.Add(6*time.Hour), aw, ur, ac)

	pick := func(keep func(listed) bool) []string {
		var out []listed
		for _, r := range rows {
			if keep(r) {
				out = append(out, r)
			}
		}
		return newestFirst(out)
	}
	tests := []struct {
		name   string
		filter db.BindingFilter
		want   []string
	}{
		{"as holder", db.BindingFilter{Holder: holder},
			pick(func(r listed) bool { return r.holder == holder })},
		{"as holder, active", db.BindingFilter{Holder: holder, Status: ac},
			pick(func(r listed) bool { return r.holder == holder && r.status == ac })},
		{"as holder, unbound", db.BindingFilter{Holder: holder, Status: domain.BindingUnbound},
			pick(func(r listed) bool { return r.holder == holder && r.status == domain.BindingUnbound })},
		{"as holder, expired: none", db.BindingFilter{Holder: holder, Status: domain.BindingExpired}, nil},
		{"as beneficiary", db.BindingFilter{Beneficiary: child},
			pick(func(r listed) bool { return r.beneficiary == child })},
		{"as beneficiary, active", db.BindingFilter{Beneficiary: child, Status: ac},
			pick(func(r listed) bool { return r.beneficiary == child && r.status == ac })},
		{"as beneficiary, rejected", db.BindingFilter{Beneficiary: child, Status: domain.BindingRejected},
			pick(func(r listed) bool { return r.beneficiary == child && r.status == domain.BindingRejected })},
		{"holder without bindings as beneficiary", db.BindingFilter{Beneficiary: holder}, nil},
		{"unknown person", db.BindingFilter{Holder: uniqueID()}, nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 3, 50} {
			t.Run(fmt.Sprintf("%s, limit %d", tt.name, limit), func(t *testing.T) {
				got := allPages(t, limit, func(b domain.Binding) db.Cursor { return db.Cursor{At: b.RequestedAt, ID: b.ID} },
					func(after *db.Cursor) ([]domain.Binding, error) {
						f := tt.filter
						f.After, f.Limit, f.Year = after, limit, 2026
						return s.ListBindings(ctx, f)
					})
				if !slices.Equal(ids(got), tt.want) {
					t.Fatalf("ids = %v, want %v", ids(got), tt.want)
				}
				for _, b := range got {
					if (tt.filter.Holder != "" && b.Holder != tt.filter.Holder) || (tt.filter.Beneficiary != "" && b.Beneficiary != tt.filter.Beneficiary) ||
						(tt.filter.Status != "" && b.Status != tt.filter.Status) {
						t.Errorf("binding %+v does not match the filter", b)
					}
				}
			})
		}
	}
}

func TestReviewQueue_OldestSubmissionFirst(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	aw, ur := domain.BindingAwaitingDocuments, domain.BindingUnderReview
	submittedAt := func(minutes int) time.Time {
		return time.Date(2026, 4, 1, 8, 0, 0, 0, domain.Beijing).Add(time.Duration(minutes) * time.Minute)
	}
	newRequest := func(requested time.Time) string {
		return request(t, s, employeeWithAccount(t, s, "500.00"), person(t, s), requested)
	}

	// Requested in one order, submitted in another.
	late := newRequest(t0)
	step(t, s, late, aw, ur, submittedAt(30))
	early := newRequest(t0.Add(time.Hour))
	step(t, s, early, aw, ur, submittedAt(10))
	tieA := newRequest(t0.Add(2 * time.Hour))
	step(t, s, tieA, aw, ur, submittedAt(20))
	tieB := newRequest(t0.Add(3 * time.Hour))
	step(t, s, tieB, aw, ur, submittedAt(20))
	// Sent back for documents after its first submission, then resubmitted
	// later: it keeps its place by the first submission.
	resubmitted := newRequest(t0)
	step(t, s, resubmitted, aw, ur, submittedAt(15))
	step(t, s, resubmitted, ur, aw, submittedAt(16))
	step(t, s, resubmitted, aw, ur, submittedAt(40))
	// Sent back and still waiting.
	sentBack := newRequest(t0)
	step(t, s, sentBack, aw, ur, submittedAt(5))
	step(t, s, sentBack, ur, aw, submittedAt(6))
	// Never submitted.
	neverSubmitted := newRequest(t0.Add(-time.Hour))
	// Approved.
	approved := newRequest(t0)
	step(t, s, approved, aw, ur, submittedAt(1))
	step(t, s, approved, ur, domain.BindingActive, submittedAt(2))

	tieFirst, tieSecond := min(tieA, tieB), max(tieA, tieB)
	mine := map[string]bool{late: true, early: true, tieA: true, tieB: true, resubmitted: true, sentBack: true, neverSubmitted: true, approved: true}
	tests := []struct {
		status domain.BindingStatus
		want   []string
	}{
		{ur, []string{early, resubmitted, tieFirst, tieSecond, late}},
		{aw, []string{sentBack}},
		{domain.BindingActive, []string{approved}},
		{domain.BindingRejected, nil},
	}
	for _, tt := range tests {
		for _, limit := range []int{1, 2, 100} {
			t.Run(fmt.Sprintf("%s, limit %d", tt.status, limit), func(t *testing.T) {
				all := allPages(t, limit, func(b domain.Binding) db.Cursor { return db.Cursor{At: b.SubmittedAt, ID: b.ID} },
					func(after *db.Cursor) ([]domain.Binding, error) {
						return s.ReviewQueue(ctx, tt.status, domain.Date{}, after, limit, 2026)
					})
				seen := map[string]bool{}
				var got []string
				for i, b := range all {
					if seen[b.ID] {
						t.Fatalf("%s listed twice", b.ID)
					}
					seen[b.ID] = true
					if b.Status != tt.status || b.SubmittedAt.IsZero() {
						t.Errorf("%s is %s, submitted %v", b.ID, b.Status, b.SubmittedAt)
					}
					if i > 0 && (b.SubmittedAt.Before(all[i-1].SubmittedAt) || (b.SubmittedAt.Equal(all[i-1].SubmittedAt) && b.ID < all[i-1].ID)) {
						t.Errorf("%s out of order after %s", b.ID, all[i-1].ID)
					}
					if mine[b.ID] {
						got = append(got, b.ID)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("queue = %v, want %v", got, tt.want)
				}
				if seen[neverSubmitted] {
					t.Error("a never-submitted request is in the review queue")
				}
			})
		}
	}
}

func TestLiveBindingsOf_NamesThePersonEitherWay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	me := employeeWithAccount(t, s, "500.00")
	spouse := employeeWithAccount(t, s, "500.00")

	asHolderActive := request(t, s, me, person(t, s), t0.Add(1*time.Hour))
	step(t, s, asHolderActive, aw, ur, t0.Add(2*time.Hour))
	step(t, s, asHolderActive, ur, ac, t0.Add(3*time.Hour))
	asHolderAwaiting := request(t, s, me, person(t, s), t0.Add(4*time.Hour))
	asHolderUnbound := request(t, s, me, person(t, s), t0.Add(5*time.Hour))
	step(t, s, asHolderUnbound, aw, ur, t0.Add(6*time.Hour))
	step(t, s, asHolderUnbound, ur, ac, t0.Add(7*time.Hour))
	step(t, s, asHolderUnbound, ac, domain.BindingUnbound, t0.Add(8*time.Hour))
	asBeneficiaryReview := request(t, s, spouse, me, t0.Add(30*time.Minute))
	step(t, s, asBeneficiaryReview, aw, ur, t0.Add(2*time.Hour))
	asBeneficiaryLapsed := request(t, s, employeeWithAccount(t, s, "500.00"), me, t0)
	step(t, s, asBeneficiaryLapsed, aw, domain.BindingLapsed, t0.Add(time.Hour))
	asBeneficiaryRejected := request(t, s, employeeWithAccount(t, s, "500.00"), me, t0)
	step(t, s, asBeneficiaryRejected, aw, ur, t0.Add(time.Hour))
	step(t, s, asBeneficiaryRejected, ur, domain.BindingRejected, t0.Add(2*time.Hour))
	unrelated := request(t, s, spouse, person(t, s), t0)

	tests := []struct {
		name string
		who  domain.IDNumber
		want []string
	}{
		{"holder and beneficiary at once, oldest request first", me, []string{asBeneficiaryReview, asHolderActive, asHolderAwaiting}},
		{"the spouse", spouse, []string{unrelated, asBeneficiaryReview}},
		{"nobody", uniqueID(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.LiveBindingsOf(ctx, tt.who, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("ids = %v, want %v", ids(got), tt.want)
			}
			for _, b := range got {
				if !b.Status.IsLive() || (b.Holder != tt.who && b.Beneficiary != tt.who) {
					t.Errorf("binding %+v", b)
				}
			}
		})
	}
}
