package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"gongji/db"
	"gongji/domain"
)

func TestAddNotification_IdempotentOnDedupKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	recipient := uniqueID()
	key := newKey("notice")
	first := db.Notification{Recipient: string(recipient), Kind: string(domain.NoticeBindingApproved), Title: "家庭共济已生效",
		Body: "您与小明的家庭共济关系已审核通过", BindingID: sql.NullString{String: "bnd-x", Valid: true}, DedupKey: key}
	tests := []struct {
		name string
		n    db.Notification
	}{
		{"first", first},
		{"same message again", first},
		{"same key, other text", func() db.Notification { n := first; n.Title, n.Body = "changed", "changed"; return n }()},
	}
	for _, tt := range tests {
		if err := s.AddNotification(ctx, tt.n); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	got, err := s.Notifications(ctx, recipient, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d notifications, want 1: %+v", len(got), got)
	}
	n := got[0]
	if n.Title != first.Title || n.Body != first.Body || n.Kind != first.Kind || n.DedupKey != key || n.Read ||
		n.BindingID != first.BindingID || n.SettlementID.Valid || n.Amount != nil || n.At.IsZero() || n.ID == 0 {
		t.Errorf("notification = %+v", n)
	}
}

func TestNotifications_NewestFirstPerRecipient(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	me, other := uniqueID(), uniqueID()
	amount := domain.MustAmount("36.50")
	var keys []string
	for i := range 4 {
		n := db.Notification{Recipient: string(me), Kind: "settlement_paid", Title: "家庭共济账户支付",
			Body: fmt.Sprintf("第%d笔", i), DedupKey: newKey("notice")}
		if i%2 == 0 {
			n.SettlementID = sql.NullString{String: fmt.Sprintf("settlement:H65270100001:%d", i), Valid: true}
			n.Amount = &amount
		}
		if err := s.AddNotification(ctx, n); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, n.DedupKey)
		if err := s.AddNotification(ctx, db.Notification{Recipient: string(other), Kind: "x", Title: "x", Body: "x", DedupKey: newKey("notice")}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		who   domain.IDNumber
		limit int
		want  []string
	}{
		{"all, newest first", me, 10, []string{keys[3], keys[2], keys[1], keys[0]}},
		{"limited to the newest two", me, 2, []string{keys[3], keys[2]}},
		{"limit one", me, 1, []string{keys[3]}},
		{"nobody's inbox", uniqueID(), 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Notifications(ctx, tt.who, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d notifications, want %d", len(got), len(tt.want))
			}
			for i, n := range got {
				if n.DedupKey != tt.want[i] || n.Recipient != string(tt.who) {
					t.Errorf("[%d] = %s for %s, want %s", i, n.DedupKey, n.Recipient, tt.want[i])
				}
				if i > 0 && (n.ID >= got[i-1].ID || n.At.After(got[i-1].At)) {
					t.Errorf("[%d] is not older than [%d]", i, i-1)
				}
				paid := n.SettlementID.Valid
				if paid != (n.Amount != nil) || (paid && n.Amount.String() != "36.50") {
					t.Errorf("[%d] settlement %v amount %v", i, n.SettlementID, n.Amount)
				}
			}
		})
	}
}
