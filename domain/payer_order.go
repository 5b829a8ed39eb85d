package domain

import (
	"cmp"
	"slices"
	"time"
)

// PayerRank is what places one of a beneficiary's bindings in the order
// in which they pay.
type PayerRank struct {
	BindingID string
	// Paid is set when the binding already paid for the settlement being
	// settled; PaidPosition is then its place among those that paid.
	Paid         bool
	PaidPosition int
	// Named is set when the beneficiary (or their parent) put the binding
	// in their payer order; NamedPosition is then its place there.
	Named         bool
	NamedPosition int
	RequestedAt   time.Time
}

// ComparePayers is the payer order: the bindings that already paid for
// the settlement first, in the order they paid (so that a saga asked
// again names, and can refund, every debit), then those the beneficiary
// named, in their order, then the others, oldest request first; the
// binding id breaks a tie. It returns a negative number when a pays
// before b, a positive one when after, as slices.SortFunc expects.
func ComparePayers(a, b PayerRank) int {
	if c := compareOptional(a.Paid, a.PaidPosition, b.Paid, b.PaidPosition); c != 0 {
		return c
	}
	if c := compareOptional(a.Named, a.NamedPosition, b.Named, b.NamedPosition); c != 0 {
		return c
	}
	if c := a.RequestedAt.Compare(b.RequestedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.BindingID, b.BindingID)
}

// SortPayers puts items in the payer order (ComparePayers) of their
// ranks.
func SortPayers[T any](items []T, rank func(T) PayerRank) {
	slices.SortStableFunc(items, func(a, b T) int { return ComparePayers(rank(a), rank(b)) })
}

// compareOptional orders positions ascending, a missing one last.
func compareOptional(aSet bool, a int, bSet bool, b int) int {
	switch {
	case aSet && bSet:
		return cmp.Compare(a, b)
	case aSet:
		return -1
	case bSet:
		return 1
	}
	return 0
}
