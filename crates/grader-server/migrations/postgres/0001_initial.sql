-- The schema of the SQLite store as of its migration 0003, in PostgreSQL's
-- dialect. Times are seconds since the Unix epoch, lease expiries
-- milliseconds, as in SQLite: the two stores share their row decoding.
CREATE TABLE tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('learner', 'author', 'admin')),
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE submissions (
    id          TEXT PRIMARY KEY,
    -- The order of arrival among submissions of one second.
    seq         BIGINT GENERATED ALWAYS AS IDENTITY,
    token_id    BIGINT NOT NULL REFERENCES tokens (id),
    exercise    TEXT NOT NULL,
    files       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done')),
    result      TEXT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    worker      TEXT,
    lease_until BIGINT,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT
);

-- The queue, oldest first: what a claim reads, and what the queue bound
-- counts.
CREATE INDEX submissions_queue ON submissions (created_at, seq)
    WHERE status = 'queued';
CREATE INDEX submissions_owner ON submissions (token_id, created_at);
-- Intake counts a token's pending submissions on every request: this index
-- holds only pending rows, so the count costs at most the bound.
CREATE INDEX submissions_pending ON submissions (token_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX submissions_leases ON submissions (lease_until)
    WHERE status = 'running';
