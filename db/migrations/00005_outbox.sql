-- +goose Up
-- Every notice in Chinese (title, body: the language of record) and in
-- English. Rows written before this migration have no English text; the
-- API falls back to the Chinese for them.
ALTER TABLE notifications
    ADD COLUMN title_en TEXT NOT NULL DEFAULT '',
    ADD COLUMN body_en  TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_unread_by_recipient ON notifications (recipient_id_number, id DESC) WHERE NOT read;

-- The transactional outbox of the notice webhook. A row is written in the
-- same transaction as its notification (when the writing process has
-- GONGJI_WEBHOOK_URL set) and delivered by the worker's dispatcher, oldest
-- first per recipient: a recipient's row is not sent while an older one of
-- theirs is still pending. After GONGJI_WEBHOOK_MAX_ATTEMPTS failures a row
-- is parked; an admin may replay it.
CREATE TABLE webhook_outbox (
    id                   BIGSERIAL PRIMARY KEY,
    notification_id      BIGINT NOT NULL UNIQUE REFERENCES notifications (id),
    recipient_id_number  CHAR(18) NOT NULL,
    payload              JSONB NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    status               TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'parked')),
    last_error           TEXT NOT NULL DEFAULT '',
    delivered_at         TIMESTAMPTZ,
    parked_at            TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
    CHECK ((status = 'parked') = (parked_at IS NOT NULL))
);
-- The dispatcher's view: the pending rows of each recipient in order.
CREATE INDEX webhook_outbox_pending ON webhook_outbox (recipient_id_number, id) WHERE status = 'pending';
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at, id) WHERE status = 'pending';
-- The admin's list of parked rows, newest first.
CREATE INDEX webhook_outbox_parked ON webhook_outbox (id DESC) WHERE status = 'parked';

-- +goose Down
DROP TABLE webhook_outbox;
DROP INDEX notifications_unread_by_recipient;
ALTER TABLE notifications DROP COLUMN body_en, DROP COLUMN title_en;
