package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gongji/db"
	"gongji/domain"
)

func TestLedger_ConcurrentDebits_NeverOverdrawOrLoseAnUpdate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "100.00")

	// 50 debits of 3.00 against 100.00: exactly 33 fit, 17 must be refused.
	const workers = 50
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			_, errs[i] = s.Post(ctx, db.Posting{
				Account: account, Amount: domain.MustAmount("-3.00"), Kind: domain.EntrySettlementDebit,
				BusinessKey: fmt.Sprintf("%s:concurrent:%d", account, i),
			})
		})
	}
	wg.Wait()

	succeeded, refused := 0, 0
	for _, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			succeeded++
		case domain.CodeInsufficientBalance:
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if succeeded != 33 || refused != 17 {
		t.Fatalf("succeeded=%d refused=%d, want 33 and 17", succeeded, refused)
	}
	got, err := s.Account(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	if got.Balance.String() != "1.00" {
		t.Fatalf("balance = %s, want 1.00", got.Balance)
	}
	assertLedgerWhole(t, s)
}

func TestLedger_SameBusinessKeyTwice_PostsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "50.00")
	p := db.Posting{Account: account, Amount: domain.MustAmount("-20.00"), Kind: domain.EntrySettlementDebit, BusinessKey: "settlement:x:1:debit:" + string(account)}

	first, err := s.Post(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Post(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID {
		t.Fatalf("replay wrote a new entry: %d then %d", first.ID, second.ID)
	}
	got, _ := s.Account(ctx, account)
	if got.Balance.String() != "30.00" {
		t.Fatalf("balance = %s, want 30.00", got.Balance)
	}
	assertLedgerWhole(t, s)
}

func TestLedger_SameBusinessKeyOtherAmount_IsConflict(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "50.00")
	p := db.Posting{Account: account, Amount: domain.MustAmount("-20.00"), Kind: domain.EntrySettlementDebit, BusinessKey: "k:" + string(account)}
	if _, err := s.Post(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Amount = domain.MustAmount("-25.00")
	_, err := s.Post(ctx, p)
	assertCode(t, err, domain.CodeEntryReferenceConflict)
	got, _ := s.Account(ctx, account)
	if got.Balance.String() != "30.00" {
		t.Fatalf("balance = %s, want 30.00", got.Balance)
	}
}

func TestLedger_DebitBeyondBalance_IsRefusedAndWritesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "10.00")
	_, err := s.Post(ctx, db.Posting{Account: account, Amount: domain.MustAmount("-10.01"), Kind: domain.EntrySettlementDebit, BusinessKey: "over:" + string(account)})
	assertCode(t, err, domain.CodeInsufficientBalance)

	var n int
	if err := s.DB().GetContext(ctx, &n, `SELECT count(*) FROM ledger_entries WHERE account_id_number = $1`, account); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d entries written for a refused debit", n)
	}
}

func TestLedger_DebitToExactlyZero_IsAllowed(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "10.00")
	entry, err := s.Post(ctx, db.Posting{Account: account, Amount: domain.MustAmount("-10.00"), Kind: domain.EntrySettlementDebit, BusinessKey: "zero:" + string(account)})
	if err != nil {
		t.Fatal(err)
	}
	if !entry.BalanceAfter.IsZero() {
		t.Fatalf("balance after = %s, want 0.00", entry.BalanceAfter)
	}
}

func TestLedger_UnknownAccount_IsAccountNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.Post(context.Background(), db.Posting{Account: uniqueID(), Amount: domain.MustAmount("5.00"), Kind: domain.EntryContribution, BusinessKey: "nobody"})
	assertCode(t, err, domain.CodeAccountNotFound)
}

func TestLedger_EntriesAreAppendOnly(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "10.00")
	if _, err := s.Post(ctx, db.Posting{Account: account, Amount: domain.MustAmount("5.00"), Kind: domain.EntryContribution, BusinessKey: "ao:" + string(account)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE ledger_entries SET amount = 500 WHERE account_id_number = $1`, account); err == nil {
		t.Fatal("UPDATE of a ledger entry succeeded")
	}
	if _, err := s.DB().ExecContext(ctx, `DELETE FROM ledger_entries WHERE account_id_number = $1`, account); err == nil {
		t.Fatal("DELETE of a ledger entry succeeded")
	}
}

func TestLedger_BalanceCheckConstraint_RefusesNegativeBalance(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	account := employeeWithAccount(t, s, "10.00")
	if _, err := s.DB().ExecContext(ctx, `UPDATE accounts SET balance = -0.01 WHERE id_number = $1`, account); err == nil {
		t.Fatal("the database accepted a negative balance")
	}
}
