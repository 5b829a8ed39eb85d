package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// family is a holder with an account, a child insured under resident
// insurance, an active binding between them, an institution and a
// settlement of the child's.
type family struct {
	holder, child domain.IDNumber
	binding       string
	inst          domain.InstitutionCode
	st            db.Settlement
}

var serviceDate = domain.NewDate(2026, 7, 1)

func newFamily(t *testing.T, s *db.Store, balance string, limit *domain.Amount) family {
	t.Helper()
	f := family{holder: employeeWithAccount(t, s, balance), child: resident(t, s), inst: institution(t, s)}
	f.binding = activeBinding(t, s, f.holder, f.child, domain.Terms{AnnualLimit: limit}, t0)
	f.st = settlementRow(t, s, f.inst, f.child, serviceDate, "1000.00")
	return f
}

func (f family) debit(st db.Settlement, owed string) db.Debit {
	return db.Debit{
		SettlementID: st.ID, BindingID: f.binding, Patient: f.child, Institution: f.inst,
		Owed: domain.MustAmount(owed), Position: 0, At: st0, Year: st.ServiceDate.Year,
	}
}

func debit(t *testing.T, s *db.Store, d db.Debit, want string) {
	t.Helper()
	got, err := s.DebitSharedAccount(context.Background(), d)
	if err != nil {
		t.Fatalf("DebitSharedAccount(%s, %s): %v", d.SettlementID, d.Owed, err)
	}
	assertAmount(t, "debit of "+d.SettlementID, got, want)
}

func balanceOf(t *testing.T, s *db.Store, id domain.IDNumber) domain.Amount {
	t.Helper()
	a, err := s.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

func usedIn(t *testing.T, s *db.Store, bindingID string, year int) domain.Amount {
	t.Helper()
	return mustBinding(t, s, bindingID, year).UsedThisYear
}

func ledgerEntries(t *testing.T, s *db.Store, settlementID, bindingID, kind string) int {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM ledger_entries WHERE settlement_id = $1 AND binding_id = $2 AND kind = $3`, settlementID, bindingID, kind)
}

func TestDebitSharedAccount_TakesTheLeastOfOwedBalanceAndLimitLeft(t *testing.T) {
	tests := []struct {
		name    string
		balance string
		limit   *domain.Amount
		used    string // usage of the year before the debit
		owed    string
		want    string
	}{
		{"owed is the least", "800.00", limitOf("3000.00"), "0.00", "120.50", "120.50"},
		{"balance is the least", "80.30", limitOf("3000.00"), "0.00", "120.50", "80.30"},
		{"limit left is the least", "800.00", limitOf("3000.00"), "2950.00", "120.50", "50.00"},
		{"no limit: balance bounds", "80.30", nil, "5000.00", "120.50", "80.30"},
		{"limit used up", "800.00", limitOf("3000.00"), "3000.00", "120.50", "0.00"},
		{"limit already exceeded (lowered limit)", "800.00", limitOf("100.00"), "150.00", "120.50", "0.00"},
		{"empty account", "0.00", limitOf("3000.00"), "0.00", "120.50", "0.00"},
	}
	s := newStore(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFamily(t, s, tt.balance, tt.limit)
			if tt.used != "0.00" {
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, 2026, $2)`, f.binding, tt.used); err != nil {
					t.Fatal(err)
				}
			}
			debit(t, s, f.debit(f.st, tt.owed), tt.want)

			wantBalance := domain.MustAmount(tt.balance).Sub(domain.MustAmount(tt.want))
			assertAmount(t, "holder balance", balanceOf(t, s, f.holder), wantBalance.String())
			assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), domain.MustAmount(tt.used).Add(domain.MustAmount(tt.want)).String())
			got := mustSettlement(t, s, f.st.ID)
			assertAmount(t, "family_account_pay", got.FamilyAccountPay, tt.want)
			wantEntries, wantPayers := 0, 0
			if tt.want != "0.00" {
				wantEntries, wantPayers = 1, 1
			}
			if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_debit"); n != wantEntries {
				t.Fatalf("%d debit entries, want %d", n, wantEntries)
			}
			if len(got.Payers) != wantPayers {
				t.Fatalf("%d payers, want %d", len(got.Payers), wantPayers)
			}
			if wantPayers == 1 {
				p := got.Payers[0]
				if p.BindingID != f.binding || p.Holder != string(f.holder) || p.Amount.String() != tt.want || p.Refunded {
					t.Fatalf("payer = %+v", p)
				}
			}
			assertLedgerWhole(t, s)
		})
	}
}

func TestDebitSharedAccount_IdempotentOnSettlementAndBinding(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "500.00", limitOf("3000.00"))
	debit(t, s, f.debit(f.st, "120.00"), "120.00")
	// A retry returns what the first call took, whatever it now asks.
	debit(t, s, f.debit(f.st, "120.00"), "120.00")
	debit(t, s, f.debit(f.st, "400.00"), "120.00")

	// Even after the balance moved.
	if _, err := s.Post(ctx, db.Posting{Account: f.holder, Amount: domain.MustAmount("-300.00"), Kind: domain.EntryAdjustment, BusinessKey: newKey("adj")}); err != nil {
		t.Fatal(err)
	}
	debit(t, s, f.debit(f.st, "120.00"), "120.00")

	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "80.00")
	assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), "120.00")
	if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_debit"); n != 1 {
		t.Fatalf("%d debit entries, want 1", n)
	}
	got := mustSettlement(t, s, f.st.ID)
	assertAmount(t, "family_account_pay", got.FamilyAccountPay, "120.00")
	if len(got.Payers) != 1 {
		t.Fatalf("%d payers, want 1", len(got.Payers))
	}
	if n := steps(t, s, f.st.ID, "shared_account", "debited"); n != 1 {
		t.Fatalf("%d debit steps, want 1", n)
	}
	assertLedgerWhole(t, s)
}

func TestDebitSharedAccount_TakesNothingWhenTheBindingCannotPay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, f *family) db.Debit
	}{
		{"binding under review", func(t *testing.T, f *family) db.Debit {
			f.binding = request(t, s, f.holder, resident(t, s), t0)
			f.child = mustBinding(t, s, f.binding, 2026).Beneficiary
			move(t, s, f.binding, t0, domain.BindingAwaitingDocuments, domain.BindingUnderReview)
			return f.debit(f.st, "50.00")
		}},
		{"binding unbound", func(t *testing.T, f *family) db.Debit {
			move(t, s, f.binding, t0.Add(time.Hour), domain.BindingActive, domain.BindingUnbound)
			return f.debit(f.st, "50.00")
		}},
		{"holder's account frozen", func(t *testing.T, f *family) db.Debit {
			if _, err := s.PutAccount(ctx, f.holder, domain.MustAmount("500.00"), domain.AccountFrozen); err != nil {
				t.Fatal(err)
			}
			return f.debit(f.st, "50.00")
		}},
		{"holder in arrears", func(t *testing.T, f *family) db.Debit {
			e := domain.Enrolment{IDNumber: f.holder, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentNormal, Arrears: true}
			if _, err := s.PutEnrolment(ctx, e); err != nil {
				t.Fatal(err)
			}
			return f.debit(f.st, "50.00")
		}},
		{"holder's insurance suspended", func(t *testing.T, f *family) db.Debit {
			e := domain.Enrolment{IDNumber: f.holder, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentSuspended}
			if _, err := s.PutEnrolment(ctx, e); err != nil {
				t.Fatal(err)
			}
			return f.debit(f.st, "50.00")
		}},
		{"another patient (real-name use)", func(t *testing.T, f *family) db.Debit {
			d := f.debit(f.st, "50.00")
			d.Patient = resident(t, s)
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFamily(t, s, "500.00", limitOf("3000.00"))
			d := tt.setup(t, &f)
			debit(t, s, d, "0.00")
			assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "500.00")
			assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), "0.00")
			got := mustSettlement(t, s, f.st.ID)
			if len(got.Payers) != 0 || !got.FamilyAccountPay.IsZero() {
				t.Fatalf("payers %+v, family_account_pay %s; want none", got.Payers, got.FamilyAccountPay)
			}
			if n := count(t, s, `SELECT count(*) FROM ledger_entries WHERE settlement_id = $1`, f.st.ID); n != 0 {
				t.Fatalf("%d ledger entries, want 0", n)
			}
		})
	}

	t.Run("unknown binding", func(t *testing.T) {
		f := newFamily(t, s, "500.00", nil)
		d := f.debit(f.st, "50.00")
		d.BindingID = "bnd-unknown"
		_, err := s.DebitSharedAccount(ctx, d)
		assertCode(t, err, domain.CodeBindingNotFound)
	})
	assertLedgerWhole(t, s)
}

func TestDebitSharedAccount_ConcurrentSettlementsNeverOverdrawOrPassTheLimit(t *testing.T) {
	tests := []struct {
		name, balance string
		limit         *domain.Amount
	}{
		{"balance is the bound", "100.00", limitOf("150.00")},
		{"limit is the bound", "500.00", limitOf("60.00")},
		{"no limit", "100.00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			f := newFamily(t, s, tt.balance, tt.limit)
			const n = 20
			sts := make([]db.Settlement, n)
			for i := range sts {
				sts[i] = settlementRow(t, s, f.inst, f.child, serviceDate, "7.00")
			}
			taken := make([]domain.Amount, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range sts {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					taken[i], errs[i] = s.DebitSharedAccount(context.Background(), f.debit(sts[i], "7.00"))
				}(i)
			}
			wg.Wait()
			sum := domain.Zero
			for i := range sts {
				if errs[i] != nil {
					t.Fatalf("debit #%d: %v", i, errs[i])
				}
				if taken[i].IsNegative() || taken[i].GreaterThan(domain.MustAmount("7.00").Decimal) {
					t.Fatalf("debit #%d took %s", i, taken[i])
				}
				sum = sum.Add(taken[i])
			}
			bound := domain.MustAmount(tt.balance)
			if tt.limit != nil {
				bound = bound.Min(*tt.limit)
			}
			if sum.GreaterThan(bound.Decimal) {
				t.Fatalf("the debits took %s in all, more than min(balance, limit) = %s", sum, bound)
			}
			// 20 × 7.00 = 140.00 is more than the bound: it is used up exactly.
			assertAmount(t, "taken in all", sum, bound.String())
			balance := balanceOf(t, s, f.holder)
			if balance.IsNegative() {
				t.Fatalf("balance %s is negative", balance)
			}
			assertAmount(t, "balance", balance, domain.MustAmount(tt.balance).Sub(sum).String())
			used := usedIn(t, s, f.binding, 2026)
			assertAmount(t, "used this year", used, sum.String())
			if tt.limit != nil && used.GreaterThan(tt.limit.Decimal) {
				t.Fatalf("usage %s exceeds the limit %s", used, tt.limit)
			}
			assertLedgerWhole(t, s)
		})
	}
}

func TestRefundSharedAccount_RestoresBalanceAndUsageOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "500.00", limitOf("3000.00"))
	debit(t, s, f.debit(f.st, "120.00"), "120.00")

	for i := 0; i < 3; i++ {
		got, err := s.RefundSharedAccount(ctx, f.st.ID, f.binding, st0.Add(time.Hour))
		if err != nil {
			t.Fatalf("RefundSharedAccount #%d: %v", i+1, err)
		}
		assertAmount(t, fmt.Sprintf("refund #%d", i+1), got, "120.00")
	}
	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "500.00")
	assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), "0.00")
	if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_refund"); n != 1 {
		t.Fatalf("%d refund entries, want 1", n)
	}
	if n := steps(t, s, f.st.ID, "shared_account", "refunded"); n != 1 {
		t.Fatalf("%d refund steps, want 1", n)
	}
	got := mustSettlement(t, s, f.st.ID)
	if len(got.Payers) != 1 || !got.Payers[0].Refunded {
		t.Fatalf("payers = %+v, want one refunded", got.Payers)
	}
	assertLedgerWhole(t, s)
}

func TestRefundSharedAccount_RefundsToAFrozenAccountAndAnEndedBinding(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "500.00", nil)
	debit(t, s, f.debit(f.st, "70.00"), "70.00")
	move(t, s, f.binding, t0.Add(time.Hour), domain.BindingActive, domain.BindingUnbound)
	if _, err := s.PutAccount(ctx, f.holder, domain.MustAmount("430.00"), domain.AccountFrozen); err != nil {
		t.Fatal(err)
	}
	got, err := s.RefundSharedAccount(ctx, f.st.ID, f.binding, st0)
	if err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "refund", got, "70.00")
	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "500.00")
	assertLedgerWhole(t, s)
}

func TestRefundSharedAccount_NothingTakenIsANoOp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "0.00", nil)
	debit(t, s, f.debit(f.st, "50.00"), "0.00") // empty account: nothing taken

	for _, bindingID := range []string{f.binding, "bnd-unknown"} {
		got, err := s.RefundSharedAccount(ctx, f.st.ID, bindingID, st0)
		if err != nil {
			t.Fatalf("RefundSharedAccount(%s): %v", bindingID, err)
		}
		assertAmount(t, "refund of nothing", got, "0.00")
	}
	other := newFamily(t, s, "100.00", nil) // never debited at all
	got, err := s.RefundSharedAccount(ctx, other.st.ID, other.binding, st0)
	if err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "refund of nothing", got, "0.00")
	assertAmount(t, "balance", balanceOf(t, s, other.holder), "100.00")
	if n := count(t, s, `SELECT count(*) FROM ledger_entries WHERE settlement_id IN ($1, $2)`, f.st.ID, other.st.ID); n != 0 {
		t.Fatalf("%d ledger entries, want 0", n)
	}
	if n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id IN ($1, $2)`, f.st.ID, other.st.ID); n != 0 {
		t.Fatalf("%d steps, want 0", n)
	}
}

func TestActiveBindingsFor_ValidityOnTheServiceDate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	approved := time.Date(2026, 3, 10, 9, 0, 0, 0, domain.Beijing) // valid_from 2026-03-10
	longTerm := activeBinding(t, s, employeeWithAccount(t, s, "100.00"), child, domain.Terms{}, approved)
	untilJune := activeBinding(t, s, employeeWithAccount(t, s, "100.00"), child, domain.Terms{ValidUntil: domain.NewDate(2026, 6, 30)}, approved.Add(time.Hour))
	later := activeBinding(t, s, employeeWithAccount(t, s, "100.00"), child, domain.Terms{}, time.Date(2026, 5, 1, 9, 0, 0, 0, domain.Beijing))
	// Not active: never listed.
	pending := request(t, s, employeeWithAccount(t, s, "100.00"), child, approved)
	move(t, s, pending, approved, domain.BindingAwaitingDocuments, domain.BindingUnderReview)
	ended := activeBinding(t, s, employeeWithAccount(t, s, "100.00"), child, domain.Terms{}, approved)
	move(t, s, ended, approved.Add(time.Hour), domain.BindingActive, domain.BindingUnbound)
	// Another beneficiary's binding.
	activeBinding(t, s, employeeWithAccount(t, s, "100.00"), resident(t, s), domain.Terms{}, approved)

	tests := []struct {
		on   domain.Date
		want []string
	}{
		{domain.NewDate(2026, 3, 9), nil},
		{domain.NewDate(2026, 3, 10), []string{longTerm, untilJune}},
		{domain.NewDate(2026, 4, 30), []string{longTerm, untilJune}},
		{domain.NewDate(2026, 5, 1), []string{longTerm, untilJune, later}},
		{domain.NewDate(2026, 6, 30), []string{longTerm, untilJune, later}},
		{domain.NewDate(2026, 7, 1), []string{longTerm, later}},
	}
	for _, tt := range tests {
		t.Run(tt.on.String(), func(t *testing.T) {
			got, err := s.ActiveBindingsFor(ctx, child, tt.on)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.BindingID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("ActiveBindingsFor(%s) = %v, want %v", tt.on, ids, tt.want)
			}
		})
	}
}

func TestActiveBindingsFor_PriorityOrderThenOldestFirst(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, activeBinding(t, s, employeeWithAccount(t, s, "100.00"), child, domain.Terms{}, t0.Add(time.Duration(i)*time.Hour)))
	}
	order := func() []string {
		t.Helper()
		got, err := s.ActiveBindingsFor(ctx, child, serviceDate)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range got {
			out = append(out, c.BindingID)
		}
		return out
	}
	if got, want := order(), ids; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("without priorities: %v, want oldest first %v", got, want)
	}
	// The beneficiary names the newest first, then the second oldest; the
	// others follow, oldest first.
	for pos, id := range []string{ids[3], ids[1]} {
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO beneficiary_priorities (binding_id, beneficiary_id_number, position) VALUES ($1, $2, $3)`,
			id, child, pos); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := order(), []string{ids[3], ids[1], ids[0], ids[2]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("with priorities: %v, want %v", got, want)
	}
}

func TestActiveBindingsFor_ReportsWhyAHolderCannotPay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	at := t0
	add := func(setup func(holder domain.IDNumber)) string {
		t.Helper()
		holder := employeeWithAccount(t, s, "100.00")
		setup(holder)
		at = at.Add(time.Hour)
		return activeBinding(t, s, holder, child, domain.Terms{}, at)
	}
	enrol := func(holder domain.IDNumber, status domain.EnrolmentStatus, arrears bool) {
		t.Helper()
		e := domain.Enrolment{IDNumber: holder, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: status, Arrears: arrears}
		if _, err := s.PutEnrolment(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]domain.Code{}
	want[add(func(domain.IDNumber) {})] = ""
	want[add(func(h domain.IDNumber) {
		if _, err := s.PutAccount(ctx, h, domain.MustAmount("100.00"), domain.AccountFrozen); err != nil {
			t.Fatal(err)
		}
	})] = domain.CodeHolderAccountFrozen
	want[add(func(h domain.IDNumber) { enrol(h, domain.EnrolmentNormal, true) })] = domain.CodeHolderInArrears
	want[add(func(h domain.IDNumber) { enrol(h, domain.EnrolmentSuspended, false) })] = domain.CodeHolderInsuranceNotNormal
	want[add(func(h domain.IDNumber) { enrol(h, domain.EnrolmentTerminated, false) })] = domain.CodeHolderInsuranceNotNormal
	want[add(func(h domain.IDNumber) {
		if _, err := s.RecordDeath(ctx, h, serviceDate); err != nil {
			t.Fatal(err)
		}
	})] = domain.CodeHolderDeceased
	want[add(func(h domain.IDNumber) {
		e := domain.Enrolment{IDNumber: h, Insutype: domain.InsutypeEmployee, Admdvs: "650102", Status: domain.EnrolmentNormal}
		if _, err := s.PutEnrolment(ctx, e); err != nil {
			t.Fatal(err)
		}
	})] = domain.CodeHolderNotInPrefecture

	got, err := s.ActiveBindingsFor(ctx, child, serviceDate)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d candidates, want %d", len(got), len(want))
	}
	for _, c := range got {
		if reason := c.SkipReason(); reason != want[c.BindingID] {
			t.Errorf("binding %s: SkipReason = %q, want %q (%+v)", c.BindingID, reason, want[c.BindingID], c)
		}
	}
}
