-- +goose Up
-- A replayed Idempotency-Key answer keeps the headers that belong to the
-- answer (Location of a 202 or 201, Content-Type, Content-Language), not only
-- its content type: they are stored as a JSON object of header name to
-- values, which takes the content_type column's place.
ALTER TABLE idempotency_keys ADD COLUMN response_headers JSONB NOT NULL DEFAULT '{}';
UPDATE idempotency_keys SET response_headers = jsonb_build_object('Content-Type', jsonb_build_array(content_type))
WHERE content_type IS NOT NULL AND content_type <> '';
ALTER TABLE idempotency_keys DROP COLUMN content_type;

-- +goose Down
ALTER TABLE idempotency_keys ADD COLUMN content_type TEXT;
UPDATE idempotency_keys SET content_type = response_headers -> 'Content-Type' ->> 0;
ALTER TABLE idempotency_keys DROP COLUMN response_headers;
