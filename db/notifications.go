package db

import (
	"context"
	"database/sql"
	"time"

	"gongji/domain"
)

// Notification is a message in a person's in-app inbox.
type Notification struct {
	ID           int64          `db:"id"`
	Recipient    string         `db:"recipient_id_number"`
	Kind         string         `db:"kind"`
	Title        string         `db:"title"`
	Body         string         `db:"body"`
	BindingID    sql.NullString `db:"binding_id"`
	SettlementID sql.NullString `db:"settlement_id"`
	Amount       *domain.Amount `db:"amount"`
	Read         bool           `db:"read"`
	DedupKey     string         `db:"dedup_key"`
	At           time.Time      `db:"created_at"`
}

// AddNotification puts a message in the inbox once: a second call with
// the same DedupKey does nothing.
func (s *Store) AddNotification(ctx context.Context, n Notification) error {
	const q = `
		INSERT INTO notifications (recipient_id_number, kind, title, body, binding_id, settlement_id, amount, dedup_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING`
	_, err := s.db.ExecContext(ctx, q, n.Recipient, n.Kind, n.Title, n.Body, n.BindingID, n.SettlementID, n.Amount, n.DedupKey)
	return err
}

// Notifications lists a person's inbox, newest first.
func (s *Store) Notifications(ctx context.Context, recipient domain.IDNumber, limit int) ([]Notification, error) {
	const q = `
		SELECT id, recipient_id_number, kind, title, body, binding_id, settlement_id, amount, read, dedup_key, created_at
		FROM notifications WHERE recipient_id_number = $1 ORDER BY id DESC LIMIT $2`
	var out []Notification
	err := s.db.SelectContext(ctx, &out, q, recipient, limit)
	return out, err
}
