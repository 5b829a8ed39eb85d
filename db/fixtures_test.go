package db_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gongji/db"
	"gongji/db/dbtest"
	"gongji/domain"
)

var nextSeq atomic.Int64

// newStore opens the package's test database.
func newStore(t *testing.T) *db.Store {
	t.Helper()
	return db.NewStore(dbtest.Open(t, testURL))
}

// uniqueID returns an ID number no other test in the package uses.
func uniqueID() domain.IDNumber {
	n := int(nextSeq.Add(1))
	birth := domain.NewDate(1960+n/336, time.Month(1+n/28%12), 1+n%28)
	return domain.ComposeIDNumber("652701", birth, n%1000)
}

// employeeWithAccount creates a person enrolled in 310 in 博乐市 with an open
// account holding the given balance.
func employeeWithAccount(t *testing.T, s *db.Store, balance string) domain.IDNumber {
	t.Helper()
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "测试"}); err != nil {
		t.Fatal(err)
	}
	enrol := domain.Enrolment{IDNumber: id, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentNormal}
	if _, err := s.PutEnrolment(ctx, enrol); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAccount(ctx, id, domain.MustAmount(balance), domain.AccountNormal); err != nil {
		t.Fatal(err)
	}
	return id
}

// assertLedgerWhole fails the test when any account's balance differs from
// its opening balance plus the sum of its entries.
func assertLedgerWhole(t *testing.T, s *db.Store) {
	t.Helper()
	mismatches, err := s.LedgerMismatches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Fatalf("balance != opening + sum(entries) for %+v", mismatches)
	}
}

func assertCode(t *testing.T, err error, want domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}
