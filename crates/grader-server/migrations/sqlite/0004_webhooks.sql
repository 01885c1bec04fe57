-- A submission may name a URL to be told of its result (`callback_url`),
-- in its submitter's view (`callback_view`: 'learner' or 'author').
ALTER TABLE submissions ADD COLUMN callback_url TEXT;
ALTER TABLE submissions ADD COLUMN callback_view TEXT;

-- Each result to deliver, written in the transaction that stores the
-- result, so none is lost across a crash or restart. A sender claims a
-- due one by moving `next_at` (milliseconds) past its own attempt.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    url           TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    settled_at    INTEGER
);

CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';
