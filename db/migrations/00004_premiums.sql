-- +goose Up
-- A holder paying a bound family member's resident premium from the
-- shared account (the PremiumPayment saga, workflow premium:<id>).
-- usage_year is the Beijing calendar year of the payment, whose yearly
-- binding limit the premium uses (not the premium's year).
CREATE TABLE premium_payments (
    id                     TEXT PRIMARY KEY,
    holder_id_number       CHAR(18) NOT NULL REFERENCES persons (id_number),
    beneficiary_id_number  CHAR(18) NOT NULL REFERENCES persons (id_number),
    binding_id             TEXT NOT NULL REFERENCES bindings (id),
    year                   INTEGER NOT NULL,
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

-- +goose Down
DROP TABLE premium_payments;
