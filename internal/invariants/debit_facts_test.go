package invariants_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/invariants"
)

// The check "no debit dated on or after the holder's death or loss of
// cover" flags a debit posted (bypassing the debit's own rule) after the
// death or the enrolment change was recorded, and not one made before it
// was known. It runs on a database of its own.
func TestCheck_DebitAfterDeathOrLossOfCover(t *testing.T) {
	ctx := context.Background()
	dbURL, drop, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	store := db.NewStore(dbtest.Open(t, dbURL))
	const name = "no debit dated on or after the holder's death or loss of cover"
	day := domain.DateOf(time.Now().In(domain.Beijing))
	inst := domain.Institution{Code: "H65270100001", Name: "博乐市人民医院", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true}
	if _, err := store.PutInstitution(ctx, inst); err != nil {
		t.Fatal(err)
	}
	seq := 0
	holder := func() domain.IDNumber {
		seq++
		id := domain.ComposeIDNumber("652701", domain.NewDate(1980, 1, seq), seq)
		if _, err := store.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "张伟"}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PutEnrolment(ctx, domain.Enrolment{IDNumber: id, Insutype: domain.InsutypeEmployee, Admdvs: "652701",
			Status: domain.EnrolmentNormal}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PutAccount(ctx, id, domain.MustAmount("100.00"), domain.AccountNormal); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// debit posts a settlement debit of the holder's account for a visit
	// on the day, without the debit's checks.
	debit := func(h domain.IDNumber, on domain.Date) string {
		seq++
		id := fmt.Sprintf("s%d", seq)
		if _, _, err := store.CreateSettlement(ctx, db.Settlement{ID: id, Institution: string(inst.Code), VisitNo: id,
			Patient: string(h), CertType: "id_card", MedicalType: "outpatient", ServiceDate: on, Insutype: "310",
			ItemsJSON: []byte(`[]`), TopupMethod: "cash", RequestHash: "h", Total: domain.MustAmount("1.00")}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Post(ctx, db.Posting{Account: h, Amount: domain.MustAmount("-1.00"), Kind: domain.EntrySettlementDebit,
			BusinessKey: "settlement:" + id + ":debit", SettlementID: id}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// premium posts a premium debit of the holder's account for a payment
	// made at `at`, without the debit's checks.
	premium := func(h domain.IDNumber, at time.Time) string {
		seq++
		child := domain.ComposeIDNumber("652701", domain.NewDate(2015, 1, seq), seq)
		if _, err := store.UpsertPerson(ctx, domain.Person{IDNumber: child, Name: "小明"}); err != nil {
			t.Fatal(err)
		}
		bindingID, paymentID := fmt.Sprintf("b%d", seq), fmt.Sprintf("p%d", seq)
		if err := store.CreateBinding(ctx, db.NewBinding{ID: bindingID, Holder: h, Beneficiary: child, Relation: domain.RelationChild, At: at}); err != nil {
			t.Fatal(err)
		}
		if err := store.CreatePremiumPayment(ctx, db.PremiumPayment{ID: paymentID, Holder: h, Beneficiary: child, BindingID: bindingID,
			Year: 2026, Amount: domain.MustAmount("1.00"), UsageYear: 2026, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Post(ctx, db.Posting{Account: h, Amount: domain.MustAmount("-1.00"), Kind: domain.EntryPremiumDebit,
			BusinessKey: "premium:" + paymentID + ":debit", Reference: paymentID}); err != nil {
			t.Fatal(err)
		}
		return paymentID
	}
	violations := func() []string {
		t.Helper()
		r := check(t, store, invariants.Options{})
		if got := broken(r); len(got) > 1 || (len(got) == 1 && got[0] != name) {
			t.Fatalf("broken %v, want at most %q", got, name)
		}
		i := slices.IndexFunc(r.Results, func(res invariants.Result) bool { return res.Name == name })
		if i < 0 {
			t.Fatalf("no invariant %q", name)
		}
		return r.Results[i].Violations
	}
	flagged := func(vs []string, id string) bool {
		return slices.ContainsFunc(vs, func(v string) bool {
			return strings.HasPrefix(v, "settlement_debit "+id+" ") || strings.HasPrefix(v, "premium_debit "+id+" ")
		})
	}

	// Debits made before the death and the move were recorded: not flagged.
	died, moved := holder(), holder()
	before := debit(died, day)
	beforeMove := debit(moved, day)
	if _, err := store.RecordDeath(ctx, died, day); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutEnrolment(ctx, domain.Enrolment{IDNumber: moved, Insutype: domain.InsutypeEmployee, Admdvs: "650102",
		Status: domain.EnrolmentNormal}); err != nil {
		t.Fatal(err)
	}
	if vs := violations(); len(vs) != 0 {
		t.Fatalf("debits made before the facts were known: %v", vs)
	}

	// Debits after: the ones for the day of death (a visit, a premium paid
	// that day) and the one after the move are flagged; those for the day
	// before the death are not.
	onDeathDay, dayBefore, afterMove := debit(died, day), debit(died, day.AddDays(-1)), debit(moved, day)
	premiumOnDeathDay, premiumDayBefore := premium(died, day.Start().Add(12*time.Hour)), premium(died, day.Start().Add(-time.Hour))
	vs := violations()
	for _, s := range []string{onDeathDay, afterMove, premiumOnDeathDay} {
		if !flagged(vs, s) {
			t.Errorf("%s not flagged: %v", s, vs)
		}
	}
	for _, s := range []string{before, beforeMove, dayBefore, premiumDayBefore} {
		if flagged(vs, s) {
			t.Errorf("%s flagged: %v", s, vs)
		}
	}
	if len(vs) != 3 {
		t.Fatalf("%d violations, want 3: %v", len(vs), vs)
	}
}
