-- +goose Up
-- The urban-rural resident insurance (390) individual premium per year
-- (城乡居民医保个人缴费标准), policy data read by GET /v1/premiums/{year}.
-- ILLUSTRATIVE sample values, not Bortala's published rates: replace them
-- with the pool's policy for each year (a new row, not a code change).
CREATE TABLE resident_premiums (
    year    INTEGER PRIMARY KEY CHECK (year BETWEEN 1000 AND 9999),
    amount  NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    note    TEXT NOT NULL DEFAULT ''
);
INSERT INTO resident_premiums (year, amount, note) VALUES
    (2025, 380.00, 'illustrative'),
    (2026, 400.00, 'illustrative'),
    (2027, 400.00, 'illustrative');

-- A holder paying a bound family member's resident premium from the
-- shared account (the PremiumPayment saga, workflow premium:<id>).
-- usage_year is the Beijing calendar year of the payment, whose yearly
-- binding limit the premium uses (not the premium's year).
CREATE TABLE premium_payments (
    id                     TEXT PRIMARY KEY,
    holder_id_number       CHAR(18) NOT NULL REFERENCES persons (id_number),
    beneficiary_id_number  CHAR(18) NOT NULL REFERENCES persons (id_number),
    binding_id             TEXT NOT NULL REFERENCES bindings (id),
    year                   INTEGER NOT NULL REFERENCES resident_premiums (year),
    amount                 NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    usage_year             INTEGER NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('processing', 'completed', 'reversed')),
    refusal_code           TEXT,
    refusal_message        TEXT,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One premium per person and year: a second payment while one is
-- processing or completed is refused atomically (PREMIUM_ALREADY_PAID).
CREATE UNIQUE INDEX premium_payments_one_per_person_year ON premium_payments (beneficiary_id_number, year)
    WHERE status IN ('processing', 'completed');
CREATE INDEX premium_payments_by_holder ON premium_payments (holder_id_number, created_at DESC, id);

-- The built-in resident-insurance collection system's record of premiums
-- posted (征缴), idempotent on the payment id; a posting is cancelled when
-- its payment is reversed. Only one posted premium per person and year.
CREATE TABLE premium_postings (
    payment_id             TEXT PRIMARY KEY,
    beneficiary_id_number  CHAR(18) NOT NULL,
    year                   INTEGER NOT NULL,
    amount                 NUMERIC(14,2) NOT NULL CHECK (amount > 0),
    status                 TEXT NOT NULL CHECK (status IN ('posted', 'cancelled')),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX premium_postings_one_per_person_year ON premium_postings (beneficiary_id_number, year)
    WHERE status = 'posted';

-- +goose Down
DROP TABLE premium_postings;
DROP TABLE premium_payments;
DROP TABLE resident_premiums;
