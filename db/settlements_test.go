package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"gongji/db"
	"gongji/domain"
)

var settlementSeq atomic.Int64

// st0 is a Beijing morning the settlement tests happen on.
var st0 = time.Date(2026, 7, 1, 10, 0, 0, 0, domain.Beijing)

// institution creates a designated hospital in 博乐市 with a code no other
// test uses.
func institution(t *testing.T, s *db.Store) domain.InstitutionCode {
	t.Helper()
	code := domain.InstitutionCode(fmt.Sprintf("H652701%05d", settlementSeq.Add(1)))
	inst := domain.Institution{Code: code, Name: "博乐市人民医院", Kind: domain.InstitutionHospital, Admdvs: "652701", Designated: true}
	if _, err := s.PutInstitution(context.Background(), inst); err != nil {
		t.Fatalf("PutInstitution: %v", err)
	}
	return code
}

// resident creates a person insured normally under resident insurance
// (390) in 博乐市, without a personal account.
func resident(t *testing.T, s *db.Store) domain.IDNumber {
	t.Helper()
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "小明"}); err != nil {
		t.Fatal(err)
	}
	e := domain.Enrolment{IDNumber: id, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal}
	if _, err := s.PutEnrolment(ctx, e); err != nil {
		t.Fatal(err)
	}
	return id
}

// activeBinding stores a binding from holder to beneficiary requested at
// `at` and approved a minute later (valid_from is that day, Beijing time).
func activeBinding(t *testing.T, s *db.Store, holder, beneficiary domain.IDNumber, terms domain.Terms, at time.Time) string {
	t.Helper()
	id := newBindingID()
	nb := db.NewBinding{ID: id, Holder: holder, Beneficiary: beneficiary, Relation: domain.RelationChild, Terms: terms, At: at}
	if err := s.CreateBinding(context.Background(), nb); err != nil {
		t.Fatalf("CreateBinding: %v", err)
	}
	move(t, s, id, at, domain.BindingAwaitingDocuments, domain.BindingUnderReview, domain.BindingActive)
	return id
}

// settlementRow stores a processing settlement of an outpatient visit.
func settlementRow(t *testing.T, s *db.Store, inst domain.InstitutionCode, patient domain.IDNumber, on domain.Date, total string) db.Settlement {
	t.Helper()
	n := settlementSeq.Add(1)
	st, created, err := s.CreateSettlement(context.Background(), db.Settlement{
		ID: fmt.Sprintf("stl-%09d", n), Institution: string(inst), VisitNo: fmt.Sprintf("V%09d", n), Patient: string(patient),
		CertType: string(domain.CertEVoucher), MedicalType: string(domain.MedicalOutpatient), ServiceDate: on,
		Insutype: string(domain.InsutypeResident), ItemsJSON: []byte(`[{"code":"X1","name":"药","category":"drug","amount":"` + total + `"}]`),
		UseFamilyAccount: true, TopupMethod: string(domain.TopupCash), RequestHash: "hash", Total: domain.MustAmount(total),
	})
	if err != nil || !created {
		t.Fatalf("CreateSettlement: created %v, %v", created, err)
	}
	return st
}

func mustSettlement(t *testing.T, s *db.Store, id string) db.Settlement {
	t.Helper()
	st, err := s.Settlement(context.Background(), id)
	if err != nil {
		t.Fatalf("Settlement(%s): %v", id, err)
	}
	return st
}

func steps(t *testing.T, s *db.Store, settlementID, step, outcome string) int {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1 AND step = $2 AND outcome = $3`, settlementID, step, outcome)
}

func assertAmount(t *testing.T, what string, got domain.Amount, want string) {
	t.Helper()
	if got.String() != want {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func TestCreateSettlement_SameVisitTwiceReturnsTheFirst(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst := institution(t, s)
	patient := resident(t, s)
	first := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "46.50")
	if first.Status != domain.SettlementProcessing {
		t.Fatalf("status = %s, want processing", first.Status)
	}
	assertAmount(t, "total", first.Total, "46.50")
	for _, a := range []domain.Amount{first.FundPay, first.FamilyAccountPay, first.TopupPay, first.TopupDue} {
		assertAmount(t, "a paid amount of a new settlement", a, "0.00")
	}

	again := first
	again.ID = "stl-other-" + first.ID
	again.RequestHash = "another hash"
	again.Total = domain.MustAmount("99.00")
	got, created, err := s.CreateSettlement(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Fatal("the second CreateSettlement for the visit reported created")
	}
	if got.ID != first.ID || got.RequestHash != "hash" || !got.Total.Equal(first.Total.Decimal) {
		t.Fatalf("second CreateSettlement = %+v, want the first row %+v", got, first)
	}
	if n := count(t, s, `SELECT count(*) FROM settlements WHERE institution_code = $1 AND visit_no = $2`, inst, first.VisitNo); n != 1 {
		t.Fatalf("%d rows for the visit, want 1", n)
	}
	if _, err := s.Settlement(ctx, again.ID); domain.ErrorCode(err) != domain.CodeSettlementNotFound {
		t.Fatalf("Settlement(second id) = %v, want SETTLEMENT_NOT_FOUND", err)
	}

	// The same visit number at another institution is another settlement.
	other := first
	other.ID = "stl-elsewhere-" + first.ID
	other.Institution = string(institution(t, s))
	got, created, err = s.CreateSettlement(ctx, other)
	if err != nil || !created || got.ID != other.ID {
		t.Fatalf("same visit at another institution: created %v, id %s, %v", created, got.ID, err)
	}

	items, err := got.Items()
	if err != nil || len(items) != 1 || items[0].Category != domain.ItemDrug || items[0].Amount.String() != "46.50" {
		t.Fatalf("Items() = %+v, %v", items, err)
	}
}

func TestSettlement_UnknownIsNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.Settlement(context.Background(), "stl-unknown")
	assertCode(t, err, domain.CodeSettlementNotFound)
}

func TestFinishSettlement_CompletedMustAddUp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst := institution(t, s)
	patient := resident(t, s)
	st := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "100.00")

	bad := db.SettlementOutcome{ID: st.ID, Status: domain.SettlementCompleted, FundPay: domain.MustAmount("50.00"),
		FamilyAccountPay: domain.MustAmount("30.00"), TopupPay: domain.MustAmount("19.99"), TopupDue: domain.Zero, At: st0}
	err := s.FinishSettlement(ctx, bad)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || string(pqErr.Code) != "23514" {
		t.Fatalf("FinishSettlement with amounts that do not add up = %v, want a check violation (23514)", err)
	}
	got := mustSettlement(t, s, st.ID)
	if got.Status != domain.SettlementProcessing || len(got.Steps) != 0 {
		t.Fatalf("after the refused finish: status %s, %d steps; want processing and none", got.Status, len(got.Steps))
	}

	good := bad
	good.TopupPay = domain.MustAmount("20.00")
	for i := 0; i < 2; i++ {
		if err := s.FinishSettlement(ctx, good); err != nil {
			t.Fatalf("FinishSettlement #%d: %v", i+1, err)
		}
	}
	got = mustSettlement(t, s, st.ID)
	if got.Status != domain.SettlementCompleted {
		t.Fatalf("status = %s, want completed", got.Status)
	}
	assertAmount(t, "fund_pay", got.FundPay, "50.00")
	assertAmount(t, "family_account_pay", got.FamilyAccountPay, "30.00")
	assertAmount(t, "topup_pay", got.TopupPay, "20.00")
	if n := steps(t, s, st.ID, "completed", "done"); n != 1 {
		t.Fatalf("%d completed steps, want 1", n)
	}

	// A later finish (e.g. a late compensation) changes nothing.
	late := db.SettlementOutcome{ID: st.ID, Status: domain.SettlementReversed, FundPay: domain.Zero, FamilyAccountPay: domain.Zero,
		TopupPay: domain.Zero, TopupDue: domain.Zero, RefusalCode: string(domain.CodeTopupTimeout), RefusalMessage: "late", At: st0}
	if err := s.FinishSettlement(ctx, late); err != nil {
		t.Fatal(err)
	}
	got = mustSettlement(t, s, st.ID)
	if got.Status != domain.SettlementCompleted || got.RefusalCode.Valid || !got.FundPay.Equal(good.FundPay.Decimal) {
		t.Fatalf("a finish after completion changed the settlement: %+v", got)
	}
	if n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1`, st.ID); n != 1 {
		t.Fatalf("%d steps, want 1", n)
	}
}

func TestFinishSettlement_ReversedWithRefusal(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), domain.NewDate(2026, 7, 1), "100.00")
	if _, err := s.AwaitTopup(ctx, st.ID, domain.MustAmount("40.00")); err != nil {
		t.Fatal(err)
	}
	got := mustSettlement(t, s, st.ID)
	if got.Status != domain.SettlementAwaitingTopup {
		t.Fatalf("status = %s, want awaiting_topup", got.Status)
	}
	assertAmount(t, "topup_due", got.TopupDue, "40.00")

	o := db.SettlementOutcome{ID: st.ID, Status: domain.SettlementReversed, FundPay: domain.Zero, FamilyAccountPay: domain.Zero,
		TopupPay: domain.Zero, TopupDue: domain.Zero, RefusalCode: string(domain.CodeTopupTimeout), RefusalMessage: "not collected", At: st0}
	if err := s.FinishSettlement(ctx, o); err != nil {
		t.Fatal(err)
	}
	got = mustSettlement(t, s, st.ID)
	if got.Status != domain.SettlementReversed || got.RefusalCode.String != string(domain.CodeTopupTimeout) || got.RefusalMessage.String != "not collected" {
		t.Fatalf("after a reversed finish: %+v", got)
	}
	assertAmount(t, "topup_due", got.TopupDue, "0.00")

	// A finished settlement no longer waits for a top-up.
	if _, err := s.AwaitTopup(ctx, st.ID, domain.MustAmount("40.00")); err != nil {
		t.Fatal(err)
	}
	if got := mustSettlement(t, s, st.ID); got.Status != domain.SettlementReversed || !got.TopupDue.IsZero() {
		t.Fatalf("AwaitTopup moved a reversed settlement: %s, due %s", got.Status, got.TopupDue)
	}
}

func TestMarkCancelled_OnlyFromCompleted(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst := institution(t, s)
	patient := resident(t, s)
	finish := func(st db.Settlement, status domain.SettlementStatus) {
		t.Helper()
		o := db.SettlementOutcome{ID: st.ID, Status: status, FundPay: domain.Zero, FamilyAccountPay: domain.Zero, TopupPay: domain.Zero, At: st0}
		if status == domain.SettlementCompleted {
			o.TopupPay = st.Total
		}
		if err := s.FinishSettlement(ctx, o); err != nil {
			t.Fatal(err)
		}
	}

	completed := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "10.00")
	finish(completed, domain.SettlementCompleted)
	for i := 0; i < 2; i++ {
		if err := s.MarkCancelled(ctx, completed.ID, "患者退药", st0.Add(time.Hour)); err != nil {
			t.Fatalf("MarkCancelled #%d: %v", i+1, err)
		}
	}
	got := mustSettlement(t, s, completed.ID)
	if got.Status != domain.SettlementCancelled {
		t.Fatalf("status = %s, want cancelled", got.Status)
	}
	if n := steps(t, s, completed.ID, "cancelled", "done"); n != 1 {
		t.Fatalf("%d cancelled steps, want 1", n)
	}
	assertAmount(t, "topup_pay after cancellation", got.TopupPay, "10.00")

	for _, status := range []domain.SettlementStatus{domain.SettlementProcessing, domain.SettlementAwaitingTopup, domain.SettlementFailed, domain.SettlementReversed} {
		t.Run(string(status), func(t *testing.T) {
			st := settlementRow(t, s, inst, patient, domain.NewDate(2026, 7, 1), "10.00")
			switch status {
			case domain.SettlementAwaitingTopup:
				if _, err := s.AwaitTopup(ctx, st.ID, st.Total); err != nil {
					t.Fatal(err)
				}
			case domain.SettlementFailed, domain.SettlementReversed:
				finish(st, status)
			}
			if err := s.MarkCancelled(ctx, st.ID, "患者退药", st0); err != nil {
				t.Fatal(err)
			}
			got := mustSettlement(t, s, st.ID)
			if got.Status != status {
				t.Fatalf("MarkCancelled moved a %s settlement to %s", status, got.Status)
			}
			if n := steps(t, s, st.ID, "cancelled", "done"); n != 0 {
				t.Fatalf("MarkCancelled recorded a cancelled step on a %s settlement", status)
			}
		})
	}
}

func TestAddStep_OncePerKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	st := settlementRow(t, s, institution(t, s), resident(t, s), domain.NewDate(2026, 7, 1), "10.00")
	amount := domain.MustAmount("1.00")
	for i := 0; i < 3; i++ {
		if err := s.AddStep(ctx, st.ID, st.ID+":skip:b1", "shared_account", "skipped", "binding b1: HOLDER_ACCOUNT_FROZEN", nil, st0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddStep(ctx, st.ID, st.ID+":x", "topup", "declined", "bank_card", &amount, st0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	got := mustSettlement(t, s, st.ID)
	if len(got.Steps) != 2 {
		t.Fatalf("%d steps, want 2: %+v", len(got.Steps), got.Steps)
	}
	if got.Steps[0].Step != "shared_account" || got.Steps[0].Amount != nil || got.Steps[1].Amount == nil || got.Steps[1].Amount.String() != "1.00" {
		t.Fatalf("steps = %+v", got.Steps)
	}
}

func TestListSettlements_OwnInstitutionFiltersAndNewestFirst(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inst := institution(t, s)
	other := institution(t, s)
	alice := resident(t, s)
	bob := resident(t, s)
	a1 := settlementRow(t, s, inst, alice, domain.NewDate(2026, 6, 30), "1.00")
	a2 := settlementRow(t, s, inst, alice, domain.NewDate(2026, 7, 1), "2.00")
	b1 := settlementRow(t, s, inst, bob, domain.NewDate(2026, 7, 2), "3.00")
	settlementRow(t, s, other, alice, domain.NewDate(2026, 7, 1), "4.00")

	ids := func(f db.SettlementFilter) []string {
		t.Helper()
		f.Institution, f.Limit = string(inst), 100
		list, err := s.ListSettlements(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range list {
			out = append(out, st.ID)
		}
		return out
	}
	tests := []struct {
		name string
		f    db.SettlementFilter
		want []string
	}{
		{"all of the institution, newest first", db.SettlementFilter{}, []string{b1.ID, a2.ID, a1.ID}},
		{"one patient", db.SettlementFilter{Patient: alice}, []string{a2.ID, a1.ID}},
		{"from is inclusive", db.SettlementFilter{From: domain.NewDate(2026, 7, 1)}, []string{b1.ID, a2.ID}},
		{"to is inclusive", db.SettlementFilter{To: domain.NewDate(2026, 7, 1)}, []string{a2.ID, a1.ID}},
		{"one day", db.SettlementFilter{From: domain.NewDate(2026, 7, 1), To: domain.NewDate(2026, 7, 1)}, []string{a2.ID}},
		{"patient and dates", db.SettlementFilter{Patient: bob, To: domain.NewDate(2026, 7, 1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.f); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("ListSettlements = %v, want %v", got, tt.want)
			}
		})
	}

	page1, err := s.ListSettlements(ctx, db.SettlementFilter{Institution: string(inst), Limit: 2})
	if err != nil || len(page1) != 2 {
		t.Fatalf("first page: %d, %v", len(page1), err)
	}
	last := page1[1]
	page2, err := s.ListSettlements(ctx, db.SettlementFilter{Institution: string(inst), Limit: 2, After: &db.Cursor{At: last.CreatedAt, ID: last.ID}})
	if err != nil || len(page2) != 1 || page2[0].ID != a1.ID {
		t.Fatalf("second page = %+v, %v; want only %s", page2, err, a1.ID)
	}
}
