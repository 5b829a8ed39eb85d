-- +goose Up
-- An Idempotency-Key claim carries a token drawn at random for each claim:
-- only the request holding it may complete or release the key, so a first
-- holder that outlives its stale claim cannot overwrite the answer of the
-- request that took the claim over.
ALTER TABLE idempotency_keys ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';

-- A reversal (冲正) that finds no charge for its key closes the key: the
-- gateway records it as voided, and a charge that arrives later under that
-- key is refused instead of captured. A voided key has no token or amount.
ALTER TABLE card_charges ALTER COLUMN card_token DROP NOT NULL, ALTER COLUMN amount DROP NOT NULL;
ALTER TABLE card_charges DROP CONSTRAINT card_charges_status_check;
ALTER TABLE card_charges ADD CONSTRAINT card_charges_status_check
    CHECK (status IN ('captured', 'declined', 'reversed', 'refunded', 'voided'));
ALTER TABLE card_charges ADD CONSTRAINT card_charges_charged_has_amount
    CHECK (status = 'voided' OR (card_token IS NOT NULL AND amount IS NOT NULL));

-- A binding request is written before its workflow is started; the row
-- says whether the start was confirmed. A request whose start had no
-- answer is confirmed (or its workflow started) when the holder asks again.
ALTER TABLE bindings ADD COLUMN workflow_started BOOLEAN NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE bindings DROP COLUMN workflow_started;
DELETE FROM card_charges WHERE status = 'voided';
ALTER TABLE card_charges DROP CONSTRAINT card_charges_charged_has_amount;
ALTER TABLE card_charges DROP CONSTRAINT card_charges_status_check;
ALTER TABLE card_charges ADD CONSTRAINT card_charges_status_check
    CHECK (status IN ('captured', 'declined', 'reversed', 'refunded'));
ALTER TABLE card_charges ALTER COLUMN card_token SET NOT NULL, ALTER COLUMN amount SET NOT NULL;
ALTER TABLE idempotency_keys DROP COLUMN claim_token;
