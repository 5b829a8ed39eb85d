-- +goose Up
CREATE TABLE persons (
    id_number   CHAR(18) PRIMARY KEY,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    death_date  DATE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE enrolments (
    id_number   CHAR(18) PRIMARY KEY REFERENCES persons (id_number),
    insutype    TEXT NOT NULL,
    admdvs      CHAR(6) NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('normal', 'suspended', 'terminated')),
    arrears     BOOLEAN NOT NULL DEFAULT false,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A personal account. balance caches opening_balance + sum(ledger_entries.amount)
-- and may never go below zero.
CREATE TABLE accounts (
    id_number        CHAR(18) PRIMARY KEY REFERENCES persons (id_number),
    opening_balance  NUMERIC(14,2) NOT NULL CHECK (opening_balance >= 0),
    balance          NUMERIC(14,2) NOT NULL CHECK (balance >= 0),
    status           TEXT NOT NULL CHECK (status IN ('normal', 'frozen')),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Append-only ledger: one row per money movement, each idempotent on its
-- business key.
CREATE TABLE ledger_entries (
    id                     BIGSERIAL PRIMARY KEY,
    account_id_number      CHAR(18) NOT NULL REFERENCES accounts (id_number),
    amount                 NUMERIC(14,2) NOT NULL CHECK (amount <> 0),
    kind                   TEXT NOT NULL,
    business_key           TEXT NOT NULL UNIQUE,
    reference              TEXT NOT NULL DEFAULT '',
    settlement_id          TEXT,
    binding_id             TEXT,
    beneficiary_id_number  CHAR(18),
    institution_code       CHAR(12),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account_newest ON ledger_entries (account_id_number, id DESC);

-- +goose StatementBegin
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_no_update_or_delete
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE institutions (
    code        CHAR(12) PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('hospital', 'pharmacy')),
    admdvs      CHAR(6) NOT NULL,
    designated  BOOLEAN NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- 异地就医备案 filings.
CREATE TABLE filings (
    id_number    CHAR(18) NOT NULL REFERENCES persons (id_number),
    filing_no    TEXT NOT NULL,
    admdvs_to    CHAR(6) NOT NULL,
    valid_from   DATE NOT NULL,
    valid_until  DATE NOT NULL CHECK (valid_until >= valid_from),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (id_number, filing_no)
);

-- Versioned policy data: which relations may be bound, from which date.
-- Widening the set (e.g. to 近亲属) is a new row, not a code change.
CREATE TABLE relation_policies (
    version         TEXT PRIMARY KEY,
    effective_from  DATE NOT NULL UNIQUE,
    relations       TEXT[] NOT NULL,
    note            TEXT NOT NULL DEFAULT ''
);
INSERT INTO relation_policies (version, effective_from, relations, note) VALUES
    ('2021', '2021-01-01', ARRAY['spouse', 'parent', 'child'],
     'National guidance 2021 (国办发〔2021〕14号): spouse, parents, children.');

-- Idempotency-Key records: one per caller, method, path and key.
CREATE TABLE idempotency_keys (
    caller         TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status_code    INTEGER,
    response_body  BYTEA,
    content_type   TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at   TIMESTAMPTZ,
    PRIMARY KEY (caller, method, path, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE relation_policies;
DROP TABLE filings;
DROP TABLE institutions;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_entries_append_only();
DROP TABLE accounts;
DROP TABLE enrolments;
DROP TABLE persons;
