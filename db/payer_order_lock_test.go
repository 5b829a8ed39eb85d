package db_test

import (
	"context"
	"sync"
	"testing"

	"gongji/db"
)

// A debit for a child and a change of the child's payer order, run at the
// same time again and again, both succeed: the debit locks the binding and
// then the child's person row, and the order change must not take them the
// other way round (PostgreSQL would end one with a deadlock).
func TestSetPayerOrder_ConcurrentWithDebits_NeitherDeadlocks(t *testing.T) {
	s := newStore(t)
	f := newFamily(t, s, "5000.00", nil)
	ctx := context.Background()
	for i := range 30 {
		st := settlementRow(t, s, f.inst, f.child, serviceDate, "10.00")
		var wg sync.WaitGroup
		var debitErr, orderErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, debitErr = s.DebitSharedAccount(ctx, f.debit(st, "1.00"))
		}()
		go func() {
			defer wg.Done()
			_, orderErr = s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: f.child, BindingIDs: []string{f.binding},
				By: "insured:" + string(f.child), At: st0})
		}()
		wg.Wait()
		if debitErr != nil || orderErr != nil {
			t.Fatalf("round %d: debit: %v; payer order: %v", i, debitErr, orderErr)
		}
	}
	assertAmount(t, "holder balance", balanceOf(t, s, f.holder), "4970.00")
}
