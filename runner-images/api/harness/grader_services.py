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

`private` (the exercise's own app under the learner's tests, who run as
a user of their own) puts both on Unix sockets in the job user's 0700
folder instead of loopback ports: the learner's tests reach the app, never
its data nor the statements it sends (pg_stat_activity would show them).
"""

import os
import socket
import subprocess
import sys
import time

import grader_postgres

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


# The end of a service's log, for the message that says it did not start.
tail = grader_postgres.log_tail


def start_postgres(root, schema, private=False):
    import psycopg2

    data = os.path.join(root, "pg")
    log = os.path.join(root, "pg.log")
    host = root if private else "127.0.0.1"
    try:
        grader_postgres.unpacked(grader_postgres.unpack(root), root, data)
        server = grader_postgres.start(data, log, {
            "listen_addresses": "" if private else "127.0.0.1",
            "port": str(PG_PORT),
            "unix_socket_directories": root,
            "max_connections": "20",
            # A backend's process title would show every user what kind
            # of statement it runs, and when.
            "update_process_title": "off" if private else "on",
        })
        # The port opens before the server takes connections ("the database
        # system is starting up"): connect until it does.
        admin = grader_postgres.ready(
            server,
            lambda: psycopg2.connect(host=host, port=PG_PORT, user="grader", dbname="postgres"),
            psycopg2.OperationalError, log, time.monotonic() + START_DEADLINE, 0.02,
        )
    except grader_postgres.Failed as error:
        raise ServiceFailed(str(error)) from None
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("CREATE ROLE app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        cursor.execute("CREATE DATABASE app OWNER app")
    admin.close()
    if schema:
        conn = psycopg2.connect(host=host, port=PG_PORT, user="app", dbname="app")
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute(schema)
        except psycopg2.Error as error:
            raise ServiceFailed("the exercise's schema failed: %s" % error) from None
        finally:
            conn.close()
    if private:
        return {"DATABASE_URL": "postgresql://app@/app?host=%s&port=%d" % (root, PG_PORT)}
    return {"DATABASE_URL": "postgresql://app@127.0.0.1:%d/app" % PG_PORT}


def wait_socket(path, process, name, log):
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(path)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServiceFailed("%s did not start:\n%s" % (name, tail(log))) from None
            time.sleep(0.02)


def start_redis(root, private=False):
    log = os.path.join(root, "redis.log")
    where = ["--bind", "127.0.0.1", "--port", str(REDIS_PORT)]
    if private:
        path = os.path.join(root, "redis.sock")
        where = ["--port", "0", "--unixsocket", path, "--unixsocketperm", "700"]
    argv = [
        "/usr/bin/redis-server",
        *where,
        "--dir", root,
        "--save", "",
        "--appendonly", "no",
        "--maxmemory", "64mb",
        "--daemonize", "no",
        "--logfile", log,
    ]
    server = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if private:
        wait_socket(path, server, "redis", log)
        return {"REDIS_URL": "unix://%s?db=0" % path}
    wait_port(REDIS_PORT, server, "redis", log)
    return {"REDIS_URL": "redis://127.0.0.1:%d/0" % REDIS_PORT}


def start(work, services, schema, private=False):
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
            env.update(start_postgres(root, schema, private))
        elif name == "redis":
            env.update(start_redis(root, private))
        else:
            raise ServiceFailed("unknown service %r" % name)
    say("%s up in %d ms" % (", ".join(services), (time.monotonic() - started) * 1000))
    return env
