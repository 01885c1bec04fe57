-- A client may name its submission with an `Idempotency-Key`: a retry with
-- the same key (per token) finds the first submission, never a second.
ALTER TABLE submissions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX submissions_idempotency
    ON submissions (token_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
