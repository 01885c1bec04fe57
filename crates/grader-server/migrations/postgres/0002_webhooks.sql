-- A submission may name a URL to be told of its result (`callback_url`),
-- in its submitter's view (`callback_view`: 'learner' or 'author').
ALTER TABLE submissions ADD COLUMN callback_url TEXT;
ALTER TABLE submissions ADD COLUMN callback_view TEXT;

-- Each result to deliver, written in the transaction that stores the
-- result, so none is lost across a crash or restart. A sender claims a
-- due one by moving `next_at` (milliseconds) past its own attempt.
CREATE TABLE deliveries (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    url           TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    settled_at    BIGINT
);

CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';
