package demo_test

import (
	"context"
	"os"
	"testing"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
	"gongji/internal/demo"
	"gongji/internal/testclock"
)

var testURL string

func TestMain(m *testing.M) { os.Exit(dbtest.Run(m, &testURL)) }

func party(t *testing.T, s *db.Store, id domain.IDNumber) domain.Party {
	t.Helper()
	ctx := context.Background()
	p, err := s.Person(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := domain.Party{Person: p}
	if e, ok, err := s.Enrolment(ctx, id); err != nil {
		t.Fatal(err)
	} else if ok {
		out.Enrolment = &e
	}
	if a, err := s.Account(ctx, id); err == nil {
		out.Account = &a
	}
	return out
}

func TestSeed_LoadsAFamilyThatPassesTheRulesAndCanRunAgain(t *testing.T) {
	ctx := context.Background()
	s := db.NewStore(dbtest.Open(t, testURL))
	if err := demo.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	// Spend from the holder's account, then seed again: the spending stays.
	if _, err := s.Post(ctx, db.Posting{Account: demo.Holder, Amount: domain.MustAmount("-100.00"), Kind: domain.EntryAdjustment, BusinessKey: "demo-test"}); err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, s); err != nil {
		t.Fatalf("second seed: %v", err)
	}
	acc, err := s.Account(ctx, demo.Holder)
	if err != nil || acc.Balance.String() != "4900.00" {
		t.Fatalf("holder balance after reseeding = %v (%v), want 4900.00", acc.Balance, err)
	}

	if err := domain.CheckHolder(party(t, s, demo.Holder), domain.DefaultPools); err != nil {
		t.Errorf("demo holder is not eligible: %v", err)
	}
	if got := domain.ErrorCode(domain.CheckHolder(party(t, s, demo.FrozenHolder), domain.DefaultPools)); got != domain.CodeHolderAccountFrozen {
		t.Errorf("frozen holder check = %q, want %s", got, domain.CodeHolderAccountFrozen)
	}
	for _, b := range []domain.IDNumber{demo.Spouse, demo.Child, demo.Parent} {
		if err := domain.CheckBeneficiary(demo.Holder, party(t, s, b), domain.DefaultPools); err != nil {
			t.Errorf("demo beneficiary %s is not eligible: %v", b, err)
		}
	}
	if !demo.Child.IsMinorOn(domain.DateOf(testclock.Now())) {
		t.Error("the demo child is not a minor")
	}
	resident := party(t, s, demo.Resident)
	if resident.Enrolment.Insutype != domain.InsutypeResident || resident.Enrolment.Admdvs != "652701" || resident.Account != nil {
		t.Errorf("resident = %+v, want 390 in 博乐市 without an account", resident.Enrolment)
	}
}

func TestSeed_InstitutionsCoverEachStanding(t *testing.T) {
	ctx := context.Background()
	s := db.NewStore(dbtest.Open(t, testURL))
	if err := demo.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		code       domain.InstitutionCode
		designated bool
		inProvince bool
	}{
		{demo.Hospital, true, true},
		{demo.Pharmacy, true, true},
		{demo.Clinic, false, true},
		{demo.BeijingHospital, true, false},
	}
	for _, tc := range cases {
		inst, ok, err := s.Institution(ctx, tc.code)
		if err != nil || !ok {
			t.Fatalf("institution %s: ok=%v err=%v", tc.code, ok, err)
		}
		if inst.Designated != tc.designated || domain.DefaultPools.InProvince(inst.Admdvs) != tc.inProvince {
			t.Errorf("%s = %+v, want designated=%v in Xinjiang=%v", tc.code, inst, tc.designated, tc.inProvince)
		}
		if err := inst.Validate(); err != nil {
			t.Errorf("%s is invalid: %v", tc.code, err)
		}
	}
}
