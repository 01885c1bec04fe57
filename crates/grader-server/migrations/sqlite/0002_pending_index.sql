-- Intake counts a token's pending submissions on every request: this index
-- holds only the pending rows, so the count costs what the token has
-- pending (at most `--pending-per-token`), not its whole history.
CREATE INDEX submissions_pending ON submissions (token_id)
    WHERE status IN ('queued', 'running');
