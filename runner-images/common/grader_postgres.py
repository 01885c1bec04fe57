"""A job's own PostgreSQL server: the one start-up of the images that run
one (the sql kind's engine, the api kind's `postgres` service).

The cluster was made at build time (runner-images/build/postgres-template.sh)
and kept as one tar; a job unpacks it on its tmpfs and starts the server
with SETTINGS, which every job's server shares, and what the caller adds
(where it listens, how many connections). Nothing here comes from a job.
"""

import os
import subprocess
import time

PG_BIN = "/usr/lib/postgresql/15/bin"
# The cluster initdb made at build time, as one file.
PG_TEMPLATE = "/opt/pg/template.tar"

# A throwaway server on a tmpfs, sized for one job: nothing is kept past the
# job (no fsync, no full pages), little memory, no JIT or parallel workers,
# temporary files and WAL capped, no background vacuum, quiet logs.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "temp_file_limit": "64MB",
    "max_wal_size": "32MB",
    "dynamic_shared_memory_type": "mmap",
    "autovacuum": "off",
    "log_min_messages": "fatal",
}


class Failed(Exception):
    """The server could not be made ready; the message says why."""


def unpack(folder):
    """Starts unpacking the template into `folder` (the caller may do other
    work meanwhile); `unpacked` waits for it."""
    return subprocess.Popen(
        ["tar", "-x", "-f", PG_TEMPLATE, "-C", folder],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def unpacked(unpacking, folder, data):
    """Waits for `unpack(folder)` and moves the cluster to `data`."""
    _, errors = unpacking.communicate()
    if unpacking.returncode != 0:
        raise Failed("the template cluster could not be unpacked: %s" % errors.decode("utf-8", "replace")[-2000:])
    os.rename(os.path.join(folder, "template"), data)
    os.chmod(data, 0o700)


def start(data, log_path, settings):
    """The server on the cluster in `data`, logging to `log_path`, with
    SETTINGS and `settings` (which win)."""
    argv = [os.path.join(PG_BIN, "postgres"), "-D", data]
    for key, value in {**SETTINGS, **settings}.items():
        argv += ["-c", "%s=%s" % (key, value)]
    with open(log_path, "wb") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def ready(server, connect, refused, log_path, deadline, pause):
    """A connection from `connect()` once the server takes them (its port
    or socket opens before it does); `refused` is the driver's error for
    "not yet". Fails if the server exits or `deadline` (monotonic) passes,
    with the end of its log."""
    while True:
        try:
            return connect()
        except refused:
            if server.poll() is not None or time.monotonic() > deadline:
                raise Failed("postgres did not start:\n" + log_tail(log_path)) from None
            time.sleep(pause)


def log_tail(path):
    try:
        with open(path, "rb") as log:
            return log.read()[-2000:].decode("utf-8", "replace")
    except OSError:
        return ""
