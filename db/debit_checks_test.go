package db_test

import (
	"context"
	"testing"

	"gongji/db"
	"gongji/domain"
)

// A fact a debit re-checks in its own transaction, broken after the
// binding became active and before the money moves: the binding row
// stays active, as it does until the binding workflow acts (or for good,
// when the workflow is gone).
type brokenFact struct {
	name   string
	breaks func(t *testing.T, s *db.Store, holder, child domain.IDNumber, binding string, on domain.Date)
	want   domain.Code
}

func putEnrolment(t *testing.T, s *db.Store, e domain.Enrolment) {
	t.Helper()
	if _, err := s.PutEnrolment(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func recordDeath(t *testing.T, s *db.Store, id domain.IDNumber, on domain.Date) {
	t.Helper()
	if _, err := s.RecordDeath(context.Background(), id, on); err != nil {
		t.Fatal(err)
	}
}

func exec(t *testing.T, s *db.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.DB().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}

func brokenFacts() []brokenFact {
	employee := func(id domain.IDNumber, admdvs domain.Admdvs, status domain.EnrolmentStatus, arrears bool) domain.Enrolment {
		return domain.Enrolment{IDNumber: id, Insutype: domain.InsutypeEmployee, Admdvs: admdvs, Status: status, Arrears: arrears}
	}
	return []brokenFact{
		{"holder died on the day", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, on domain.Date) {
			recordDeath(t, s, h, on)
		}, domain.CodeHolderDeceased},
		{"holder died the day before", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, on domain.Date) {
			recordDeath(t, s, h, on.AddDays(-1))
		}, domain.CodeHolderDeceased},
		{"holder moved out of Bortala", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, employee(h, "650102", domain.EnrolmentNormal, false))
		}, domain.CodeHolderNotInPrefecture},
		{"holder no longer employee-insured", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, domain.Enrolment{IDNumber: h, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal})
		}, domain.CodeHolderNotEmployeeInsured},
		{"holder's insurance terminated", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, employee(h, "652701", domain.EnrolmentTerminated, false))
		}, domain.CodeHolderInsuranceNotNormal},
		{"holder in arrears", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, employee(h, "652701", domain.EnrolmentNormal, true))
		}, domain.CodeHolderInArrears},
		{"holder's account frozen", func(t *testing.T, s *db.Store, h, _ domain.IDNumber, _ string, _ domain.Date) {
			exec(t, s, `UPDATE accounts SET status = 'frozen' WHERE id_number = $1`, h)
		}, domain.CodeHolderAccountFrozen},
		{"beneficiary died on the day", func(t *testing.T, s *db.Store, _, c domain.IDNumber, _ string, on domain.Date) {
			recordDeath(t, s, c, on)
		}, domain.CodeBeneficiaryDeceased},
		{"beneficiary insured outside Xinjiang", func(t *testing.T, s *db.Store, _, c domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, domain.Enrolment{IDNumber: c, Insutype: domain.InsutypeResident, Admdvs: "110101", Status: domain.EnrolmentNormal})
		}, domain.CodeBeneficiaryNotInProvince},
		{"beneficiary suspended", func(t *testing.T, s *db.Store, _, c domain.IDNumber, _ string, _ domain.Date) {
			putEnrolment(t, s, domain.Enrolment{IDNumber: c, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentSuspended})
		}, domain.CodeBeneficiaryInsuranceAbnormal},
		{"binding terminated", func(t *testing.T, s *db.Store, _, _ domain.IDNumber, b string, _ domain.Date) {
			exec(t, s, `UPDATE bindings SET status = 'terminated', ended_at = now() WHERE id = $1`, b)
		}, domain.CodeNoActiveBinding},
		{"binding valid until the day before", func(t *testing.T, s *db.Store, _, _ domain.IDNumber, b string, on domain.Date) {
			exec(t, s, `UPDATE bindings SET valid_until = $2 WHERE id = $1`, b, on.AddDays(-1))
		}, domain.CodeNoActiveBinding},
		{"binding valid from the day after", func(t *testing.T, s *db.Store, _, _ domain.IDNumber, b string, on domain.Date) {
			exec(t, s, `UPDATE bindings SET valid_from = $2 WHERE id = $1`, b, on.AddDays(1))
		}, domain.CodeNoActiveBinding},
	}
}

// Each fact is checked in the settlement debit's transaction, whatever
// FindPayers saw: the debit takes nothing, records the payer as skipped
// with the rule's code, and leaves balance, usage and settlement alone.
func TestDebitSharedAccount_RefusesWhenAFactNoLongerHolds(t *testing.T) {
	s := newStore(t)
	for _, c := range brokenFacts() {
		t.Run(c.name, func(t *testing.T) {
			f := newFamily(t, s, "800.00", nil)
			c.breaks(t, s, f.holder, f.child, f.binding, serviceDate)

			debit(t, s, f.debit(f.st, "120.00"), "0.00")

			assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "800.00")
			assertAmount(t, "used this year", usedIn(t, s, f.binding, serviceDate.Year), "0.00")
			st := mustSettlement(t, s, f.st.ID)
			assertAmount(t, "family_account_pay", st.FamilyAccountPay, "0.00")
			if len(st.Payers) != 0 {
				t.Fatalf("payers %+v", st.Payers)
			}
			if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_debit"); n != 0 {
				t.Fatalf("%d debit entries", n)
			}
			n := count(t, s, `SELECT count(*) FROM settlement_steps WHERE settlement_id = $1 AND step = 'shared_account'
				AND outcome = 'skipped' AND detail = $2`, f.st.ID, "binding "+f.binding+": "+string(c.want))
			if n != 1 {
				t.Fatalf("%d skipped steps with %s", n, c.want)
			}
		})
	}
}

// A death recorded for a day after the service date does not stop the
// account paying for that visit.
func TestDebitSharedAccount_HolderWhoDiedAfterTheVisitStillPays(t *testing.T) {
	s := newStore(t)
	f := newFamily(t, s, "800.00", nil)
	recordDeath(t, s, f.holder, serviceDate.AddDays(1))
	debit(t, s, f.debit(f.st, "120.00"), "120.00")
	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "680.00")
}

// The premium debit re-checks the same facts on the payment's date and
// refuses with the rule's code, taking nothing.
func TestDebitPremium_RefusesWhenAFactNoLongerHolds(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, c := range brokenFacts() {
		t.Run(c.name, func(t *testing.T) {
			f := newPremiumFamily(t, s, "800.00", nil)
			p := createPayment(t, s, f, 2026)
			c.breaks(t, s, f.holder, f.child, f.binding, domain.DateOf(p.CreatedAt))

			_, err := s.DebitPremium(ctx, p.ID)
			assertCode(t, err, c.want)
			assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "800.00")
			assertAmount(t, "used this year", usedIn(t, s, f.binding, p.UsageYear), "0.00")
			if n := premiumEntries(t, s, p.ID, "premium_debit"); n != 0 {
				t.Fatalf("%d premium debits", n)
			}
		})
	}
}
