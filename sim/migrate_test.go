package sim_test

import (
	"context"
	"slices"
	"testing"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/sim"
)

func tablesIn(t *testing.T, ctx context.Context, u, schema string) []string {
	t.Helper()
	var names []string
	if err := dbtest.Open(t, u).SelectContext(ctx, &names, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = $1 AND table_name <> 'goose_db_version' ORDER BY table_name`, schema); err != nil {
		t.Fatal(err)
	}
	return names
}

// The simulators' migrations go down and up on their own, and gongji's
// production migrations, rolled all the way down and up again, never
// touch a simulator's table: they live in the schema sim only.
func TestMigrations_TheSimulatorsKeepTheirOwnSchemaAndVersions(t *testing.T) {
	ctx := context.Background()
	u, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	conn := dbtest.Open(t, u)
	want := []string{"card_charges", "fund_policies", "fund_settlements", "fund_usage", "premium_postings", "resident_premiums"}
	if got := tablesIn(t, ctx, u, sim.Schema); !slices.Equal(got, want) {
		t.Fatalf("schema sim holds %v, want %v", got, want)
	}

	if err := db.MigrateDownAll(ctx, conn.DB); err != nil {
		t.Fatal(err)
	}
	if got := tablesIn(t, ctx, u, sim.Schema); !slices.Equal(got, want) {
		t.Fatalf("gongji's down migrations left schema sim with %v, want %v", got, want)
	}
	if _, err := db.Migrate(ctx, conn.DB); err != nil {
		t.Fatal(err)
	}
	for _, name := range tablesIn(t, ctx, u, "public") {
		if slices.Contains(want, name) {
			t.Errorf("gongji's migrations created the simulator table public.%s", name)
		}
	}

	if err := sim.MigrateDownAll(ctx, conn.DB); err != nil {
		t.Fatal(err)
	}
	if got := tablesIn(t, ctx, u, sim.Schema); len(got) != 0 {
		t.Fatalf("%v left in schema sim after migrating down", got)
	}
	version, err := sim.Migrate(ctx, conn.DB)
	if err != nil {
		t.Fatal(err)
	}
	if version < 1 {
		t.Fatalf("simulator version = %d after migrating up", version)
	}
	if got := tablesIn(t, ctx, u, sim.Schema); !slices.Equal(got, want) {
		t.Fatalf("schema sim holds %v after migrating up again, want %v", got, want)
	}
}
