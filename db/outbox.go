package db

import (
	"context"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Statuses of a webhook_outbox row.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookParked    = "parked"
)

// OutboxMessage is a notice waiting for, or done with, webhook delivery.
type OutboxMessage struct {
	ID             int64  `db:"id"`
	NotificationID int64  `db:"notification_id"`
	Recipient      string `db:"recipient_id_number"`
	// Payload is the JSON body to send, byte for byte as it is signed.
	Payload       []byte     `db:"payload"`
	Attempts      int        `db:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at"`
	Status        string     `db:"status"`
	LastError     string     `db:"last_error"`
	DeliveredAt   *time.Time `db:"delivered_at"`
	ParkedAt      *time.Time `db:"parked_at"`
	CreatedAt     time.Time  `db:"created_at"`
}

const outboxColumns = `id, notification_id, recipient_id_number, payload::text AS payload, attempts, next_attempt_at,
	status, last_error, delivered_at, parked_at, created_at`

// WebhookOutcome is what became of one delivery attempt.
type WebhookOutcome struct {
	// Delivered is set when the receiver took the message (2xx).
	Delivered bool
	// Error says why the attempt failed.
	Error string
	// Park gives up on the message: no more attempts until an admin
	// replays it.
	Park bool
	// RetryAfter is the wait before the next attempt of a message that
	// was neither delivered nor parked.
	RetryAfter time.Duration
}

// DeliverNextWebhook takes the next message due for delivery and calls
// deliver with it while its row is locked, then records the outcome, all
// in one transaction. found is false when no message is due.
//
// A message is due when it is pending, its next attempt time has come and
// no older message of the same recipient is pending (delivered or parked
// ones do not hold it back): each holder's messages go out oldest first,
// one at a time, even with several dispatchers, which skip rows another
// one has locked (SELECT … FOR UPDATE SKIP LOCKED).
//
// An error from deliver (e.g. the dispatcher is shutting down) rolls back:
// the attempt is not counted. Delivery is at least once: if the process
// dies after the receiver answered but before the commit, the message is
// sent again, with the same webhook-id.
func (s *Store) DeliverNextWebhook(ctx context.Context, deliver func(OutboxMessage) (WebhookOutcome, error)) (found bool, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		const claim = `
			SELECT ` + outboxColumns + ` FROM webhook_outbox o
			WHERE o.status = 'pending' AND o.next_attempt_at <= clock_timestamp()
				AND NOT EXISTS (SELECT 1 FROM webhook_outbox p
					WHERE p.recipient_id_number = o.recipient_id_number AND p.status = 'pending' AND p.id < o.id)
			ORDER BY o.next_attempt_at, o.id
			LIMIT 1
			FOR UPDATE OF o SKIP LOCKED`
		var m OutboxMessage
		if err := tx.GetContext(ctx, &m, claim); err != nil {
			if isNoRows(err) {
				return nil
			}
			return err
		}
		found = true
		out, err := deliver(m)
		if err != nil {
			return err
		}
		switch {
		case out.Delivered:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_outbox SET status = 'delivered', attempts = attempts + 1,
				delivered_at = clock_timestamp() WHERE id = $1`, m.ID)
		case out.Park:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_outbox SET status = 'parked', attempts = attempts + 1,
				parked_at = clock_timestamp(), last_error = $2 WHERE id = $1`, m.ID, clip(out.Error, 500))
		default:
			_, err = tx.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2,
				next_attempt_at = clock_timestamp() + make_interval(secs => $3) WHERE id = $1`,
				m.ID, clip(out.Error, 500), out.RetryAfter.Seconds())
		}
		return err
	})
	return found, err
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// Webhook reads one outbox message; WEBHOOK_NOT_FOUND when there is none.
func (s *Store) Webhook(ctx context.Context, id int64) (OutboxMessage, error) {
	var m OutboxMessage
	err := s.db.GetContext(ctx, &m, `SELECT `+outboxColumns+` FROM webhook_outbox WHERE id = $1`, id)
	if isNoRows(err) {
		return OutboxMessage{}, domain.Errorf(domain.CodeWebhookNotFound, "no such webhook message")
	}
	return m, err
}

// ParkedWebhooks lists parked messages, newest first, after the message
// with id beforeID (0: from the newest).
func (s *Store) ParkedWebhooks(ctx context.Context, beforeID int64, limit int) ([]OutboxMessage, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	out := []OutboxMessage{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+outboxColumns+` FROM webhook_outbox
		WHERE status = 'parked' AND id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	return out, err
}

// ReplayWebhook puts a parked message back in the queue with its attempts
// reset, due at once. WEBHOOK_NOT_FOUND when there is no such message,
// WEBHOOK_NOT_PARKED when it is pending or delivered.
func (s *Store) ReplayWebhook(ctx context.Context, id int64) (OutboxMessage, error) {
	var m OutboxMessage
	err := s.db.GetContext(ctx, &m, `UPDATE webhook_outbox SET status = 'pending', attempts = 0, parked_at = NULL,
		next_attempt_at = now() WHERE id = $1 AND status = 'parked' RETURNING `+outboxColumns, id)
	if !isNoRows(err) {
		return m, err
	}
	current, err := s.Webhook(ctx, id)
	if err != nil {
		return OutboxMessage{}, err
	}
	return OutboxMessage{}, domain.Errorf(domain.CodeWebhookNotParked, "the message is %s, not parked", current.Status).
		WithDetails(map[string]any{"status": current.Status})
}
