-- +goose Up
-- Every change of a beneficiary's payer order (beneficiary_priorities):
-- the order asked for, who asked (the beneficiary, or a parent holder for a
-- minor: role:subject) and when. An audit log: no foreign key, so that it
-- outlives what it names.
CREATE TABLE priority_changes (
    id                     BIGSERIAL PRIMARY KEY,
    beneficiary_id_number  CHAR(18) NOT NULL,
    binding_ids            TEXT[] NOT NULL,
    by_actor               TEXT NOT NULL,
    at                     TIMESTAMPTZ NOT NULL
);
CREATE INDEX priority_changes_by_beneficiary ON priority_changes (beneficiary_id_number, id);

-- +goose Down
DROP TABLE priority_changes;
