package activities

import (
	"context"

	"gongji/db"
	"gongji/external"
)

// Notifier delivers a message to a person. The built-in one writes the
// in-app inbox.
type Notifier interface {
	Notify(ctx context.Context, n db.Notification) error
}

// OpNotify names the InboxNotifier's injectable fault.
const OpNotify = "notify"

// InboxNotifier puts notifications in the PostgreSQL inbox, once per
// dedup key, and, when its store queues webhooks (GONGJI_WEBHOOK_URL set),
// in the webhook outbox in the same transaction.
type InboxNotifier struct {
	Store  inboxStore
	Faults *external.Faults
}

// inboxStore is where the InboxNotifier writes (*db.Store).
type inboxStore interface {
	AddNotification(ctx context.Context, n db.Notification) error
}

// Notify writes the notification unless one with its dedup key exists.
func (n InboxNotifier) Notify(ctx context.Context, msg db.Notification) error {
	if err := n.Faults.Check(OpNotify); err != nil {
		return err
	}
	return n.Store.AddNotification(ctx, msg)
}
