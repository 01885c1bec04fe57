-- Grading nodes, each kept by its heartbeat: the exercises it grades, and
-- until when it counts as alive (milliseconds since the Unix epoch). A
-- queued submission whose exercise no live node grades waits, and says so
-- in /v1/health and the metrics.
CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    exercises TEXT NOT NULL,
    alive_until BIGINT NOT NULL
);
