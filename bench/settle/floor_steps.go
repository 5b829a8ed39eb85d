package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"gongji/activities"
	"gongji/db"
	"gongji/domain"
	"gongji/internal/demo"
	"gongji/worker"
)

// stepsFloor is floor (a): one settlement's database work without HTTP or
// Temporal. It writes the settlement row as the API does, then calls the
// saga's activities as plain functions, in the saga's order and with its
// inputs, on the worker's own dependencies: fund share, payers, debit,
// top-up due, card charge, top-up, finish. Each commits its own
// transaction, as it does under the worker. It leaves out what only the
// API reads to check the rules (institution, person, filings) and the
// reads of the final answer.
type stepsFloor struct {
	store    *db.Store
	steps    *activities.Settlements
	families []family
	today    domain.Date
	run      string
}

var (
	floorItems   = []byte(`[{"code":"D001","name":"阿莫西林胶囊","category":"drug","amount":"150.00"},{"code":"N001","name":"口罩","category":"non_medical","amount":"5.50"}]`)
	floorMedical = domain.MustAmount("150.00")
	floorTopup   = domain.MustAmount("5.50")
	floorTotal   = domain.MustAmount("155.50")
)

func newStepsFloor(deps worker.Deps, families []family, today domain.Date, run string) *stepsFloor {
	return &stepsFloor{
		store: deps.Store, steps: &activities.Settlements{Store: deps.Store, Fund: deps.Fund, Cards: deps.Cards},
		families: families, today: today, run: run,
	}
}

// settle runs the n-th settlement's steps one after another.
func (f *stepsFloor) settle(ctx context.Context, n int64) error {
	fam := f.families[int(n%int64(len(f.families)))]
	id, now := uuid.NewString(), time.Now()
	_, created, err := f.store.CreateSettlement(ctx, db.Settlement{
		ID: id, Institution: string(demo.Hospital), VisitNo: fmt.Sprintf("F%s-%d", f.run, n), Patient: string(fam.Child),
		CertType: "e_voucher", MedicalType: string(domain.MedicalOutpatient), ServiceDate: f.today, Insutype: string(domain.InsutypeResident),
		ItemsJSON: floorItems, UseFamilyAccount: true, TopupMethod: string(domain.TopupBankCard), RequestHash: "floor", Total: floorTotal,
	})
	if err != nil || !created {
		return fmt.Errorf("settlement %s not created: %v", id, err)
	}
	fundPay, err := f.steps.SettleFund(ctx, domain.FundClaim{
		SettlementID: id, Patient: fam.Child, Insutype: domain.InsutypeResident, MedicalType: domain.MedicalOutpatient,
		ServiceDate: f.today, Medical: floorMedical, At: now,
	})
	if err != nil {
		return err
	}
	payers, err := f.steps.FindPayers(ctx, domain.PayersQuery{SettlementID: id, Patient: fam.Child, ServiceDate: f.today, At: now})
	if err != nil {
		return err
	}
	if len(payers) != 1 {
		return fmt.Errorf("%d payers for %s, want 1", len(payers), fam.Child)
	}
	owed := floorMedical.Sub(fundPay)
	taken, err := f.steps.DebitSharedAccount(ctx, domain.SharedAccountDebit{
		SettlementID: id, BindingID: payers[0].BindingID, Patient: fam.Child, Institution: demo.Hospital,
		Owed: owed, Position: 0, At: now, Year: f.today.Year,
	})
	if err != nil {
		return err
	}
	due := owed.Sub(taken).Add(floorTopup)
	if _, err := f.steps.AwaitTopup(ctx, domain.TopupDue{SettlementID: id, Amount: due}); err != nil {
		return err
	}
	key := id + ":charge:1"
	if err := f.steps.ChargeCard(ctx, domain.CardCharge{SettlementID: id, Key: key, Token: "tok_bench", Amount: due, At: now}); err != nil {
		return err
	}
	topup := domain.Topup{SettlementID: id, Method: domain.TopupBankCard, Amount: due, ChargeID: key}
	if err := f.steps.RecordTopup(ctx, domain.TopupRecord{Topup: topup, At: now}); err != nil {
		return err
	}
	return f.steps.FinishSettlement(ctx, domain.SettlementOutcome{
		ID: id, Status: domain.SettlementCompleted, FundPay: fundPay, FamilyAccountPay: taken, TopupPay: due, TopupDue: domain.Zero, At: now,
	})
}
