// Package statement benchmarks the holder's statement (GET /v1/me/account,
// db.Store.Statement) at a million ledger entries: the first, a middle and
// the last page of one account holding 1,000,000 entries, and of one of
// 10,000 accounts sharing another 1,000,000, interleaved in one table.
// `make bench-statement` runs it; plain `go test` runs nothing here.
package statement

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
)

const (
	heavyEntries   = 1_000_000 // entries of the one big account
	sparseAccounts = 10_000    // accounts sharing the other million
	pageSize       = 20        // the API's default page
)

var (
	heavy  = account(0)
	sparse = account(sparseAccounts / 2)
)

func account(i int) domain.IDNumber { return domain.IDNumber(fmt.Sprintf("%018d", i)) }

func BenchmarkStatementPages(b *testing.B) {
	ctx := context.Background()
	dbURL, drop, err := dbtest.Create(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(drop)
	conn := dbtest.Open(b, dbURL)
	began := time.Now()
	load(b, conn)
	b.Logf("loaded %d entries in %s", 2*heavyEntries, time.Since(began).Round(time.Second))
	store := db.NewStore(conn)

	for _, acc := range []struct {
		name string
		id   domain.IDNumber
	}{{"one account of 1M entries", heavy}, {"one of 10000 accounts sharing 1M", sparse}} {
		for _, pos := range []string{"first", "middle", "last"} {
			before := pageStart(b, conn, acc.id, pos)
			b.Run(acc.name+"/"+pos+" page", func(b *testing.B) {
				for b.Loop() {
					if _, entries, err := store.Statement(ctx, acc.id, before, pageSize); err != nil || len(entries) != pageSize {
						b.Fatalf("statement: %d entries, %v", len(entries), err)
					}
				}
			})
		}
	}
	b.Logf("the middle page of the big account, as PostgreSQL ran it:\n%s",
		explainAnalyze(b, dbURL, heavy, pageStart(b, conn, heavy, "middle")))
}

// load writes two million entries of +1.00, alternating between the big
// account and the small ones, so that each account's entries are spread
// over the whole table as a year of postings would be; the balances agree.
func load(b *testing.B, conn *sqlx.DB) {
	steps := []string{
		`INSERT INTO persons (id_number, name) SELECT lpad(i::text, 18, '0'), 'p' || i FROM generate_series(0, :sparse) i`,
		`INSERT INTO accounts (id_number, opening_balance, balance, status)
			SELECT id_number, 0, CASE WHEN id_number = lpad('0', 18, '0') THEN :heavy ELSE :heavy / :sparse END, 'normal'
			FROM persons`,
		`INSERT INTO ledger_entries (account_id_number, amount, kind, business_key, created_at)
			SELECT CASE WHEN n % 2 = 0 THEN lpad('0', 18, '0') ELSE lpad((1 + n / 2 % :sparse)::text, 18, '0') END,
				1.00, 'contribution', 'bench:' || n, timestamptz '2020-01-01' + n * interval '1 minute'
			FROM generate_series(0, 2 * :heavy - 1) n`,
		`ANALYZE`,
	}
	sizes := strings.NewReplacer(":heavy", fmt.Sprint(heavyEntries), ":sparse", fmt.Sprint(sparseAccounts))
	for _, q := range steps {
		if _, err := conn.Exec(sizes.Replace(q)); err != nil {
			b.Fatal(err)
		}
	}
}

// pageStart is the cursor (the entry id to read below) of the first, a
// middle or the last full page of the account's statement.
func pageStart(b *testing.B, conn *sqlx.DB, id domain.IDNumber, pos string) int64 {
	if pos == "first" {
		return 0
	}
	var n int64
	if err := conn.Get(&n, `SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, id); err != nil {
		b.Fatal(err)
	}
	skip := n / 2
	if pos == "last" {
		skip = n - pageSize - 1
	}
	var before int64
	if err := conn.Get(&before, `SELECT id FROM ledger_entries WHERE account_id_number = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`, id, skip); err != nil {
		b.Fatal(err)
	}
	return before
}

// explainAnalyze runs the store's own statement page with auto_explain
// sending each plan, with timings and buffers, back as a notice, and
// returns the plan of the ledger query.
func explainAnalyze(b *testing.B, dbURL string, id domain.IDNumber, before int64) string {
	connector, err := pq.NewConnector(dbURL)
	if err != nil {
		b.Fatal(err)
	}
	var plans []string
	pool := sql.OpenDB(pq.ConnectorWithNoticeHandler(connector, func(e *pq.Error) { plans = append(plans, e.Message) }))
	defer pool.Close()
	pool.SetMaxOpenConns(1) // the settings below are the session's
	for _, q := range []string{`LOAD 'auto_explain'`, `SET auto_explain.log_min_duration = 0`, `SET auto_explain.log_analyze = on`,
		`SET auto_explain.log_buffers = on`, `SET auto_explain.log_level = notice`} {
		if _, err := pool.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, err := db.NewStore(sqlx.NewDb(pool, "postgres")).Statement(context.Background(), id, before, pageSize); err != nil {
		b.Fatal(err)
	}
	for _, p := range plans {
		if strings.Contains(p, "ledger_entries") {
			return p
		}
	}
	b.Fatalf("no plan of the ledger query among %q", plans)
	return ""
}
