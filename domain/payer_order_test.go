package domain_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gongji/domain"
)

func TestComparePayers(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) // any instant: only the ranks' order matters
	older, newer := t0, t0.Add(time.Second)
	for _, c := range []struct {
		name        string
		first, then domain.PayerRank
	}{
		{"paid before unpaid, even named and older",
			domain.PayerRank{BindingID: "z", Paid: true, PaidPosition: 5, RequestedAt: newer},
			domain.PayerRank{BindingID: "a", Named: true, NamedPosition: 0, RequestedAt: older}},
		{"paid in the order they paid",
			domain.PayerRank{BindingID: "z", Paid: true, PaidPosition: 0, Named: true, NamedPosition: 3, RequestedAt: newer},
			domain.PayerRank{BindingID: "a", Paid: true, PaidPosition: 1, Named: true, NamedPosition: 0, RequestedAt: older}},
		{"named before unnamed, even newer",
			domain.PayerRank{BindingID: "z", Named: true, NamedPosition: 2, RequestedAt: newer},
			domain.PayerRank{BindingID: "a", RequestedAt: older}},
		{"named in their order",
			domain.PayerRank{BindingID: "z", Named: true, NamedPosition: 0, RequestedAt: newer},
			domain.PayerRank{BindingID: "a", Named: true, NamedPosition: 1, RequestedAt: older}},
		{"unnamed oldest request first",
			domain.PayerRank{BindingID: "z", RequestedAt: older},
			domain.PayerRank{BindingID: "a", RequestedAt: newer}},
		{"a tie broken by id",
			domain.PayerRank{BindingID: "a", RequestedAt: older},
			domain.PayerRank{BindingID: "b", RequestedAt: older}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := domain.ComparePayers(c.first, c.then); got >= 0 {
				t.Errorf("ComparePayers(%+v, %+v) = %d, want < 0", c.first, c.then, got)
			}
			if got := domain.ComparePayers(c.then, c.first); got <= 0 {
				t.Errorf("ComparePayers(%+v, %+v) = %d, want > 0", c.then, c.first, got)
			}
		})
	}
	same := domain.PayerRank{BindingID: "a", Named: true, NamedPosition: 1, RequestedAt: older}
	if got := domain.ComparePayers(same, same); got != 0 {
		t.Errorf("ComparePayers(%+v, itself) = %d, want 0", same, got)
	}
}

func TestSortPayers_PutsAShuffledFamilyInOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := []domain.PayerRank{
		{BindingID: "paid-first", Paid: true, PaidPosition: 0, RequestedAt: t0.Add(4 * time.Hour)},
		{BindingID: "paid-second", Paid: true, PaidPosition: 1, Named: true, NamedPosition: 0, RequestedAt: t0},
		{BindingID: "named-first", Named: true, NamedPosition: 0, RequestedAt: t0.Add(3 * time.Hour)},
		{BindingID: "named-second", Named: true, NamedPosition: 1, RequestedAt: t0.Add(time.Hour)},
		{BindingID: "oldest", RequestedAt: t0.Add(time.Minute)},
		{BindingID: "tie-a", RequestedAt: t0.Add(2 * time.Hour)},
		{BindingID: "tie-b", RequestedAt: t0.Add(2 * time.Hour)},
	}
	ids := func(rs []domain.PayerRank) (out []string) {
		for _, r := range rs {
			out = append(out, r.BindingID)
		}
		return out
	}
	for seed := range uint64(20) {
		got := slices.Clone(want)
		rand.New(rand.NewPCG(seed, 0)).Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		domain.SortPayers(got, func(r domain.PayerRank) domain.PayerRank { return r })
		if !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("seed %d: %v, want %v", seed, ids(got), ids(want))
		}
	}
}
