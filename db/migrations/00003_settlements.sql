-- +goose Up
-- Fund policy per insurance type and medical type, versioned by date.
-- ILLUSTRATIVE sample values for the built-in settlement engine, not
-- Bortala's real rates: replace them with the pool's published policy.
CREATE TABLE fund_policies (
    insutype        TEXT NOT NULL,
    medical_type    TEXT NOT NULL,
    effective_from  DATE NOT NULL,
    deductible      NUMERIC(14,2) NOT NULL CHECK (deductible >= 0),
    ratio           NUMERIC(5,4) NOT NULL CHECK (ratio >= 0 AND ratio <= 1),
    yearly_cap      NUMERIC(14,2) NOT NULL CHECK (yearly_cap >= 0),
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (insutype, medical_type, effective_from)
);
INSERT INTO fund_policies (insutype, medical_type, effective_from, deductible, ratio, yearly_cap, note) VALUES
    ('310', 'outpatient',         '2021-01-01',  300.00, 0.5000,   3000.00, 'illustrative'),
    ('310', 'chronic_outpatient', '2021-01-01',    0.00, 0.7000,  20000.00, 'illustrative'),
    ('310', 'pharmacy',           '2021-01-01',    0.00, 0.0000,      0.00, 'illustrative: pharmacy purchases are personal'),
    ('310', 'inpatient',          '2021-01-01',  800.00, 0.8500, 300000.00, 'illustrative'),
    ('390', 'outpatient',         '2021-01-01',  100.00, 0.5000,    800.00, 'illustrative'),
    ('390', 'chronic_outpatient', '2021-01-01',    0.00, 0.6000,   8000.00, 'illustrative'),
    ('390', 'pharmacy',           '2021-01-01',    0.00, 0.0000,      0.00, 'illustrative: pharmacy purchases are personal'),
    ('390', 'inpatient',          '2021-01-01',  500.00, 0.7000, 200000.00, 'illustrative');

-- A patient's yearly use of each fund policy.
CREATE TABLE fund_usage (
    id_number        CHAR(18) NOT NULL REFERENCES persons (id_number),
    year             INTEGER NOT NULL,
    insutype         TEXT NOT NULL,
    medical_type     TEXT NOT NULL,
    deductible_used  NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (deductible_used >= 0),
    fund_paid        NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (fund_paid >= 0),
    PRIMARY KEY (id_number, year, insutype, medical_type)
);

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

-- The fund's share of a settlement; idempotent on the settlement id.
CREATE TABLE fund_settlements (
    settlement_id       TEXT PRIMARY KEY REFERENCES settlements (id),
    id_number           CHAR(18) NOT NULL,
    year                INTEGER NOT NULL,
    insutype            TEXT NOT NULL,
    medical_type        TEXT NOT NULL,
    fund_pay            NUMERIC(14,2) NOT NULL CHECK (fund_pay >= 0),
    deductible_applied  NUMERIC(14,2) NOT NULL CHECK (deductible_applied >= 0),
    cancelled_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

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

-- The built-in card gateway's record of charges, so that a charge and its
-- reversal are idempotent on their key.
CREATE TABLE card_charges (
    charge_key   TEXT PRIMARY KEY,
    card_token   TEXT NOT NULL,
    amount       NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('captured', 'declined', 'reversed', 'refunded')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE card_charges;
DROP TABLE settlement_steps;
DROP TABLE topups;
DROP TABLE settlement_payers;
DROP TABLE fund_settlements;
DROP TABLE settlements;
DROP TABLE beneficiary_priorities;
DROP TABLE fund_usage;
DROP TABLE fund_policies;
