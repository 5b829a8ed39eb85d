package db_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// TestStatusOn_AgreesWithStatusAt reads one child's bindings, some active
// past their validity on the day of the read and never expired by a
// timer, through every list that filters on status, and checks that each
// list holds exactly the bindings whose domain.Binding.StatusAt on that
// day matches.
func TestStatusOn_AgreesWithStatusAt(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	day := domain.DateOf(t0).AddDays(10)
	now := day.Start().Add(9 * time.Hour)
	bind := func(until domain.Date, path ...domain.BindingStatus) string {
		t.Helper()
		id := newBindingID()
		nb := db.NewBinding{ID: id, Holder: employeeWithAccount(t, s, "10.00"), Beneficiary: child, Relation: domain.RelationChild,
			Terms: domain.Terms{ValidUntil: until}, At: t0}
		if err := s.CreateBinding(ctx, nb); err != nil {
			t.Fatal(err)
		}
		move(t, s, id, t0, path...)
		return id
	}
	aw, ur, ac := domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive
	endedYesterday := bind(day.AddDays(-1), aw, ur, ac)
	endedLastWeek := bind(day.AddDays(-7), aw, ur, ac)
	lastDayToday := bind(day, aw, ur, ac)
	longTerm := bind(domain.Date{}, aw, ur, ac)
	expiredByTimer := bind(day.AddDays(-2), aw, ur, ac, domain.BindingExpired)
	reviewPastEnd := bind(day.AddDays(-1), aw, ur)
	all := []string{endedYesterday, endedLastWeek, lastDayToday, longTerm, expiredByTimer, reviewPastEnd}

	statusOf := map[string]domain.BindingStatus{}
	for _, id := range all {
		statusOf[id] = mustBinding(t, s, id, day.Year).StatusAt(now)
	}
	if fmt.Sprintf("%s %s %s", statusOf[endedYesterday], statusOf[lastDayToday], statusOf[reviewPastEnd]) != "expired active under_review" {
		t.Fatalf("StatusAt(%s): %v", now, statusOf)
	}
	want := func(st domain.BindingStatus) []string {
		var out []string
		for _, id := range all {
			if statusOf[id] == st {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(bs []domain.Binding) []string {
		out := ids(bs)
		slices.Sort(out)
		return out
	}
	for _, st := range []domain.BindingStatus{ac, domain.BindingExpired, ur} {
		t.Run(string(st), func(t *testing.T) {
			list, err := s.ListBindings(ctx, db.BindingFilter{Beneficiary: child, Status: st, Today: day, Limit: 50, Year: day.Year})
			if err != nil {
				t.Fatal(err)
			}
			if got := sorted(list); !slices.Equal(got, want(st)) {
				t.Errorf("ListBindings status=%s on %s: %v, want %v", st, day, got, want(st))
			}
			queue, err := s.ReviewQueue(ctx, st, day, nil, 1000, day.Year)
			if err != nil {
				t.Fatal(err)
			}
			var mine []domain.Binding
			for _, b := range queue {
				if b.Beneficiary == child {
					mine = append(mine, b)
				}
			}
			if got := sorted(mine); !slices.Equal(got, want(st)) {
				t.Errorf("ReviewQueue status=%s on %s: %v, want %v", st, day, got, want(st))
			}
		})
	}

	// The payer order and the settlement's payers leave out what has
	// ended on the day; a binding ended only by the clock cannot be named.
	order, err := s.PayerOrder(ctx, child, day)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sortedStrings(order)), fmt.Sprint(sortedStrings([]string{lastDayToday, longTerm, reviewPastEnd})); got != want {
		t.Errorf("PayerOrder on %s: %s, want %s", day, got, want)
	}
	_, err = s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: []string{endedYesterday}, By: "insured:" + string(child), At: now})
	assertCode(t, err, domain.CodePriorityBindingNotYours)
	payers, err := s.ActiveBindingsFor(ctx, child, day)
	if err != nil {
		t.Fatal(err)
	}
	var paying []string
	for _, p := range payers {
		paying = append(paying, p.BindingID)
	}
	if got, want := fmt.Sprint(sortedStrings(paying)), fmt.Sprint(sortedStrings([]string{lastDayToday, longTerm})); got != want {
		t.Errorf("ActiveBindingsFor on %s: %s, want %s (not %s, whose last day was yesterday)", day, got, want, endedYesterday)
	}
	b := mustBinding(t, s, endedYesterday, day.Year)
	if held, err := s.HoldsLiveBinding(ctx, b.Holder, child, day); err != nil || held {
		t.Errorf("HoldsLiveBinding through a binding ended yesterday: %v, %v", held, err)
	}
	if held, err := s.HoldsLiveBinding(ctx, b.Holder, child, day.AddDays(-1)); err != nil || !held {
		t.Errorf("HoldsLiveBinding on its last day: %v, %v", held, err)
	}
}

func TestSetPayerOrder_RecordsWhoAndWhen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	father, mother := employeeWithAccount(t, s, "10.00"), employeeWithAccount(t, s, "10.00")
	fathers := activeBinding(t, s, father, child, domain.Terms{}, t0)
	mothers := activeBinding(t, s, mother, child, domain.Terms{}, t0.Add(time.Hour))
	stranger := employeeWithAccount(t, s, "10.00")
	at := t0.Add(24 * time.Hour)

	if _, err := s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: []string{mothers, fathers},
		Holder: father, By: "insured:" + string(father), At: at}); err != nil {
		t.Fatal(err)
	}
	_, err := s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: []string{fathers},
		Holder: stranger, By: "insured:" + string(stranger), At: at.Add(time.Minute)})
	assertCode(t, err, domain.CodeForbidden)
	if _, err := s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: []string{},
		By: "insured:" + string(child), At: at.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	changes, err := s.PriorityChanges(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(changes))
	for i, c := range changes {
		got[i] = fmt.Sprintf("%s %s %v", c.By, c.At.In(domain.Beijing).Format(time.RFC3339), []string(c.BindingIDs))
	}
	want := []string{
		fmt.Sprintf("insured:%s %s %v", father, at.Format(time.RFC3339), []string{mothers, fathers}),
		fmt.Sprintf("insured:%s %s %v", child, at.Add(2*time.Minute).Format(time.RFC3339), []string{}),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("priority changes:\n%v\nwant (the stranger's refused change not recorded):\n%v", got, want)
	}
}

func sortedStrings(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
}
