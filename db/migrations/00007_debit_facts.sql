-- +goose Up
-- When a death was recorded (clock time, taken under the person's row
-- lock): the invariant "no debit dated on or after the holder's death"
-- looks only at debits made after the death was known.
ALTER TABLE persons ADD COLUMN death_recorded_at TIMESTAMPTZ;
UPDATE persons SET death_recorded_at = updated_at WHERE death_date IS NOT NULL;

-- The binding repair walks the live bindings in id order.
CREATE INDEX bindings_live_by_id ON bindings (id) WHERE status IN ('awaiting_documents', 'under_review', 'active');

-- +goose Down
DROP INDEX bindings_live_by_id;
ALTER TABLE persons DROP COLUMN death_recorded_at;
