package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Notification is a message in a person's in-app inbox, in Chinese (Title,
// Body) and English (TitleEN, BodyEN; empty on rows older than the English
// text).
type Notification struct {
	ID           int64          `db:"id"`
	Recipient    string         `db:"recipient_id_number"`
	Kind         string         `db:"kind"`
	Title        string         `db:"title"`
	Body         string         `db:"body"`
	TitleEN      string         `db:"title_en"`
	BodyEN       string         `db:"body_en"`
	BindingID    sql.NullString `db:"binding_id"`
	SettlementID sql.NullString `db:"settlement_id"`
	Amount       *domain.Amount `db:"amount"`
	Read         bool           `db:"read"`
	DedupKey     string         `db:"dedup_key"`
	At           time.Time      `db:"created_at"`
}

// WithText returns n with the title and body of t in both languages.
func (n Notification) WithText(t domain.NoticeText) Notification {
	n.Title, n.Body, n.TitleEN, n.BodyEN = t.Title, t.Body, t.TitleEN, t.BodyEN
	return n
}

const notificationColumns = `id, recipient_id_number, kind, title, body, title_en, body_en, binding_id, settlement_id,
	amount, read, dedup_key, created_at`

// WithWebhookOutbox returns a store sharing s's connections whose
// AddNotification and AddNotificationInTx also write a webhook_outbox row
// for each new notification, in the same transaction. The worker uses it
// when GONGJI_WEBHOOK_URL is set; without it no outbox rows are written,
// so turning webhooks on later does not send the notices of the past.
func (s *Store) WithWebhookOutbox() *Store {
	c := *s
	c.webhooks = true
	return &c
}

// WebhookOutbox reports whether the store queues notices for the webhook.
func (s *Store) WebhookOutbox() bool { return s.webhooks }

// AddNotification puts a message in the inbox once: a second call with
// the same DedupKey does nothing. See AddNotificationInTx.
func (s *Store) AddNotification(ctx context.Context, n Notification) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := s.AddNotificationInTx(ctx, tx, n)
		return err
	})
}

// AddNotificationInTx writes the notification inside tx, so that it
// commits or rolls back with the change it reports, and, when the store
// queues webhooks, its webhook_outbox row in the same transaction. A
// notification whose DedupKey exists already is left as it is (added is
// false) and queues nothing.
func (s *Store) AddNotificationInTx(ctx context.Context, tx *sqlx.Tx, n Notification) (added bool, err error) {
	const q = `
		INSERT INTO notifications (recipient_id_number, kind, title, body, title_en, body_en, binding_id, settlement_id, amount, dedup_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (dedup_key) DO NOTHING
		RETURNING id, created_at`
	var row struct {
		ID int64     `db:"id"`
		At time.Time `db:"created_at"`
	}
	err = tx.GetContext(ctx, &row, q, n.Recipient, n.Kind, n.Title, n.Body, n.TitleEN, n.BodyEN, n.BindingID, n.SettlementID, n.Amount, n.DedupKey)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !s.webhooks {
		return true, nil
	}
	n.ID, n.At = row.ID, row.At
	payload, err := json.Marshal(webhookPayloadOf(n))
	if err != nil {
		return false, err
	}
	const outbox = `INSERT INTO webhook_outbox (notification_id, recipient_id_number, payload) VALUES ($1, $2, $3)`
	if _, err := tx.ExecContext(ctx, outbox, n.ID, n.Recipient, payload); err != nil {
		return false, err
	}
	return true, nil
}

// WebhookPayload is the JSON body the webhook receives for a notification.
// Times are RFC 3339 in Beijing time; money is a string with two decimals.
type WebhookPayload struct {
	Event        string              `json:"event"`
	Notification WebhookNotification `json:"notification"`
}

// WebhookNotification is the notification inside a WebhookPayload.
type WebhookNotification struct {
	ID                string         `json:"id"`
	RecipientIDNumber string         `json:"recipient_id_number"`
	At                time.Time      `json:"at"`
	Kind              string         `json:"kind"`
	Title             string         `json:"title"`
	Body              string         `json:"body"`
	TitleEN           string         `json:"title_en"`
	BodyEN            string         `json:"body_en"`
	BindingID         *string        `json:"binding_id,omitempty"`
	SettlementID      *string        `json:"settlement_id,omitempty"`
	Amount            *domain.Amount `json:"amount,omitempty"`
}

// WebhookEventNotification is the event of every webhook payload so far.
const WebhookEventNotification = "notification.created"

func webhookPayloadOf(n Notification) WebhookPayload {
	w := WebhookNotification{
		ID: strconv.FormatInt(n.ID, 10), RecipientIDNumber: n.Recipient, At: n.At.In(domain.Beijing), Kind: n.Kind,
		Title: n.Title, Body: n.Body, TitleEN: n.TitleEN, BodyEN: n.BodyEN, Amount: n.Amount,
	}
	if n.BindingID.Valid {
		w.BindingID = &n.BindingID.String
	}
	if n.SettlementID.Valid {
		w.SettlementID = &n.SettlementID.String
	}
	return WebhookPayload{Event: WebhookEventNotification, Notification: w}
}

// NotificationFilter selects a page of a person's inbox, newest first.
type NotificationFilter struct {
	Recipient  domain.IDNumber
	UnreadOnly bool
	// BeforeID continues a list after the notification with this id; 0
	// starts at the newest.
	BeforeID int64
	Limit    int
}

// ListNotifications lists a page of a person's inbox, newest first.
func (s *Store) ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error) {
	const q = `SELECT ` + notificationColumns + ` FROM notifications
		WHERE recipient_id_number = $1 AND id < $2 AND (NOT $3 OR NOT read)
		ORDER BY id DESC LIMIT $4`
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	out := []Notification{}
	err := s.db.SelectContext(ctx, &out, q, f.Recipient, before, f.UnreadOnly, f.Limit)
	return out, err
}

// Notifications lists a person's inbox, newest first.
func (s *Store) Notifications(ctx context.Context, recipient domain.IDNumber, limit int) ([]Notification, error) {
	return s.ListNotifications(ctx, NotificationFilter{Recipient: recipient, Limit: limit})
}

// MarkNotificationRead marks one of the recipient's notifications read
// (again is fine) and returns it; NOTIFICATION_NOT_FOUND when the
// recipient has none with that id.
func (s *Store) MarkNotificationRead(ctx context.Context, recipient domain.IDNumber, id int64) (Notification, error) {
	const q = `UPDATE notifications SET read = true WHERE id = $1 AND recipient_id_number = $2 RETURNING ` + notificationColumns
	var n Notification
	err := s.db.GetContext(ctx, &n, q, id, recipient)
	if isNoRows(err) {
		return Notification{}, domain.Errorf(domain.CodeNotificationNotFound, "no such notification")
	}
	return n, err
}
