package db

import (
	"context"
	"database/sql"
	"time"

	"github.com/jmoiron/sqlx"

	"gongji/domain"
)

// Closure ends a live binding whose workflow is not running: the
// termination path when its signal finds no workflow, or the periodic
// repair.
type Closure struct {
	BindingID string
	By        string
	Reason    string
	At        time.Time
	// EventKey makes the closure idempotent.
	EventKey string
}

// CloseBindingWithoutWorkflow moves a live binding to terminated, records
// who and why in its history and writes the holder's notice, in one
// transaction, as the binding workflow would have. It is idempotent on
// EventKey; a binding that has already ended is left as it is. closed
// reports whether this call ended it.
func (s *Store) CloseBindingWithoutWorkflow(ctx context.Context, c Closure) (closed bool, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		status, done, err := lockForEvent(ctx, tx, c.BindingID, c.EventKey)
		if err != nil || done || !status.IsLive() {
			return err
		}
		const q = `UPDATE bindings SET status = 'terminated', ended_at = $2, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, c.BindingID, c.At); err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, c.BindingID, c.At, "terminated", c.By, c.Reason, c.EventKey); err != nil {
			return err
		}
		var row bindingRow
		if err := tx.GetContext(ctx, &row, bindingSelect+` WHERE b.id = $2`, 0, c.BindingID); err != nil {
			return err
		}
		b := row.toDomain()
		var name string
		if err := tx.GetContext(ctx, &name, `SELECT name FROM persons WHERE id_number = $1`, b.Beneficiary); err != nil {
			return err
		}
		n := Notification{
			Recipient: string(b.Holder), Kind: string(domain.NoticeBindingTerminated),
			BindingID: sql.NullString{String: b.ID, Valid: true}, DedupKey: c.EventKey,
		}.WithText(domain.BindingNoticeText(domain.NoticeBindingTerminated, name, b, c.Reason))
		if _, err := s.AddNotificationInTx(ctx, tx, n); err != nil {
			return err
		}
		closed = true
		return nil
	})
	return closed, err
}

// LiveBindingsIdle lists, in id order after afterID, up to limit bindings
// in a live status whose row has not changed for at least idle (by the
// database's clock): the repair's candidates. A binding just requested,
// whose workflow is being started, is not idle yet.
func (s *Store) LiveBindingsIdle(ctx context.Context, afterID string, idle time.Duration, limit int) ([]string, error) {
	const q = `SELECT id FROM bindings
		WHERE status IN ('awaiting_documents', 'under_review', 'active') AND id > $1
			AND updated_at <= now() - make_interval(secs => $2)
		ORDER BY id LIMIT $3`
	var ids []string
	err := s.db.SelectContext(ctx, &ids, q, afterID, idle.Seconds(), limit)
	return ids, err
}
