package db_test

import (
	"context"
	"testing"

	"gongji/domain"
)

func TestUpsertPerson_UpdatesNameAndPhone(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "甲"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "乙", Phone: "13900000000"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "乙" || got.Phone != "13900000000" {
		t.Fatalf("got %+v", got)
	}
}

func TestRecordDeath_SameDateIsIdempotent_OtherDateConflicts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "甲"}); err != nil {
		t.Fatal(err)
	}
	date := domain.NewDate(2026, 3, 1)
	if _, err := s.RecordDeath(ctx, id, date); err != nil {
		t.Fatal(err)
	}
	again, err := s.RecordDeath(ctx, id, date)
	if err != nil || again.DeathDate != date {
		t.Fatalf("repeat: %+v, %v", again, err)
	}
	_, err = s.RecordDeath(ctx, id, domain.NewDate(2026, 3, 2))
	assertCode(t, err, domain.CodePersonDeceased)
	p, _ := s.Person(ctx, id)
	if p.DeathDate != date {
		t.Fatalf("death date = %s, want %s", p.DeathDate, date)
	}
}

func TestPutEnrolment_UnknownPerson_IsPersonNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.PutEnrolment(context.Background(), domain.Enrolment{IDNumber: uniqueID(), Insutype: "310", Admdvs: "652701", Status: "normal"})
	assertCode(t, err, domain.CodePersonNotFound)
}

func TestPutFiling_ReplacesByNumber(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uniqueID()
	if _, err := s.UpsertPerson(ctx, domain.Person{IDNumber: id, Name: "甲"}); err != nil {
		t.Fatal(err)
	}
	f := domain.Filing{IDNumber: id, FilingNo: "BA-1", AdmdvsTo: "110105", ValidFrom: domain.NewDate(2026, 1, 1), ValidUntil: domain.NewDate(2026, 6, 30)}
	if _, err := s.PutFiling(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.ValidUntil = domain.NewDate(2026, 12, 31)
	if _, err := s.PutFiling(ctx, f); err != nil {
		t.Fatal(err)
	}
	filings, err := s.Filings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(filings) != 1 || filings[0].ValidUntil != f.ValidUntil {
		t.Fatalf("filings = %+v", filings)
	}
}
