package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

var premiumSeq atomic.Int64

// premiumFamily is a holder with an account, a resident-insured child and
// an active binding between them.
type premiumFamily struct {
	holder, child domain.IDNumber
	binding       string
}

func newPremiumFamily(t *testing.T, s *db.Store, balance string, limit *domain.Amount) premiumFamily {
	t.Helper()
	f := premiumFamily{holder: employeeWithAccount(t, s, balance), child: resident(t, s)}
	f.binding = activeBinding(t, s, f.holder, f.child, domain.Terms{AnnualLimit: limit}, t0)
	return f
}

// pt0 is a Beijing afternoon the premium payments are made on, in 2026.
var pt0 = time.Date(2026, 11, 24, 15, 0, 0, 0, domain.Beijing)

// payment returns a processing premium payment of the family's child for
// the year, not yet stored.
func (f premiumFamily) payment(year int, amount string) db.PremiumPayment {
	return db.PremiumPayment{
		ID: fmt.Sprintf("prm-%09d", premiumSeq.Add(1)), Holder: f.holder, Beneficiary: f.child, BindingID: f.binding,
		Year: year, Amount: domain.MustAmount(amount), UsageYear: pt0.Year(), CreatedAt: pt0,
	}
}

// createPayment stores a processing payment of the year's premium.
func createPayment(t *testing.T, s *db.Store, f premiumFamily, year int) db.PremiumPayment {
	t.Helper()
	p := f.payment(year, "400.00")
	if year == 2025 {
		p.Amount = domain.MustAmount("380.00")
	}
	if err := s.CreatePremiumPayment(context.Background(), p); err != nil {
		t.Fatalf("CreatePremiumPayment: %v", err)
	}
	return p
}

func premiumEntries(t *testing.T, s *db.Store, paymentID, kind string) int {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM ledger_entries WHERE reference = $1 AND kind = $2`, paymentID, kind)
}

func finishPayment(t *testing.T, s *db.Store, id string, status domain.PremiumPaymentStatus) {
	t.Helper()
	if err := s.FinishPremiumPayment(context.Background(), db.PremiumOutcome{ID: id, Status: status, At: pt0}); err != nil {
		t.Fatal(err)
	}
}

func TestPremiumPayment_UnknownIsPremiumNotFound(t *testing.T) {
	_, err := newStore(t).PremiumPayment(context.Background(), "no-such-payment")
	assertCode(t, err, domain.CodePremiumNotFound)
}

func TestDebitPremium_TakesThePremiumInFullAndCountsTowardTheYearsUsage(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", limitOf("3000.00"))
	p := createPayment(t, s, f, 2027)

	for i := 0; i < 3; i++ { // a retried activity debits once
		e, err := s.DebitPremium(ctx, p.ID)
		if err != nil {
			t.Fatalf("DebitPremium #%d: %v", i+1, err)
		}
		if e.Kind != domain.EntryPremiumDebit || e.Amount.String() != "-400.00" || e.Account != f.holder ||
			e.BindingID != f.binding || e.Beneficiary != f.child || e.BusinessKey != "premium:"+p.ID+":debit" || e.Reference != p.ID {
			t.Fatalf("entry %+v", e)
		}
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "600.00")
	// The 2027 premium paid in 2026 uses the 2026 limit.
	assertAmount(t, "used in 2026", usedIn(t, s, f.binding, 2026), "400.00")
	assertAmount(t, "used in 2027", usedIn(t, s, f.binding, 2027), "0.00")
	if n := premiumEntries(t, s, p.ID, "premium_debit"); n != 1 {
		t.Fatalf("%d debit entries, want 1", n)
	}
	assertLedgerWhole(t, s)
}

func TestDebitPremium_RefusesRatherThanPayingInPart(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		balance string
		limit   *domain.Amount
		used    string // the binding's 2026 usage before the debit
		setup   func(t *testing.T, f premiumFamily)
		code    domain.Code
	}{
		{"balance a fen short", "399.99", nil, "0.00", nil, domain.CodeInsufficientBalance},
		{"limit below the premium", "1000.00", limitOf("300.00"), "0.00", nil, domain.CodeLimitExceeded},
		{"limit left a fen short", "1000.00", limitOf("1000.00"), "600.01", nil, domain.CodeLimitExceeded},
		{"binding unbound since", "1000.00", nil, "0.00", func(t *testing.T, f premiumFamily) {
			move(t, s, f.binding, t0.Add(time.Hour), domain.BindingActive, domain.BindingUnbound)
		}, domain.CodeNoActiveBinding},
		{"holder's account frozen", "1000.00", nil, "0.00", func(t *testing.T, f premiumFamily) {
			if _, err := s.PutAccount(ctx, f.holder, domain.MustAmount("1000.00"), domain.AccountFrozen); err != nil {
				t.Fatal(err)
			}
		}, domain.CodeHolderAccountFrozen},
		{"holder in arrears", "1000.00", nil, "0.00", func(t *testing.T, f premiumFamily) {
			e := domain.Enrolment{IDNumber: f.holder, Insutype: domain.InsutypeEmployee, Admdvs: "652701", Status: domain.EnrolmentNormal, Arrears: true}
			if _, err := s.PutEnrolment(ctx, e); err != nil {
				t.Fatal(err)
			}
		}, domain.CodeHolderInArrears},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPremiumFamily(t, s, tt.balance, tt.limit)
			if tt.used != "0.00" {
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO binding_usage (binding_id, year, used) VALUES ($1, 2026, $2)`, f.binding, tt.used); err != nil {
					t.Fatal(err)
				}
			}
			p := createPayment(t, s, f, 2027)
			if tt.setup != nil {
				tt.setup(t, f)
			}
			_, err := s.DebitPremium(ctx, p.ID)
			assertCode(t, err, tt.code)

			assertAmount(t, "balance", balanceOf(t, s, f.holder), tt.balance)
			assertAmount(t, "used in 2026", usedIn(t, s, f.binding, 2026), tt.used)
			if n := count(t, s, `SELECT count(*) FROM ledger_entries WHERE reference = $1`, p.ID); n != 0 {
				t.Fatalf("%d ledger entries after a refusal", n)
			}
			// The refund compensation finds nothing to give back.
			refunded, err := s.RefundPremium(ctx, p.ID)
			if err != nil || !refunded.IsZero() {
				t.Fatalf("RefundPremium after a refusal: %s, %v", refunded, err)
			}
			assertAmount(t, "balance after the refund", balanceOf(t, s, f.holder), tt.balance)
			assertLedgerWhole(t, s)
		})
	}
}

func TestDebitPremium_UnknownOrFinishedPaymentTakesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, err := s.DebitPremium(ctx, "no-such-payment")
	assertCode(t, err, domain.CodePremiumNotFound)

	f := newPremiumFamily(t, s, "1000.00", nil)
	p := createPayment(t, s, f, 2027)
	finishPayment(t, s, p.ID, domain.PremiumReversed)
	_, err = s.DebitPremium(ctx, p.ID)
	assertCode(t, err, domain.CodeInternal)
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "1000.00")
}

func TestRefundPremium_RestoresBalanceAndUsageOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", limitOf("500.00"))
	p := createPayment(t, s, f, 2027)
	if _, err := s.DebitPremium(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "used after the debit", usedIn(t, s, f.binding, 2026), "400.00")

	for i := 0; i < 3; i++ { // a retried compensation refunds once
		refunded, err := s.RefundPremium(ctx, p.ID)
		if err != nil {
			t.Fatalf("RefundPremium #%d: %v", i+1, err)
		}
		assertAmount(t, "refunded", refunded, "400.00")
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "1000.00")
	assertAmount(t, "used in 2026", usedIn(t, s, f.binding, 2026), "0.00")
	if d, r := premiumEntries(t, s, p.ID, "premium_debit"), premiumEntries(t, s, p.ID, "premium_refund"); d != 1 || r != 1 {
		t.Fatalf("%d debits and %d refunds, want 1 and 1", d, r)
	}
	// A retried debit after the refund finds its entry and takes nothing more.
	if _, err := s.DebitPremium(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	assertAmount(t, "balance after a late debit retry", balanceOf(t, s, f.holder), "1000.00")

	// The whole limit is usable again.
	finishPayment(t, s, p.ID, domain.PremiumReversed)
	again := createPayment(t, s, f, 2027)
	if _, err := s.DebitPremium(ctx, again.ID); err != nil {
		t.Fatalf("a new payment after the refund: %v", err)
	}
	assertLedgerWhole(t, s)
}

func TestRefundPremium_NeverDebitedOrUnknown_IsANoOp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", nil)
	p := createPayment(t, s, f, 2027)
	for _, id := range []string{p.ID, "no-such-payment"} {
		refunded, err := s.RefundPremium(ctx, id)
		if err != nil || !refunded.IsZero() {
			t.Fatalf("RefundPremium(%s) = %s, %v; want 0.00", id, refunded, err)
		}
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "1000.00")
	if n := count(t, s, `SELECT count(*) FROM ledger_entries WHERE reference = $1`, p.ID); n != 0 {
		t.Fatalf("%d ledger entries", n)
	}
}

func TestCreatePremiumPayment_OnePerPersonAndYearWhileProcessingOrCompleted(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "5000.00", nil)
	first := createPayment(t, s, f, 2027)

	// The same person and year again, also from the other parent.
	other := premiumFamily{holder: employeeWithAccount(t, s, "5000.00"), child: f.child}
	other.binding = activeBinding(t, s, other.holder, other.child, domain.Terms{}, t0)
	for _, fam := range []premiumFamily{f, other} {
		assertCode(t, s.CreatePremiumPayment(ctx, fam.payment(2027, "400.00")), domain.CodePremiumAlreadyPaid)
	}
	assertCode(t, s.CheckPremiumUnpaid(ctx, f.child, 2027), domain.CodePremiumAlreadyPaid)
	// Another year is another premium.
	assertCode(t, s.CheckPremiumUnpaid(ctx, f.child, 2026), "")
	createPayment(t, s, f, 2026)

	// A reversed payment frees the year; a completed one keeps it.
	finishPayment(t, s, first.ID, domain.PremiumReversed)
	assertCode(t, s.CheckPremiumUnpaid(ctx, f.child, 2027), "")
	second := createPayment(t, s, other, 2027)
	finishPayment(t, s, second.ID, domain.PremiumCompleted)
	assertCode(t, s.CreatePremiumPayment(ctx, f.payment(2027, "400.00")), domain.CodePremiumAlreadyPaid)

	// Finishing is idempotent and never changes an ended payment.
	finishPayment(t, s, second.ID, domain.PremiumReversed)
	got, err := s.PremiumPayment(ctx, second.ID)
	if err != nil || got.Status != domain.PremiumCompleted {
		t.Fatalf("payment %+v, %v; want it completed still", got, err)
	}
	if got.Holder != other.holder || got.Beneficiary != f.child || got.BindingID != other.binding || got.Year != 2027 ||
		got.Amount.String() != "400.00" || got.UsageYear != 2026 || got.RefusalCode.Valid || !got.CreatedAt.Equal(pt0) {
		t.Fatalf("payment read back as %+v", got)
	}
}

func TestCreatePremiumPayment_ConcurrentRequestsStoreOne(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "5000.00", nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreatePremiumPayment(ctx, f.payment(2027, "400.00"))
		}()
	}
	wg.Wait()
	stored := 0
	for _, err := range errs {
		switch domain.ErrorCode(err) {
		case "":
			stored++
		case domain.CodePremiumAlreadyPaid:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if stored != 1 {
		t.Fatalf("%d payments stored, want 1", stored)
	}
}

func TestDebitPremium_ConcurrentDebitsOfOnePaymentTakeOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", limitOf("3000.00"))
	p := createPayment(t, s, f, 2027)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.DebitPremium(ctx, p.ID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "600.00")
	assertAmount(t, "used", usedIn(t, s, f.binding, 2026), "400.00")
	assertLedgerWhole(t, s)
}

// Two children's premiums at once from an account that holds only one:
// one is paid in full, the other refused; the balance never goes below 0.
func TestDebitPremium_TwoChildrenAtOnce_NeverOverdraw(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := newPremiumFamily(t, s, "700.00", nil)
	b := premiumFamily{holder: a.holder, child: resident(t, s)}
	b.binding = activeBinding(t, s, b.holder, b.child, domain.Terms{}, t0)
	pa, pb := createPayment(t, s, a, 2027), createPayment(t, s, b, 2027)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, id := range []string{pa.ID, pb.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.DebitPremium(ctx, id)
		}()
	}
	wg.Wait()
	codes := map[domain.Code]int{}
	for _, err := range errs {
		codes[domain.ErrorCode(err)]++
	}
	if codes[""] != 1 || codes[domain.CodeInsufficientBalance] != 1 {
		t.Fatalf("outcomes %v, want one paid and one INSUFFICIENT_BALANCE", codes)
	}
	assertAmount(t, "balance", balanceOf(t, s, a.holder), "300.00")
	assertLedgerWhole(t, s)
}

func TestDeleteUnstartedPremiumPayment_OnlyWhileNothingWasDebited(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", nil)
	p := createPayment(t, s, f, 2027)
	deleted, err := s.DeleteUnstartedPremiumPayment(ctx, p.ID)
	if err != nil || !deleted {
		t.Fatalf("delete an undebited payment: %v, %v", deleted, err)
	}
	_, err = s.PremiumPayment(ctx, p.ID)
	assertCode(t, err, domain.CodePremiumNotFound)
	assertCode(t, s.CheckPremiumUnpaid(ctx, f.child, 2027), "")
	// Its saga, had it started after all, finds nothing to debit.
	_, err = s.DebitPremium(ctx, p.ID)
	assertCode(t, err, domain.CodePremiumNotFound)

	debited := createPayment(t, s, f, 2027)
	if _, err := s.DebitPremium(ctx, debited.ID); err != nil {
		t.Fatal(err)
	}
	deleted, err = s.DeleteUnstartedPremiumPayment(ctx, debited.ID)
	if err != nil || deleted {
		t.Fatalf("delete a debited payment: %v, %v; want it kept", deleted, err)
	}
	if _, err := s.PremiumPayment(ctx, debited.ID); err != nil {
		t.Fatal(err)
	}
}

func TestActiveBindingBetween_OnlyTheActivePairOnTheDay(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", limitOf("800.00"))
	on := domain.DateOf(pt0)
	b, found, err := s.ActiveBindingBetween(ctx, f.holder, f.child, on)
	if err != nil || !found || b.ID != f.binding || b.Terms.AnnualLimit.String() != "800.00" {
		t.Fatalf("ActiveBindingBetween = %+v, %v, %v", b, found, err)
	}
	// The other way round, or another child, is no binding.
	for _, pair := range [][2]domain.IDNumber{{f.child, f.holder}, {f.holder, resident(t, s)}} {
		if _, found, err := s.ActiveBindingBetween(ctx, pair[0], pair[1], on); err != nil || found {
			t.Fatalf("ActiveBindingBetween(%s, %s) found %v, %v", pair[0], pair[1], found, err)
		}
	}
	move(t, s, f.binding, t0.Add(time.Hour), domain.BindingActive, domain.BindingUnbound)
	if _, found, err := s.ActiveBindingBetween(ctx, f.holder, f.child, on); err != nil || found {
		t.Fatalf("an unbound binding was found: %v, %v", found, err)
	}
}

func TestPremium_DebitAndRefundWriteTheHoldersNoticeOnceInTheirTransaction(t *testing.T) {
	s := newStore(t).WithWebhookOutbox()
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", nil)
	p := createPayment(t, s, f, 2027)
	notice := func(key string) db.Notification {
		t.Helper()
		var n db.Notification
		if err := s.DB().GetContext(ctx, &n, `SELECT id, recipient_id_number, kind, title, body, title_en, body_en, binding_id,
			settlement_id, amount, read, dedup_key, created_at FROM notifications WHERE dedup_key = $1`, key); err != nil {
			t.Fatalf("notice %s: %v", key, err)
		}
		return n
	}
	for range 2 { // a retried activity debits and tells once
		if _, err := s.DebitPremium(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	n := notice("premium:" + p.ID + ":debit")
	if n.Recipient != string(f.holder) || n.Kind != string(domain.NoticePremiumPaid) || n.Amount.String() != "400.00" ||
		n.BindingID.String != f.binding || n.SettlementID.Valid || !strings.Contains(n.Body, "2027") ||
		!strings.Contains(n.Body, "600.00") || !strings.Contains(n.Body, f.child.Masked()) ||
		!strings.Contains(n.BodyEN, "600.00") || n.TitleEN == "" {
		t.Fatalf("debit notice %+v", n)
	}
	for range 2 {
		if _, err := s.RefundPremium(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	n = notice("premium:" + p.ID + ":refund")
	if n.Kind != string(domain.NoticePremiumReversed) || n.Amount.String() != "400.00" || !strings.Contains(n.Body, "1000.00") ||
		!strings.Contains(n.BodyEN, "1000.00") || n.TitleEN == "" {
		t.Fatalf("refund notice %+v", n)
	}
	if got := count(t, s, `SELECT count(*) FROM notifications WHERE recipient_id_number = $1`, f.holder); got != 2 {
		t.Fatalf("%d notices, want one per movement", got)
	}
	if got := outboxRows(t, s, f.holder); got != 2 {
		t.Fatalf("%d outbox rows, want one per notice", got)
	}

	// A refused debit moves nothing and tells nobody.
	poor := newPremiumFamily(t, s, "10.00", nil)
	refused := createPayment(t, s, poor, 2027)
	if _, err := s.DebitPremium(ctx, refused.ID); domain.ErrorCode(err) != domain.CodeInsufficientBalance {
		t.Fatalf("debit of a poor holder: %v", err)
	}
	if got := count(t, s, `SELECT count(*) FROM notifications WHERE recipient_id_number = $1`, poor.holder); got != 0 {
		t.Fatalf("%d notices for a refused debit", got)
	}
}

// The notice is part of the debit's transaction: when it cannot be
// written, nothing is taken.
func TestDebitPremium_NoticeThatCannotBeWritten_TakesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newPremiumFamily(t, s, "1000.00", limitOf("3000.00"))
	p := createPayment(t, s, f, 2027)
	exec := func(q string) {
		t.Helper()
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	fn := "refuse_notice_" + strings.ToLower(string(f.holder))
	exec(`CREATE FUNCTION ` + fn + `() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'inbox down'; END; $$ LANGUAGE plpgsql`)
	exec(`CREATE TRIGGER ` + fn + ` BEFORE INSERT ON notifications FOR EACH ROW
		WHEN (NEW.recipient_id_number = '` + string(f.holder) + `') EXECUTE FUNCTION ` + fn + `()`)
	t.Cleanup(func() {
		_, _ = s.DB().ExecContext(ctx, `DROP TRIGGER `+fn+` ON notifications`)
		_, _ = s.DB().ExecContext(ctx, `DROP FUNCTION `+fn+`()`)
	})

	if _, err := s.DebitPremium(ctx, p.ID); err == nil {
		t.Fatal("the premium was debited without its notice")
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "1000.00")
	assertAmount(t, "used in 2026", usedIn(t, s, f.binding, 2026), "0.00")
	if n := premiumEntries(t, s, p.ID, "premium_debit"); n != 0 {
		t.Fatalf("%d debit entries", n)
	}
	assertLedgerWhole(t, s)
}
