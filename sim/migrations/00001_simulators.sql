-- +goose Up
-- The built-in simulators of the outside systems keep their records here,
-- in their own schema, apart from gongji's production tables: a real fund
-- engine, card gateway or collection system keeps its own.

-- Fund policy per insurance type and medical type, versioned by date.
-- ILLUSTRATIVE sample values for the built-in settlement engine, not
-- Bortala's real rates: replace them with the pool's published policy.
CREATE TABLE sim.fund_policies (
    insutype        TEXT NOT NULL,
    medical_type    TEXT NOT NULL,
    effective_from  DATE NOT NULL,
    deductible      NUMERIC(14,2) NOT NULL CHECK (deductible >= 0),
    ratio           NUMERIC(5,4) NOT NULL CHECK (ratio >= 0 AND ratio <= 1),
    yearly_cap      NUMERIC(14,2) NOT NULL CHECK (yearly_cap >= 0),
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (insutype, medical_type, effective_from)
);
INSERT INTO sim.fund_policies (insutype, medical_type, effective_from, deductible, ratio, yearly_cap, note) VALUES
    ('310', 'outpatient',         '2021-01-01',  300.00, 0.5000,   3000.00, 'illustrative'),
    ('310', 'chronic_outpatient', '2021-01-01',    0.00, 0.7000,  20000.00, 'illustrative'),
    ('310', 'pharmacy',           '2021-01-01',    0.00, 0.0000,      0.00, 'illustrative: pharmacy purchases are personal'),
    ('310', 'inpatient',          '2021-01-01',  800.00, 0.8500, 300000.00, 'illustrative'),
    ('390', 'outpatient',         '2021-01-01',  100.00, 0.5000,    800.00, 'illustrative'),
    ('390', 'chronic_outpatient', '2021-01-01',    0.00, 0.6000,   8000.00, 'illustrative'),
    ('390', 'pharmacy',           '2021-01-01',    0.00, 0.0000,      0.00, 'illustrative: pharmacy purchases are personal'),
    ('390', 'inpatient',          '2021-01-01',  500.00, 0.7000, 200000.00, 'illustrative');

-- A patient's yearly use of each fund policy.
CREATE TABLE sim.fund_usage (
    id_number        CHAR(18) NOT NULL,
    year             INTEGER NOT NULL,
    insutype         TEXT NOT NULL,
    medical_type     TEXT NOT NULL,
    deductible_used  NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (deductible_used >= 0),
    fund_paid        NUMERIC(14,2) NOT NULL DEFAULT 0 CHECK (fund_paid >= 0),
    PRIMARY KEY (id_number, year, insutype, medical_type)
);

-- The fund's share of a settlement; idempotent on the settlement id.
CREATE TABLE sim.fund_settlements (
    settlement_id       TEXT PRIMARY KEY,
    id_number           CHAR(18) NOT NULL,
    year                INTEGER NOT NULL,
    insutype            TEXT NOT NULL,
    medical_type        TEXT NOT NULL,
    fund_pay            NUMERIC(14,2) NOT NULL CHECK (fund_pay >= 0),
    deductible_applied  NUMERIC(14,2) NOT NULL CHECK (deductible_applied >= 0),
    cancelled_at        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The card gateway's record of charges, so that a charge and its reversal
-- are idempotent on their key. A reversal (冲正) that finds no charge for
-- its key closes the key as voided, with no token or amount: a charge that
-- arrives later under that key is refused instead of captured.
CREATE TABLE sim.card_charges (
    charge_key   TEXT PRIMARY KEY,
    card_token   TEXT,
    amount       NUMERIC(14,2) CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('captured', 'declined', 'reversed', 'refunded', 'voided')),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT card_charges_charged_has_amount CHECK (status = 'voided' OR (card_token IS NOT NULL AND amount IS NOT NULL))
);

-- The urban-rural resident insurance (390) individual premium per year
-- (城乡居民医保个人缴费标准), the collection system's policy data.
-- ILLUSTRATIVE sample values, not Bortala's published rates: replace them
-- with the pool's policy for each year (a new row, not a code change).
CREATE TABLE sim.resident_premiums (
    year    INTEGER PRIMARY KEY CHECK (year BETWEEN 1000 AND 9999),
    amount  NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    note    TEXT NOT NULL DEFAULT ''
);
INSERT INTO sim.resident_premiums (year, amount, note) VALUES
    (2025, 380.00, 'illustrative'),
    (2026, 400.00, 'illustrative'),
    (2027, 400.00, 'illustrative');

-- The collection system's record of premiums posted (征缴), idempotent on
-- the payment id; a posting is cancelled when its payment is reversed.
-- Only one posted premium per person and year.
CREATE TABLE sim.premium_postings (
    payment_id             TEXT PRIMARY KEY,
    beneficiary_id_number  CHAR(18) NOT NULL,
    year                   INTEGER NOT NULL,
    amount                 NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    status                 TEXT NOT NULL CHECK (status IN ('posted', 'cancelled')),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX premium_postings_one_per_person_year ON sim.premium_postings (beneficiary_id_number, year)
    WHERE status = 'posted';

-- +goose Down
DROP TABLE sim.premium_postings;
DROP TABLE sim.resident_premiums;
DROP TABLE sim.card_charges;
DROP TABLE sim.fund_settlements;
DROP TABLE sim.fund_usage;
DROP TABLE sim.fund_policies;
