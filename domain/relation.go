package domain

import "slices"

// Relation is how a beneficiary is related to a holder.
type Relation string

// Every relation the API can name. Which of them may be bound is decided by
// the RelationPolicy in force, not here.
const (
	RelationSpouse      Relation = "spouse"
	RelationParent      Relation = "parent"
	RelationChild       Relation = "child"
	RelationSibling     Relation = "sibling"
	RelationGrandparent Relation = "grandparent"
	RelationGrandchild  Relation = "grandchild"
)

// ParseRelation accepts any relation the API knows.
func ParseRelation(s string) (Relation, error) {
	switch r := Relation(s); r {
	case RelationSpouse, RelationParent, RelationChild, RelationSibling, RelationGrandparent, RelationGrandchild:
		return r, nil
	}
	return "", EnumError("relation", s, "spouse", "parent", "child", "sibling", "grandparent", "grandchild")
}

// RelationPolicy is one version of the set of relations that may be bound,
// in force from a date until the next version starts.
type RelationPolicy struct {
	Version       string
	EffectiveFrom Date
	Relations     []Relation
}

// Allows reports whether the policy lets r be bound.
func (p RelationPolicy) Allows(r Relation) bool { return slices.Contains(p.Relations, r) }

// RelationPolicyOn picks the version in force on date d: the one with the
// latest EffectiveFrom not after d. ok is false when none is in force yet.
func RelationPolicyOn(versions []RelationPolicy, d Date) (policy RelationPolicy, ok bool) {
	for _, v := range versions {
		if v.EffectiveFrom.After(d) {
			continue
		}
		if !ok || v.EffectiveFrom.After(policy.EffectiveFrom) {
			policy, ok = v, true
		}
	}
	return policy, ok
}
