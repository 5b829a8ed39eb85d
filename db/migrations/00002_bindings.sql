-- +goose Up
-- A binding (共济关系) between a holder and a family member: the read model
-- the BindingLifecycle workflow keeps and settlements read.
CREATE TABLE bindings (
    id                     TEXT PRIMARY KEY,
    holder_id_number       CHAR(18) NOT NULL REFERENCES persons (id_number),
    beneficiary_id_number  CHAR(18) NOT NULL REFERENCES persons (id_number),
    relation               TEXT NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('awaiting_documents', 'under_review', 'active',
                               'rejected', 'lapsed', 'expired', 'unbound', 'terminated')),
    annual_limit           NUMERIC(14,2) CHECK (annual_limit >= 0),
    valid_from             DATE,
    valid_until            DATE,
    requested_at           TIMESTAMPTZ NOT NULL,
    submitted_at           TIMESTAMPTZ,
    ended_at               TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (holder_id_number <> beneficiary_id_number)
);
-- Only one live binding per (holder, beneficiary).
CREATE UNIQUE INDEX bindings_one_live_per_pair ON bindings (holder_id_number, beneficiary_id_number)
    WHERE status IN ('awaiting_documents', 'under_review', 'active');
CREATE INDEX bindings_by_holder ON bindings (holder_id_number, requested_at DESC, id);
CREATE INDEX bindings_by_beneficiary ON bindings (beneficiary_id_number, requested_at DESC, id);
CREATE INDEX bindings_review_queue ON bindings (status, submitted_at, id) WHERE submitted_at IS NOT NULL;

-- Who did what to a binding, when and why. event_key makes each write
-- idempotent when an activity is retried.
CREATE TABLE binding_history (
    id          BIGSERIAL PRIMARY KEY,
    binding_id  TEXT NOT NULL REFERENCES bindings (id),
    at          TIMESTAMPTZ NOT NULL,
    event       TEXT NOT NULL,
    by_actor    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    event_key   TEXT NOT NULL UNIQUE
);
CREATE INDEX binding_history_by_binding ON binding_history (binding_id, id);

-- Yearly usage of a binding's limit, per calendar year in Beijing time.
CREATE TABLE binding_usage (
    binding_id  TEXT NOT NULL REFERENCES bindings (id),
    year        INTEGER NOT NULL,
    used        NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (binding_id, year)
);

-- Relationship proofs. The content stays here; workflows only see ids.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    binding_id   TEXT NOT NULL REFERENCES bindings (id),
    kind         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       CHAR(64) NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX documents_by_binding ON documents (binding_id, created_at);

-- The in-app inbox. dedup_key makes each notification idempotent.
CREATE TABLE notifications (
    id                     BIGSERIAL PRIMARY KEY,
    recipient_id_number    CHAR(18) NOT NULL,
    kind                   TEXT NOT NULL,
    title                  TEXT NOT NULL,
    body                   TEXT NOT NULL,
    binding_id             TEXT,
    settlement_id          TEXT,
    amount                 NUMERIC(14,2),
    read                   BOOLEAN NOT NULL DEFAULT false,
    dedup_key              TEXT NOT NULL UNIQUE,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_recipient ON notifications (recipient_id_number, id DESC);

-- +goose Down
DROP TABLE notifications;
DROP TABLE documents;
DROP TABLE binding_usage;
DROP TABLE binding_history;
DROP TABLE bindings;
