package db_test

import (
	"context"
	"testing"

	"gongji/domain"
)

func TestPutAccount_OpensOnceThenOnlyChangesStatus(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := employeeWithAccount(t, s, "300.00")

	frozen, err := s.PutAccount(ctx, id, domain.MustAmount("300.00"), domain.AccountFrozen)
	if err != nil {
		t.Fatal(err)
	}
	if frozen.Status != domain.AccountFrozen || frozen.Balance.String() != "300.00" {
		t.Fatalf("got %+v, want frozen with 300.00", frozen)
	}

	_, err = s.PutAccount(ctx, id, domain.MustAmount("999.00"), domain.AccountNormal)
	assertCode(t, err, domain.CodeAccountBalanceConflict)
	got, _ := s.Account(ctx, id)
	if got.Status != domain.AccountFrozen || got.Balance.String() != "300.00" || got.OpeningBalance.String() != "300.00" {
		t.Fatalf("a refused PUT changed the account: %+v", got)
	}
}

func TestPutAccount_ResidentInsured_HasNoPersonalAccount(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "居民"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutEnrolment(ctx, domain.Enrolment{IDNumber: id, Insutype: domain.InsutypeResident, Admdvs: "652701", Status: domain.EnrolmentNormal}); err != nil {
		t.Fatal(err)
	}
	_, err := s.PutAccount(ctx, id, domain.MustAmount("10.00"), domain.AccountNormal)
	assertCode(t, err, domain.CodeNoPersonalAccount)
	_, err = s.Account(ctx, id)
	assertCode(t, err, domain.CodeAccountNotFound)
}

func TestPutAccount_UnknownPerson_IsPersonNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.PutAccount(context.Background(), uniqueID(), domain.MustAmount("10.00"), domain.AccountNormal)
	assertCode(t, err, domain.CodePersonNotFound)
}
