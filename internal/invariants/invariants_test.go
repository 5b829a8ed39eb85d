package invariants_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/invariants"
	"gongji/internal/testclock"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

// broken names the invariants of the report that have violations.
func broken(r invariants.Report) []string {
	var out []string
	for _, res := range r.Results {
		if len(res.Violations) > 0 {
			out = append(out, res.Name)
		}
	}
	return out
}

func check(t *testing.T, store *db.Store, opts invariants.Options) invariants.Report {
	t.Helper()
	r, err := invariants.Check(context.Background(), store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The checker holds on a consistent database, names exactly the invariant
// a hand-made fault breaks, and counts the rows it looked at. The tests
// share one database and run in order.
func TestCheck_FindsEachFaultAndOnlyIt(t *testing.T) {
	ctx := context.Background()
	store := db.NewStore(dbtest.Open(t, testURL))
	today := domain.DateOf(testclock.Now())
	holder := domain.ComposeIDNumber("652701", domain.NewDate(1985, 3, 12), 11)
	if _, err := store.UpsertPerson(ctx, domain.Person{IDNumber: holder, Name: "张伟"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutEnrolment(ctx, domain.Enrolment{IDNumber: holder, Insutype: domain.InsutypeEmployee, Admdvs: "652701",
		Status: domain.EnrolmentNormal}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutAccount(ctx, holder, domain.MustAmount("100.00"), domain.AccountNormal); err != nil {
		t.Fatal(err)
	}
	post := func(key string, amount string) {
		t.Helper()
		if _, err := store.Post(ctx, db.Posting{Account: holder, Amount: domain.MustAmount(amount), Kind: domain.EntrySettlementDebit,
			BusinessKey: key, SettlementID: "s1", BindingID: "b1"}); err != nil {
			t.Fatal(err)
		}
	}
	post("settlement:s1:debit:b1", "-10.00")

	r := check(t, store, invariants.Options{})
	if !r.OK() {
		t.Fatalf("a consistent database breaks %v", broken(r))
	}
	byName := func(name string) invariants.Result {
		i := slices.IndexFunc(r.Results, func(res invariants.Result) bool { return res.Name == name })
		if i < 0 {
			t.Fatalf("no invariant %q", name)
		}
		return r.Results[i]
	}
	if got := byName("balance = opening balance + ledger entries").Checked; got != 1 {
		t.Errorf("accounts checked: %d, want 1", got)
	}

	t.Run("a second debit of one binding for one settlement", func(t *testing.T) {
		post("settlement:s1:debit:b1:again", "-10.00")
		want := []string{"at most one debit and one matching refund per (settlement, binding)"}
		if got := broken(check(t, store, invariants.Options{})); !slices.Equal(got, want) {
			t.Fatalf("broken %v, want %v", got, want)
		}
	})
	t.Run("a balance that is not opening + entries", func(t *testing.T) {
		if _, err := store.DB().ExecContext(ctx, `UPDATE accounts SET balance = balance + 1 WHERE id_number = $1`, holder); err != nil {
			t.Fatal(err)
		}
		got := broken(check(t, store, invariants.Options{}))
		if !slices.Contains(got, "balance = opening balance + ledger entries") {
			t.Fatalf("broken %v, want the ledger balance among them", got)
		}
	})
	t.Run("a settlement still processing, only when settled is asked for", func(t *testing.T) {
		inst := domain.Institution{Code: "H65270100001", Name: "博乐市人民医院", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true}
		if _, err := store.PutInstitution(ctx, inst); err != nil {
			t.Fatal(err)
		}
		if _, _, err := store.CreateSettlement(ctx, db.Settlement{ID: "s2", Institution: string(inst.Code), VisitNo: "V1",
			Patient: string(holder), CertType: "id_card", MedicalType: "outpatient", ServiceDate: today, Insutype: "310",
			ItemsJSON: []byte(`[]`), TopupMethod: "cash", RequestHash: "h", Total: domain.MustAmount("1.00")}); err != nil {
			t.Fatal(err)
		}
		if got := broken(check(t, store, invariants.Options{})); slices.Contains(got, "every settlement ended") {
			t.Fatalf("without Settled: broken %v", got)
		}
		if got := broken(check(t, store, invariants.Options{Settled: true})); !slices.Contains(got, "every settlement ended") {
			t.Fatalf("with Settled: broken %v, want every settlement ended among them", got)
		}
	})
}

// A limit lowered below a past year's usage (allowed: a change is held to
// the usage of its own year) breaks nothing; usage above the limit in the
// year of the change or later does.
func TestCheck_UsageBeforeTheLastTermsChange_IsNotHeldToTheNewLimit(t *testing.T) {
	ctx := context.Background()
	store := db.NewStore(dbtest.Open(t, testURL))
	holder := domain.ComposeIDNumber("652701", domain.NewDate(1980, 1, 2), 23)
	child := domain.ComposeIDNumber("652722", domain.NewDate(2016, 5, 1), 33)
	for _, p := range []domain.IDNumber{holder, child} {
		if _, err := store.UpsertPerson(ctx, domain.Person{IDNumber: p, Name: "测试"}); err != nil {
			t.Fatal(err)
		}
	}
	changedAt := testclock.Now()
	year := domain.DateOf(changedAt).Year
	id := "usage-years-binding"
	limit := domain.MustAmount("1000.00")
	if err := store.CreateBinding(ctx, db.NewBinding{ID: id, Holder: holder, Beneficiary: child, Relation: domain.RelationChild,
		Terms: domain.Terms{AnnualLimit: &limit}, At: changedAt.AddDate(-2, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DB().ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, $2, 900.00), ($1, $3, 100.00)`, id, year-1, year); err != nil {
		t.Fatal(err)
	}
	lower := domain.MustAmount("500.00")
	if err := store.ChangeTerms(ctx, db.TermsChange{BindingID: id, Terms: domain.Terms{AnnualLimit: &lower}, By: "insured:" + string(holder),
		At: changedAt, EventKey: id + ":1:terms_changed"}); err != nil {
		t.Fatal(err)
	}
	violations := func() []string {
		t.Helper()
		var out []string
		for _, res := range check(t, store, invariants.Options{}).Results {
			if res.Name != "yearly usage within the binding's limit" {
				continue
			}
			for _, v := range res.Violations {
				if strings.HasPrefix(v, id+" ") {
					out = append(out, v)
				}
			}
		}
		return out
	}
	if got := violations(); len(got) != 0 {
		t.Fatalf("a limit lowered below last year's usage only: violations %q", got)
	}
	if _, err := store.DB().ExecContext(ctx, `UPDATE binding_usage SET used = 500.01 WHERE binding_id = $1 AND year = $2`, id, year); err != nil {
		t.Fatal(err)
	}
	if got := violations(); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("%s %d:", id, year)) {
		t.Fatalf("usage above the limit in the year of the change: violations %q, want the %d one", got, year)
	}
}
