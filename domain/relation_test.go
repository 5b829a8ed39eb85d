package domain_test

import (
	"slices"
	"testing"

	"gongji/domain"
)

func TestParseRelation(t *testing.T) {
	tests := []struct {
		in   string
		want domain.Relation
		code domain.Code
	}{
		{"spouse", domain.RelationSpouse, ""},
		{"parent", domain.RelationParent, ""},
		{"child", domain.RelationChild, ""},
		{"sibling", domain.RelationSibling, ""},
		{"grandparent", domain.RelationGrandparent, ""},
		{"grandchild", domain.RelationGrandchild, ""},
		{"Spouse", "", domain.CodeInvalidEnumValue},
		{"self", "", domain.CodeInvalidEnumValue},
		{"cousin", "", domain.CodeInvalidEnumValue},
		{"配偶", "", domain.CodeInvalidEnumValue},
		{"", "", domain.CodeInvalidEnumValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := domain.ParseRelation(tt.in)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseRelation(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil {
				wantDetailsField(t, err, "relation")
			}
		})
	}
}

var (
	policy2021 = domain.RelationPolicy{
		Version: "2021", EffectiveFrom: day(2021, 4, 22),
		Relations: []domain.Relation{domain.RelationSpouse, domain.RelationParent, domain.RelationChild},
	}
	policy2024 = domain.RelationPolicy{
		Version: "2024", EffectiveFrom: day(2024, 1, 1),
		Relations: []domain.Relation{
			domain.RelationSpouse, domain.RelationParent, domain.RelationChild,
			domain.RelationSibling, domain.RelationGrandparent, domain.RelationGrandchild,
		},
	}
	policy2030 = domain.RelationPolicy{
		Version: "2030-draft", EffectiveFrom: day(2030, 1, 1),
		Relations: []domain.Relation{domain.RelationSpouse},
	}
)

func TestRelationPolicy_Allows(t *testing.T) {
	tests := []struct {
		name   string
		policy domain.RelationPolicy
		r      domain.Relation
		want   bool
	}{
		{"2021 allows spouse", policy2021, domain.RelationSpouse, true},
		{"2021 allows parent", policy2021, domain.RelationParent, true},
		{"2021 allows child", policy2021, domain.RelationChild, true},
		{"2021 refuses sibling", policy2021, domain.RelationSibling, false},
		{"2021 refuses grandparent", policy2021, domain.RelationGrandparent, false},
		{"2021 refuses grandchild", policy2021, domain.RelationGrandchild, false},
		{"2024 allows sibling", policy2024, domain.RelationSibling, true},
		{"2024 allows grandchild", policy2024, domain.RelationGrandchild, true},
		{"unknown relation", policy2024, "cousin", false},
		{"empty policy allows nothing", domain.RelationPolicy{}, domain.RelationChild, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Allows(tt.r); got != tt.want {
				t.Errorf("Allows(%s) = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

func TestRelationPolicyOn(t *testing.T) {
	sorted := []domain.RelationPolicy{policy2021, policy2024, policy2030}
	unsorted := []domain.RelationPolicy{policy2030, policy2024, policy2021}
	tests := []struct {
		name        string
		versions    []domain.RelationPolicy
		on          domain.Date
		wantOK      bool
		wantVersion string
	}{
		{"before any version", sorted, day(2021, 4, 21), false, ""},
		{"long before any version", sorted, day(2000, 1, 1), false, ""},
		{"first version's effective day", sorted, day(2021, 4, 22), true, "2021"},
		{"during first version", sorted, day(2022, 6, 1), true, "2021"},
		{"day before the widening", sorted, day(2023, 12, 31), true, "2021"},
		{"widening's effective day", sorted, day(2024, 1, 1), true, "2024"},
		{"after the widening", sorted, day(2026, 1, 1), true, "2024"},
		{"future draft is not yet in force", sorted, day(2029, 12, 31), true, "2024"},
		{"future draft once in force", sorted, day(2030, 1, 1), true, "2030-draft"},
		{"unsorted: first version", unsorted, day(2022, 6, 1), true, "2021"},
		{"unsorted: widening", unsorted, day(2024, 1, 1), true, "2024"},
		{"unsorted: before any", unsorted, day(2020, 1, 1), false, ""},
		{"no versions", nil, day(2024, 1, 1), false, ""},
		{"empty versions", []domain.RelationPolicy{}, day(2024, 1, 1), false, ""},
		{"only a future version", []domain.RelationPolicy{policy2030}, day(2024, 1, 1), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := domain.RelationPolicyOn(tt.versions, tt.on)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v (got %+v)", ok, tt.wantOK, got)
			}
			if got.Version != tt.wantVersion {
				t.Errorf("Version = %q, want %q", got.Version, tt.wantVersion)
			}
			if !ok && (got.Version != "" || !got.EffectiveFrom.IsZero() || got.Relations != nil) {
				t.Errorf("no policy in force but got %+v", got)
			}
		})
	}
}

// The 2024 widening to 近亲属 is a data change: the same call answers
// differently on either side of the effective date.
func TestRelationPolicyOn_WideningIsADataChange(t *testing.T) {
	versions := []domain.RelationPolicy{policy2021, policy2024}
	before, _ := domain.RelationPolicyOn(versions, day(2023, 12, 31))
	after, _ := domain.RelationPolicyOn(versions, day(2024, 1, 1))
	if before.Allows(domain.RelationSibling) {
		t.Error("sibling allowed before the widening")
	}
	if !after.Allows(domain.RelationSibling) {
		t.Error("sibling refused after the widening")
	}
	if !before.Allows(domain.RelationChild) || !after.Allows(domain.RelationChild) {
		t.Error("child must be allowed under both versions")
	}
}

// Two versions with the same effective date are a data error; the pick must
// still be deterministic: the one listed first wins.
func TestRelationPolicyOn_TieKeepsFirstListed(t *testing.T) {
	a := domain.RelationPolicy{Version: "a", EffectiveFrom: day(2024, 1, 1), Relations: []domain.Relation{domain.RelationChild}}
	b := domain.RelationPolicy{Version: "b", EffectiveFrom: day(2024, 1, 1), Relations: []domain.Relation{domain.RelationSpouse}}
	tests := []struct {
		name     string
		versions []domain.RelationPolicy
		want     string
	}{
		{"a first", []domain.RelationPolicy{a, b}, "a"},
		{"b first", []domain.RelationPolicy{b, a}, "b"},
		{"tie after an older version", []domain.RelationPolicy{policy2021, b, a}, "b"},
		{"tie before an older version", []domain.RelationPolicy{a, b, policy2021}, "a"},
		{"a newer version beats the tie", []domain.RelationPolicy{a, b, policy2030}, "2030-draft"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := domain.RelationPolicyOn(tt.versions, day(2030, 6, 1))
			if !ok || got.Version != tt.want {
				t.Errorf("RelationPolicyOn = %q, %v; want %q", got.Version, ok, tt.want)
			}
		})
	}
}

func TestRelationPolicyOn_DoesNotReorderInput(t *testing.T) {
	versions := []domain.RelationPolicy{policy2030, policy2021, policy2024}
	before := slices.Clone(versions)
	domain.RelationPolicyOn(versions, day(2025, 1, 1))
	for i := range versions {
		if versions[i].Version != before[i].Version {
			t.Fatalf("input reordered: %v", versions)
		}
	}
}
