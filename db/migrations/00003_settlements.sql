-- +goose Up
-- A beneficiary's order of payer bindings; bindings not listed follow,
-- oldest first.
CREATE TABLE beneficiary_priorities (
    binding_id             TEXT PRIMARY KEY REFERENCES bindings (id),
    beneficiary_id_number  CHAR(18) NOT NULL,
    position               INTEGER NOT NULL,
    UNIQUE (beneficiary_id_number, position)
);

-- A settlement at a designated institution; one per (institution, visit).
CREATE TABLE settlements (
    id                  TEXT PRIMARY KEY,
    institution_code    CHAR(12) NOT NULL REFERENCES institutions (code),
    visit_no            TEXT NOT NULL,
    patient_id_number   CHAR(18) NOT NULL REFERENCES persons (id_number),
    cert_type           TEXT NOT NULL,
    medical_type        TEXT NOT NULL,
    service_date        DATE NOT NULL,
    insutype            TEXT NOT NULL,
    items               JSONB NOT NULL,
    use_family_account  BOOLEAN NOT NULL,
    topup_method        TEXT NOT NULL,
    request_hash        TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('processing', 'awaiting_topup', 'completed', 'failed', 'reversed', 'cancelled')),
    total               NUMERIC(14,2) NOT NULL CHECK (total >= 0),
    fund_pay            NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (fund_pay >= 0),
    family_account_pay  NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (family_account_pay >= 0),
    topup_pay           NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (topup_pay >= 0),
    topup_due           NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (topup_due >= 0),
    refusal_code        TEXT,
    refusal_message     TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (institution_code, visit_no),
    -- Money is conserved once a settlement is completed.
    CHECK (status <> 'completed' OR total = fund_pay + family_account_pay + topup_pay)
);
CREATE INDEX settlements_by_patient ON settlements (institution_code, patient_id_number, service_date);

-- Who paid from a shared account, in the order they paid.
CREATE TABLE settlement_payers (
    settlement_id     TEXT NOT NULL REFERENCES settlements (id),
    binding_id        TEXT NOT NULL REFERENCES bindings (id),
    holder_id_number  CHAR(18) NOT NULL,
    amount            NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    position          INTEGER NOT NULL,
    refunded          BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (settlement_id, binding_id)
);

-- The top-up collected at the counter.
CREATE TABLE topups (
    settlement_id  TEXT PRIMARY KEY REFERENCES settlements (id),
    method         TEXT NOT NULL CHECK (method IN ('cash', 'bank_card')),
    amount         NUMERIC(14,2) NOT NULL CHECK (amount >= 0),
    receipt_no     TEXT NOT NULL DEFAULT '',
    charge_id      TEXT NOT NULL DEFAULT '',
    refunded_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The steps a settlement took, for people to read; idempotent on step_key.
CREATE TABLE settlement_steps (
    id             BIGSERIAL PRIMARY KEY,
    settlement_id  TEXT NOT NULL REFERENCES settlements (id),
    step_key       TEXT NOT NULL UNIQUE,
    step           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '',
    amount         NUMERIC(14,2),
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX settlement_steps_by_settlement ON settlement_steps (settlement_id, id);

-- +goose Down
DROP TABLE settlement_steps;
DROP TABLE topups;
DROP TABLE settlement_payers;
DROP TABLE settlements;
DROP TABLE beneficiary_priorities;
