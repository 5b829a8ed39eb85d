package db_test

import (
	"context"
	"testing"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
)

func TestMigrations_DownThenUpAgain(t *testing.T) {
	ctx := context.Background()
	u, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	conn := dbtest.Open(t, u)
	if err := db.MigrateDownAll(ctx, conn.DB); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := conn.GetContext(ctx, &tables, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("%d tables left after migrating down", tables)
	}
	version, err := db.Migrate(ctx, conn.DB)
	if err != nil {
		t.Fatal(err)
	}
	if version < 1 {
		t.Fatalf("version = %d after migrating up", version)
	}
}

func TestRelationPolicies_InitialVersionIsSpouseParentChild(t *testing.T) {
	s := newStore(t)
	versions, err := s.RelationPolicies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := domain.RelationPolicyOn(versions, domain.NewDate(2026, 11, 24))
	if !ok {
		t.Fatal("no relation policy in force")
	}
	for _, r := range []domain.Relation{domain.RelationSpouse, domain.RelationParent, domain.RelationChild} {
		if !p.Allows(r) {
			t.Errorf("policy %s does not allow %s", p.Version, r)
		}
	}
	if p.Allows(domain.RelationSibling) {
		t.Errorf("policy %s allows sibling", p.Version)
	}
}

func TestRelationPolicies_WideningIsADataChange(t *testing.T) {
	ctx := context.Background()
	u, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	s := db.NewStore(dbtest.Open(t, u))
	widened := domain.RelationPolicy{Version: "2024-near-relatives", EffectiveFrom: domain.NewDate(2024, 7, 1), Relations: []domain.Relation{
		domain.RelationSpouse, domain.RelationParent, domain.RelationChild,
		domain.RelationSibling, domain.RelationGrandparent, domain.RelationGrandchild,
	}}
	if err := s.PutRelationPolicy(ctx, widened); err != nil {
		t.Fatal(err)
	}
	versions, err := s.RelationPolicies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := domain.RelationPolicyOn(versions, domain.NewDate(2024, 6, 30))
	after, _ := domain.RelationPolicyOn(versions, domain.NewDate(2024, 7, 1))
	if before.Allows(domain.RelationSibling) || !after.Allows(domain.RelationSibling) {
		t.Fatalf("sibling allowed before=%v after=%v, want false then true", before.Allows(domain.RelationSibling), after.Allows(domain.RelationSibling))
	}
}
