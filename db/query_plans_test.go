package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
)

// Sizes of the plan fixture: enough rows that the planner prefers an index
// wherever one fits, small enough to load in a few seconds.
const (
	planBindings      = 6000 // persons: two per binding
	planEntriesPerAcc = 10
	planBinding       = 4326 // the binding the hot paths work on
)

// bigTables are the tables that grow with the number of people, bindings
// or settlements; a hot-path query must never scan one whole.
var bigTables = []string{
	"persons", "enrolments", "accounts", "filings", "bindings", "binding_history", "binding_usage",
	"beneficiary_priorities", "documents", "ledger_entries", "notifications", "settlements",
	"settlement_payers", "settlement_steps",
}

// TestQueryPlans_HotPathsUseIndexes runs the stores' hot paths (eligibility,
// debit and refund, statement pages, binding lists and the review queue,
// an institution's settlement list, a binding's expiry) against a database
// of realistic size, records every statement they send, and checks that
// the plan of each one (EXPLAIN, with the same arguments) reads no big
// table by a sequential scan. Run with -v to see the plans in short.
func TestQueryPlans_HotPathsUseIndexes(t *testing.T) {
	ctx := context.Background()
	dbURL, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	admin := dbtest.Open(t, dbURL)
	loadPlanFixture(t, admin)
	probe := recordedQuery{SQL: `SELECT id FROM ledger_entries WHERE reference = $1`, Args: []any{"x"}}
	if len(explain(t, admin, probe).seqScans()) == 0 {
		t.Fatal("the plan walker does not see a sequential scan of an unindexed column")
	}
	rec := &queryRecorder{}
	s := db.NewStore(recordingDB(t, dbURL, rec))

	// Binding k (active, with a payer order) joins holder 2k-1 and
	// beneficiary 2k; its settlement has no payer yet.
	const k = planBinding
	binding, holder, beneficiary := fmt.Sprintf("b%d", k), planPerson(2*k-1), planPerson(2*k)
	today := domain.NewDate(2026, time.March, 15)
	at := today.Start().Add(10 * time.Hour)
	var middle int64
	if err := admin.GetContext(ctx, &middle, `SELECT id FROM ledger_entries WHERE account_id_number = $1
		ORDER BY id OFFSET $2 LIMIT 1`, holder, planEntriesPerAcc/2); err != nil {
		t.Fatal(err)
	}
	var submitted time.Time
	if err := admin.GetContext(ctx, &submitted, `SELECT submitted_at FROM bindings WHERE id = 'b5000'`); err != nil {
		t.Fatal(err)
	}

	paths := []struct {
		name string
		run  func() error
	}{
		{"eligibility", func() error {
			if _, err := s.Person(ctx, holder); err != nil {
				return err
			}
			if _, _, err := s.Enrolment(ctx, beneficiary); err != nil {
				return err
			}
			if _, err := s.Account(ctx, holder); err != nil {
				return err
			}
			if _, err := s.Filings(ctx, beneficiary); err != nil {
				return err
			}
			if _, err := s.ActiveBindingsFor(ctx, beneficiary, today); err != nil {
				return err
			}
			_, _, err := s.ActiveBindingBetween(ctx, holder, beneficiary, today)
			return err
		}},
		{"debit", func() error {
			_, err := s.DebitSharedAccount(ctx, db.Debit{
				SettlementID: fmt.Sprintf("s%d", k), BindingID: binding, Patient: beneficiary, Institution: planInstitution,
				Owed: domain.MustAmount("10.00"), Position: 1, At: at, Year: today.Year,
			})
			return err
		}},
		{"refund", func() error {
			_, err := s.RefundSharedAccount(ctx, fmt.Sprintf("s%d", k), binding, at)
			return err
		}},
		{"statement first page", func() error {
			_, _, err := s.Statement(ctx, holder, 0, 20)
			return err
		}},
		{"statement deep page", func() error {
			_, _, err := s.Statement(ctx, holder, middle, 20)
			return err
		}},
		{"binding", func() error {
			_, err := s.Binding(ctx, binding, today.Year)
			return err
		}},
		{"binding lists", func() error {
			if _, err := s.ListBindings(ctx, db.BindingFilter{Holder: holder, Today: today, Limit: 20, Year: today.Year}); err != nil {
				return err
			}
			after := &db.Cursor{At: at, ID: binding}
			if _, err := s.ListBindings(ctx, db.BindingFilter{Beneficiary: beneficiary, Status: domain.BindingActive, Today: today, After: after, Limit: 20, Year: today.Year}); err != nil {
				return err
			}
			if _, err := s.LiveBindingsOf(ctx, holder, today.Year); err != nil {
				return err
			}
			if _, err := s.HoldsLiveBinding(ctx, holder, beneficiary, today); err != nil {
				return err
			}
			_, err := s.PayerOrder(ctx, beneficiary, today)
			return err
		}},
		{"review queue", func() error {
			if _, err := s.ReviewQueue(ctx, domain.BindingUnderReview, today, nil, 20, today.Year); err != nil {
				return err
			}
			_, err := s.ReviewQueue(ctx, domain.BindingExpired, today, &db.Cursor{At: submitted, ID: "b5000"}, 20, today.Year)
			return err
		}},
		{"settlement list", func() error {
			if _, err := s.ListSettlements(ctx, db.SettlementFilter{Institution: planInstitution, Limit: 20}); err != nil {
				return err
			}
			_, err := s.ListSettlements(ctx, db.SettlementFilter{Institution: planInstitution, After: &db.Cursor{At: at, ID: "s5000"}, Limit: 20})
			return err
		}},
		{"expiry", func() error {
			return s.TransitionBinding(ctx, db.Transition{
				BindingID: binding, From: domain.LiveBindingStatuses, To: domain.BindingExpired, Event: "expired",
				By: "system", Reason: "validity ended", At: at, EventKey: binding + ":9:expired",
			})
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			rec.take()
			if err := p.run(); err != nil {
				t.Fatal(err)
			}
			queries := rec.take()
			if len(queries) == 0 {
				t.Fatal("no statement recorded")
			}
			for _, q := range queries {
				plan := explain(t, admin, q)
				t.Logf("%s\n    %s", shortSQL(q.SQL), strings.Join(plan.summary(), "; "))
				if scans := plan.seqScans(); len(scans) > 0 {
					t.Errorf("sequential scan of %v in\n%s", scans, q.SQL)
				}
			}
		})
	}
}

// planNode is the part of an EXPLAIN (FORMAT JSON) node the test reads.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func explain(t *testing.T, conn *sqlx.DB, q recordedQuery) planNode {
	t.Helper()
	var out string
	if err := conn.GetContext(context.Background(), &out, "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...); err != nil {
		t.Fatalf("explain %s: %v", q.SQL, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) != 1 {
		t.Fatalf("explain output %s: %v", out, err)
	}
	return plans[0].Plan
}

// walk visits the node and everything below it (subplans included).
func (n planNode) walk(visit func(planNode)) {
	visit(n)
	for _, c := range n.Plans {
		c.walk(visit)
	}
}

// seqScans lists the big tables the plan reads whole.
func (n planNode) seqScans() []string {
	var out []string
	n.walk(func(p planNode) {
		if p.NodeType == "Seq Scan" && contains(bigTables, p.Relation) {
			out = append(out, p.Relation)
		}
	})
	return out
}

// summary names each node that reads a table, and how.
func (n planNode) summary() []string {
	var out []string
	n.walk(func(p planNode) {
		switch {
		case p.Index != "":
			out = append(out, fmt.Sprintf("%s using %s", p.NodeType, p.Index))
		case p.Relation != "":
			out = append(out, fmt.Sprintf("%s on %s", p.NodeType, p.Relation))
		}
	})
	if len(out) == 0 {
		out = append(out, n.NodeType)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var spaces = regexp.MustCompile(`\s+`)

func shortSQL(q string) string {
	q = strings.TrimSpace(spaces.ReplaceAllString(q, " "))
	if len(q) > 110 {
		q = q[:110] + "…"
	}
	return q
}

const planInstitution = "H65270100001"

func planPerson(i int) domain.IDNumber { return domain.IDNumber(fmt.Sprintf("%018d", i)) }

// loadPlanFixture fills the big tables in bulk and refreshes the planner's
// statistics. Binding i joins holder 2i-1 and beneficiary 2i; every tenth
// is under review and every tenth (plus one) expired, the rest active.
func loadPlanFixture(t *testing.T, conn *sqlx.DB) {
	t.Helper()
	steps := []string{
		`INSERT INTO persons (id_number, name) SELECT lpad(i::text, 18, '0'), 'p' || i FROM generate_series(1, 2 * :bindings) i`,
		`INSERT INTO enrolments (id_number, insutype, admdvs, status)
			SELECT id_number, CASE WHEN right(id_number, 1)::int % 2 = 1 THEN '310' ELSE '390' END, '652701', 'normal' FROM persons`,
		`INSERT INTO accounts (id_number, opening_balance, balance, status)
			SELECT id_number, 1000.00, 1000.00, 'normal' FROM persons WHERE right(id_number, 1)::int % 2 = 1`,
		`INSERT INTO filings (id_number, filing_no, admdvs_to, valid_from, valid_until)
			SELECT lpad((2 * i)::text, 18, '0'), 'f' || i, '110105', '2026-01-01', '2026-12-31' FROM generate_series(1, :bindings, 7) i`,
		`INSERT INTO institutions (code, name, kind, admdvs, designated) VALUES ('` + planInstitution + `', 'h', 'hospital', '652701', true)`,
		`INSERT INTO bindings (id, holder_id_number, beneficiary_id_number, relation, status, annual_limit, valid_from, valid_until,
				requested_at, submitted_at, ended_at)
			SELECT 'b' || i, lpad((2 * i - 1)::text, 18, '0'), lpad((2 * i)::text, 18, '0'), 'child',
				CASE i % 10 WHEN 0 THEN 'under_review' WHEN 1 THEN 'expired' ELSE 'active' END, 3000.00,
				CASE WHEN i % 10 <> 0 THEN date '2025-06-01' END, date '2030-12-31',
				timestamptz '2025-05-01' + i * interval '1 minute', timestamptz '2025-05-02' + i * interval '1 minute',
				CASE WHEN i % 10 = 1 THEN timestamptz '2026-01-01' END
			FROM generate_series(1, :bindings) i`,
		`INSERT INTO binding_history (binding_id, at, event, by_actor, event_key)
			SELECT b.id, b.requested_at, e, 'system', b.id || ':' || e FROM bindings b, unnest(ARRAY['requested', 'submitted', 'approved']) e`,
		`INSERT INTO binding_usage (binding_id, year, used) SELECT id, 2026, 100.00 FROM bindings`,
		`INSERT INTO beneficiary_priorities (binding_id, beneficiary_id_number, position)
			SELECT id, beneficiary_id_number, 1 FROM bindings WHERE status = 'active' AND right(id, 1)::int % 2 = 0`,
		`INSERT INTO documents (id, binding_id, kind, media_type, size, sha256, content, uploaded_by)
			SELECT 'd' || id, id, 'birth_certificate', 'application/pdf', 3, repeat('0', 64), '\x255044', 'x' FROM bindings`,
		`INSERT INTO ledger_entries (account_id_number, amount, kind, business_key, created_at)
			SELECT a.id_number, 1.00, 'contribution', a.id_number || ':' || n, timestamptz '2025-01-01' + n * interval '1 day'
			FROM accounts a, generate_series(1, :entries) n`,
		`INSERT INTO notifications (recipient_id_number, kind, title, body, dedup_key)
			SELECT holder_id_number, 'binding_approved', 't', 'b', id || ':approved' FROM bindings`,
		`INSERT INTO settlements (id, institution_code, visit_no, patient_id_number, cert_type, medical_type, service_date,
				insutype, items, use_family_account, topup_method, request_hash, status, total)
			SELECT 's' || substr(id, 2), '` + planInstitution + `', 'v' || id, beneficiary_id_number, 'e_voucher', 'outpatient',
				'2026-03-15', '390', '[]', true, 'cash', '', 'processing', 100.00 FROM bindings WHERE status = 'active'`,
		`INSERT INTO settlement_steps (settlement_id, step_key, step, outcome, at)
			SELECT id, id || ':fund', 'fund', 'settled', created_at FROM settlements`,
		`INSERT INTO settlement_payers (settlement_id, binding_id, holder_id_number, amount, position)
			SELECT s.id, b.id, b.holder_id_number, 10.00, 1 FROM settlements s JOIN bindings b ON b.id = 'b' || substr(s.id, 2)
			WHERE s.id <> 's:binding'`,
		`ANALYZE`,
	}
	sizes := strings.NewReplacer(":bindings", fmt.Sprint(planBindings), ":entries", fmt.Sprint(planEntriesPerAcc),
		":binding", fmt.Sprint(planBinding))
	for _, q := range steps {
		q = sizes.Replace(q)
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", shortSQL(q), err)
		}
	}
}
