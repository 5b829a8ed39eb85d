package api

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// tableState is what a table holds: its row count and a digest of its
// rows, so that an UPDATE shows as well as an INSERT or DELETE.
type tableState struct {
	Rows   int64
	Digest string
}

// snapshotTables reads the state of every table of the schema except
// goose's version table.
func snapshotTables(t *testing.T, conn *sqlx.DB) map[string]tableState {
	t.Helper()
	ctx := context.Background()
	var tables []string
	if err := conn.SelectContext(ctx, &tables, `
		SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'
		ORDER BY table_name`); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(tables) == 0 {
		t.Fatal("the schema has no tables")
	}
	out := make(map[string]tableState, len(tables))
	for _, name := range tables {
		var s tableState
		q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM %s r`, pq.QuoteIdentifier(name))
		if err := conn.QueryRowxContext(ctx, q).Scan(&s.Rows, &s.Digest); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		out[name] = s
	}
	return out
}

// changedTables names the tables whose state differs between two
// snapshots, with their row counts before and after.
func changedTables(before, after map[string]tableState) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(after)) {
		if b := before[name]; b != after[name] {
			out = append(out, fmt.Sprintf("%s (%d rows → %d)", name, b.Rows, after[name].Rows))
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			out = append(out, name+" (dropped)")
		}
	}
	return out
}
