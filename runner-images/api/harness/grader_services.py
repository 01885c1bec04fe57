"""The services an api exercise asks for (`api.services` in exercise.yaml),
started inside the job's container before the learner's app, on loopback
only, with fresh data per job.

  postgres  PostgreSQL 15 on 127.0.0.1:5432. Its cluster was initialised
            at image build time (/opt/pg/template.tar, see customize.sh);
            each job unpacks it on its own tmpfs (/work/.services/pg),
            starts it,
            makes the role and database `app` (owner, not superuser) and
            runs the exercise's schema as `app`. The app gets
            DATABASE_URL=postgresql://app@127.0.0.1:5432/app.
  redis     redis-server 7 on 127.0.0.1:6379, empty, nothing saved to disk,
            a memory cap. The app gets REDIS_URL=redis://127.0.0.1:6379/0.

Both run as the job's user, inside the job's memory and pids limits, and
the container has no network but its loopback: nothing leaves it. They
are killed with everything else when the grader hangs up.
"""

import os
import socket
import subprocess
import sys
import time

PG_BIN = "/usr/lib/postgresql/15/bin"
PG_TEMPLATE = "/opt/pg/template.tar"
PG_PORT = 5432
REDIS_PORT = 6379
# How long a service may take to accept connections.
START_DEADLINE = 15.0


class ServiceFailed(Exception):
    """A service did not come up: the exercise's or the image's fault."""


def say(message):
    sys.stderr.write("grader-api: %s\n" % message)
    sys.stderr.flush()


def wait_port(port, process, name, log):
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServiceFailed("%s did not start:\n%s" % (name, tail(log))) from None
            time.sleep(0.02)


def tail(path):
    try:
        with open(path, "rb") as f:
            return f.read()[-2000:].decode("utf-8", "replace")
    except OSError:
        return ""


def start_postgres(root, schema):
    import psycopg2

    data = os.path.join(root, "pg")
    log = os.path.join(root, "pg.log")
    # One tar read from the image rather than its thousand small files.
    unpacked = subprocess.run(
        ["tar", "-x", "-f", PG_TEMPLATE, "-C", root],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    if unpacked.returncode != 0:
        raise ServiceFailed("postgres's template could not be unpacked: %s"
                            % unpacked.stderr.decode("utf-8", "replace")[-500:])
    os.rename(os.path.join(root, "template"), data)
    os.chmod(data, 0o700)
    settings = {
        "listen_addresses": "127.0.0.1",
        "port": str(PG_PORT),
        "unix_socket_directories": root,
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "16MB",
        "max_connections": "20",
        "jit": "off",
        "max_parallel_workers_per_gather": "0",
        "max_wal_size": "32MB",
        "dynamic_shared_memory_type": "mmap",
        "autovacuum": "off",
        "log_min_messages": "fatal",
    }
    argv = [os.path.join(PG_BIN, "postgres"), "-D", data]
    for key, value in settings.items():
        argv += ["-c", "%s=%s" % (key, value)]
    with open(log, "wb") as out:
        server = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    # The port opens before the server takes connections ("the database
    # system is starting up"): connect until it does.
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            admin = psycopg2.connect(
                host="127.0.0.1", port=PG_PORT, user="grader", dbname="postgres"
            )
            break
        except psycopg2.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise ServiceFailed("postgres did not start:\n%s" % tail(log)) from None
            time.sleep(0.02)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        cursor.execute("CREATE DATABASE app OWNER app")
    admin.close()
    if schema:
        conn = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="app", dbname="app")
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute(schema)
        except psycopg2.Error as error:
            raise ServiceFailed("the exercise's schema failed: %s" % error) from None
        finally:
            conn.close()
    return {"DATABASE_URL": "postgresql://app@127.0.0.1:%d/app" % PG_PORT}


def start_redis(root):
    log = os.path.join(root, "redis.log")
    argv = [
        "/usr/bin/redis-server",
        "--bind", "127.0.0.1",
        "--port", str(REDIS_PORT),
        "--dir", root,
        "--save", "",
        "--appendonly", "no",
        "--maxmemory", "64mb",
        "--daemonize", "no",
        "--logfile", log,
    ]
    server = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(REDIS_PORT, server, "redis", log)
    return {"REDIS_URL": "redis://127.0.0.1:%d/0" % REDIS_PORT}


def start(work, services, schema):
    """Starts `services` in order; returns the environment the app gets.
    Raises ServiceFailed."""
    env = {}
    if not services:
        return env
    root = os.path.join(work, ".services")
    os.makedirs(root, mode=0o700, exist_ok=True)
    started = time.monotonic()
    for name in services:
        if name == "postgres":
            env.update(start_postgres(root, schema))
        elif name == "redis":
            env.update(start_redis(root))
        else:
            raise ServiceFailed("unknown service %r" % name)
    say("%s up in %d ms" % (", ".join(services), (time.monotonic() - started) * 1000))
    return env
