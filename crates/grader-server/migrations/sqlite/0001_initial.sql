-- The schema as it was before migrations: `IF NOT EXISTS`, so a database
-- created by an earlier `grader serve` takes this migration as applied.
CREATE TABLE IF NOT EXISTS tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('learner', 'author', 'admin')),
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS submissions (
    id          TEXT PRIMARY KEY,
    token_id    INTEGER NOT NULL REFERENCES tokens (id),
    exercise    TEXT NOT NULL,
    files       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done')),
    result      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    worker      TEXT,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
);

CREATE INDEX IF NOT EXISTS submissions_queue ON submissions (status, created_at);
CREATE INDEX IF NOT EXISTS submissions_owner ON submissions (token_id, created_at);
