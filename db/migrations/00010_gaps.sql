-- +goose Up
-- An Idempotency-Key claim carries a token drawn at random for each claim:
-- only the request holding it may complete or release the key, so a first
-- holder that outlives its stale claim cannot overwrite the answer of the
-- request that took the claim over.
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';

-- A binding request is written before its workflow is started; the row
-- says whether the start was confirmed. A request whose start had no
-- answer is confirmed (or its workflow started) when the holder asks again.
ALTER TABLE bindings ADD COLUMN workflow_started BOOLEAN NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE bindings DROP COLUMN workflow_started;
ALTER TABLE idempotency_keys DROP COLUMN claim_token;
