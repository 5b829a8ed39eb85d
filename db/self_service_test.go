package db_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gongji/db"
	"gongji/domain"
)

// notice is an inbox message for recipient with its text in both languages.
func notice(recipient domain.IDNumber, i int) db.Notification {
	return db.Notification{
		Recipient: string(recipient), Kind: string(domain.NoticeBindingApproved),
		Title: fmt.Sprintf("标题%d", i), Body: fmt.Sprintf("正文%d", i), TitleEN: fmt.Sprintf("Title %d", i), BodyEN: fmt.Sprintf("Body %d", i),
		BindingID: sql.NullString{String: fmt.Sprintf("bnd-%d", i), Valid: true}, DedupKey: newKey("notice"),
	}
}

func outboxRows(t *testing.T, s *db.Store, recipient domain.IDNumber) int {
	t.Helper()
	return count(t, s, `SELECT count(*) FROM webhook_outbox WHERE recipient_id_number = $1`, recipient)
}

func TestAddNotification_QueuesTheWebhookOnlyWhenTheStoreDoes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		store *db.Store
		want  int
	}{
		{"without webhooks: the inbox only", s, 0},
		{"with webhooks: inbox and outbox", s.WithWebhookOutbox(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			me := uniqueID()
			n := notice(me, 1)
			for range 3 { // the same dedup key three times: written once
				if err := tt.store.AddNotification(ctx, n); err != nil {
					t.Fatal(err)
				}
			}
			if got := count(t, s, `SELECT count(*) FROM notifications WHERE recipient_id_number = $1`, me); got != 1 {
				t.Fatalf("%d notifications, want 1", got)
			}
			if got := outboxRows(t, s, me); got != tt.want {
				t.Fatalf("%d outbox rows, want %d", got, tt.want)
			}
		})
	}
	if s.WebhookOutbox() || !s.WithWebhookOutbox().WebhookOutbox() {
		t.Fatal("WithWebhookOutbox must return a copy and leave the original as it was")
	}
}

func TestAddNotification_OutboxPayloadCarriesTheNoticeInBothLanguages(t *testing.T) {
	s := newStore(t).WithWebhookOutbox()
	ctx := context.Background()
	me := uniqueID()
	amount := domain.MustAmount("36.50")
	n := notice(me, 7)
	n.SettlementID = sql.NullString{String: "stl-x", Valid: true}
	n.Amount = &amount
	if err := s.AddNotification(ctx, n); err != nil {
		t.Fatal(err)
	}
	var row struct {
		ID      int64  `db:"notification_id"`
		Payload []byte `db:"payload"`
		Status  string `db:"status"`
		Tries   int    `db:"attempts"`
	}
	if err := s.DB().GetContext(ctx, &row, `SELECT notification_id, payload::text AS payload, status, attempts FROM webhook_outbox
		WHERE recipient_id_number = $1`, me); err != nil {
		t.Fatal(err)
	}
	var p db.WebhookPayload
	if err := json.Unmarshal(row.Payload, &p); err != nil {
		t.Fatal(err)
	}
	got := p.Notification
	if p.Event != db.WebhookEventNotification || got.ID != fmt.Sprint(row.ID) || got.RecipientIDNumber != string(me) ||
		got.Title != "标题7" || got.Body != "正文7" || got.TitleEN != "Title 7" || got.BodyEN != "Body 7" ||
		got.BindingID == nil || *got.BindingID != "bnd-7" || got.SettlementID == nil || *got.SettlementID != "stl-x" ||
		got.Amount == nil || got.Amount.String() != "36.50" || row.Status != db.WebhookPending || row.Tries != 0 {
		t.Fatalf("outbox row %s %d: payload %s", row.Status, row.Tries, row.Payload)
	}
	if _, offset := got.At.Zone(); offset != 8*3600 || !strings.Contains(string(row.Payload), "+08:00") {
		t.Fatalf("at %s is not in Beijing time", got.At)
	}
}

func TestListNotifications_PagesNewestFirstAndFiltersUnread(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	me, other := uniqueID(), uniqueID()
	var ids []int64
	for i := range 5 {
		if err := s.AddNotification(ctx, notice(me, i)); err != nil {
			t.Fatal(err)
		}
		if err := s.AddNotification(ctx, notice(other, i)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ListNotifications(ctx, db.NotificationFilter{Recipient: me, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range all {
		ids = append(ids, n.ID)
	}
	if len(ids) != 5 {
		t.Fatalf("%d notifications, want 5", len(ids))
	}
	// Read the second newest and the oldest; the other person's with the same index stays unread.
	for _, id := range []int64{ids[1], ids[4]} {
		n, err := s.MarkNotificationRead(ctx, me, id)
		if err != nil || !n.Read || n.ID != id {
			t.Fatalf("MarkNotificationRead(%d) = %+v, %v", id, n, err)
		}
	}
	if _, err := s.MarkNotificationRead(ctx, other, ids[0]); domain.ErrorCode(err) != domain.CodeNotificationNotFound {
		t.Fatalf("reading another person's notice: %v, want NOTIFICATION_NOT_FOUND", err)
	}
	tests := []struct {
		name   string
		unread bool
		limit  int
		want   []int64
	}{
		{"all, two a page", false, 2, ids},
		{"unread, two a page", true, 2, []int64{ids[0], ids[2], ids[3]}},
		{"unread, one page", true, 10, []int64{ids[0], ids[2], ids[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			before := int64(0)
			for range 10 {
				page, err := s.ListNotifications(ctx, db.NotificationFilter{Recipient: me, UnreadOnly: tt.unread, BeforeID: before, Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range page {
					got = append(got, n.ID)
				}
				if len(page) < tt.limit {
					break
				}
				before = page[len(page)-1].ID
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("ids %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStatement_PagesNewestFirstWithoutDuplicates(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	me := employeeWithAccount(t, s, "100.00")
	for i := range 5 {
		if _, err := s.Post(ctx, db.Posting{Account: me, Amount: domain.MustAmount(fmt.Sprintf("%d.00", i+1)), Kind: domain.EntryContribution,
			BusinessKey: newKey("stmt"), Reference: fmt.Sprintf("R%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	before := int64(0)
	for {
		account, page, err := s.Statement(ctx, me, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		if account.Balance.String() != "115.00" {
			t.Fatalf("balance %s, want 115.00", account.Balance)
		}
		for _, e := range page {
			got = append(got, e.Amount.String())
		}
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].ID
	}
	if want := "[5.00 4.00 3.00 2.00 1.00]"; fmt.Sprint(got) != want {
		t.Fatalf("entries %v, want %s", got, want)
	}
	if _, _, err := s.Statement(ctx, resident(t, s), 0, 10); domain.ErrorCode(err) != domain.CodeAccountNotFound {
		t.Fatalf("statement of a person without an account: %v, want ACCOUNT_NOT_FOUND", err)
	}
}

func TestSharedAccount_DebitAndRefundWriteTheHoldersNoticeOnceInTheirTransaction(t *testing.T) {
	s := newStore(t).WithWebhookOutbox()
	ctx := context.Background()
	f := newFamily(t, s, "500.00", nil)
	d := f.debit(f.st, "120.50")
	for range 2 { // a retried activity debits and tells once
		debit(t, s, d, "120.50")
	}
	var n db.Notification
	if err := s.DB().GetContext(ctx, &n, `SELECT id, recipient_id_number, kind, title, body, title_en, body_en, binding_id, settlement_id,
		amount, read, dedup_key, created_at FROM notifications WHERE settlement_id = $1`, f.st.ID); err != nil {
		t.Fatal(err)
	}
	if n.Recipient != string(f.holder) || n.Kind != string(domain.NoticeSharedAccountDebited) || n.Amount.String() != "120.50" ||
		n.DedupKey != db.PayerNoticeKey(f.st.ID, "debit", f.binding) || n.BindingID.String != f.binding ||
		!strings.Contains(n.Body, "博乐市人民医院") || !strings.Contains(n.Body, "小明") || !strings.Contains(n.Body, "379.50") ||
		!strings.Contains(n.BodyEN, "379.50") || n.TitleEN == "" {
		t.Fatalf("debit notice %+v", n)
	}
	for range 2 {
		if _, err := s.RefundSharedAccount(ctx, f.st.ID, f.binding, st0); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, s, `SELECT count(*) FROM notifications WHERE settlement_id = $1 AND kind = $2 AND amount = 120.50
		AND body LIKE '%500.00%'`, f.st.ID, domain.NoticeSharedAccountRefunded); got != 1 {
		t.Fatalf("%d refund notices with the balance after the refund, want 1", got)
	}
	if got := outboxRows(t, s, f.holder); got != 2 {
		t.Fatalf("%d outbox rows, want one per notice", got)
	}

	// A binding that can give nothing takes nothing and tells nobody.
	empty := newFamily(t, s, "0.00", nil)
	debit(t, s, empty.debit(empty.st, "50.00"), "0.00")
	if got := count(t, s, `SELECT count(*) FROM notifications WHERE settlement_id = $1`, empty.st.ID); got != 0 {
		t.Fatalf("%d notices for a debit of nothing", got)
	}
}

// The notice is part of the money movement's transaction: when it cannot
// be written, nothing moves.
func TestSharedAccount_NoticeThatCannotBeWritten_MovesNoMoney(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newFamily(t, s, "500.00", nil)
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

	if _, err := s.DebitSharedAccount(ctx, f.debit(f.st, "120.50")); err == nil {
		t.Fatal("the debit succeeded without its notice")
	}
	assertAmount(t, "balance", balanceOf(t, s, f.holder), "500.00")
	assertAmount(t, "used this year", usedIn(t, s, f.binding, 2026), "0.00")
	if n := ledgerEntries(t, s, f.st.ID, f.binding, "settlement_debit"); n != 0 {
		t.Fatalf("%d debit entries", n)
	}
	if got := mustSettlement(t, s, f.st.ID); len(got.Payers) != 0 || !got.FamilyAccountPay.IsZero() {
		t.Fatalf("settlement %+v", got)
	}
	assertLedgerWhole(t, s)
}

func TestPayerOrder_NamedFirstThenOldestAndOnlyOwnLiveBindings(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	child := resident(t, s)
	older := activeBinding(t, s, employeeWithAccount(t, s, "10.00"), child, domain.Terms{}, t0)
	middle := activeBinding(t, s, employeeWithAccount(t, s, "10.00"), child, domain.Terms{}, t0.Add(time.Hour))
	pending := request(t, s, employeeWithAccount(t, s, "10.00"), child, t0.Add(2*time.Hour))
	ended := activeBinding(t, s, employeeWithAccount(t, s, "10.00"), child, domain.Terms{}, t0.Add(3*time.Hour))
	move(t, s, ended, t0.Add(4*time.Hour), domain.BindingActive, domain.BindingUnbound)
	someoneElses := activeBinding(t, s, employeeWithAccount(t, s, "10.00"), resident(t, s), domain.Terms{}, t0)

	order := func() string {
		t.Helper()
		got, err := s.PayerOrder(ctx, child, domain.DateOf(t0))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got)
	}
	if got, want := order(), fmt.Sprint([]string{older, middle, pending}); got != want {
		t.Fatalf("default order %s, want %s", got, want)
	}
	tests := []struct {
		name  string
		named []string
		code  domain.Code
		want  []string
	}{
		{"the newest first, the others oldest first", []string{pending}, "", []string{pending, older, middle}},
		{"all named", []string{middle, pending, older}, "", []string{middle, pending, older}},
		{"another person's binding", []string{older, someoneElses}, domain.CodePriorityBindingNotYours, []string{middle, pending, older}},
		{"an ended binding", []string{ended}, domain.CodePriorityBindingNotYours, []string{middle, pending, older}},
		{"an unknown id", []string{"bnd-nope"}, domain.CodePriorityBindingNotYours, []string{middle, pending, older}},
		{"cleared", []string{}, "", []string{older, middle, pending}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: tt.named, By: "insured:" + string(child), At: t0})
			assertCode(t, err, tt.code)
			if err == nil && fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("answered %v, want %v", got, tt.want)
			}
			if got := order(); got != fmt.Sprint(tt.want) {
				t.Fatalf("order %s, want %v", got, tt.want)
			}
		})
	}

	// Settlements read the same order.
	if _, err := s.SetPayerOrder(ctx, db.PayerOrderChange{Beneficiary: child, BindingIDs: []string{middle}, By: "insured:" + string(child), At: t0}); err != nil {
		t.Fatal(err)
	}
	payers, err := s.ActiveBindingsFor(ctx, child, domain.DateOf(t0.Add(24*time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range payers {
		got = append(got, p.BindingID)
	}
	if fmt.Sprint(got) != fmt.Sprint([]string{middle, older}) {
		t.Fatalf("settlement payers %v, want [%s %s]", got, middle, older)
	}
}
