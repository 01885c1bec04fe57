-- A claim is a lease: the row is `running` for `worker` (`<node>/<index>`)
-- until `lease_until` (milliseconds since the Unix epoch), renewed by the
-- worker's heartbeat. Recovery requeues only rows whose lease ran out, so
-- a node never takes back what another live node is grading. Rows left
-- running before this migration have no lease: they count as expired.
ALTER TABLE submissions ADD COLUMN lease_until INTEGER;

CREATE INDEX submissions_leases ON submissions (lease_until)
    WHERE status = 'running';
