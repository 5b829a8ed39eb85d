-- +goose Up
-- An adult beneficiary (16 or older on the day of the request) consents to
-- being bound; younger ones are bound directly (not_required). A decline
-- ends the binding as 'declined'. A pending consent never reaches active.
ALTER TABLE bindings ADD COLUMN consent TEXT NOT NULL DEFAULT 'not_required'
    CHECK (consent IN ('not_required', 'pending', 'accepted', 'declined'));
ALTER TABLE bindings DROP CONSTRAINT bindings_status_check;
ALTER TABLE bindings ADD CONSTRAINT bindings_status_check CHECK (status IN ('awaiting_documents', 'under_review',
    'active', 'rejected', 'lapsed', 'expired', 'unbound', 'terminated', 'declined'));
ALTER TABLE bindings ADD CONSTRAINT bindings_declined_by_consent CHECK ((status = 'declined') = (consent = 'declined'));
ALTER TABLE bindings ADD CONSTRAINT bindings_active_with_consent CHECK (status <> 'active' OR consent <> 'pending');

-- +goose Down
-- Refuses (the status check fails) while a declined binding exists: the
-- old schema cannot say what happened to it.
ALTER TABLE bindings DROP CONSTRAINT bindings_active_with_consent;
ALTER TABLE bindings DROP CONSTRAINT bindings_declined_by_consent;
ALTER TABLE bindings DROP CONSTRAINT bindings_status_check;
ALTER TABLE bindings ADD CONSTRAINT bindings_status_check CHECK (status IN ('awaiting_documents', 'under_review',
    'active', 'rejected', 'lapsed', 'expired', 'unbound', 'terminated'));
ALTER TABLE bindings DROP COLUMN consent;
