"""The sql kind's harness: runs the reference and the submission on fresh
databases and reports their rows; the grader compares them on the host.

The job manifest's "sql" object names the engines, the mode (`query`: one
read-only statement; `script`: DDL/DML followed by the author's checks), the
schema, the datasets and the two solutions. For every engine and dataset this
builds a fresh database from the schema and the dataset, runs each solution,
and writes one JSON line per outcome through the report channel
(grader_channel.py):

  {"event": "engine", "engine": "postgres", "ready_ms": 412}
  {"event": "outcome", "engine": "sqlite", "dataset": "visible.sql",
   "check": null, "who": "submission",
   "rows": {"columns": [...], "rows": [[{"int": 1}, null, ...]], "more": false}}
  {"event": "outcome", ..., "error": "no such column: nme"}
  {"event": "setup_error", "engine": ..., "dataset": ..., "message": ...}
  {"event": "done"}

A cell is null (SQL NULL) or a one-key object naming its type: int, real,
decimal, text, bool, bytes. The learner's SQL runs with no right to write
(query mode), under a statement timeout enforced twice: by the engine and by
a watchdog here that cancels it.
"""

import datetime
import decimal
import json
import os
import re
import select
import sqlite3
import sys
import threading
import time

import grader_postgres
from grader_channel import Channel

# The server: common/grader_postgres.py, on the cluster made at build time
# with template1 alone (customize.sh). On the job's scratch tmpfs (/work), sized for a cluster and its databases.
PG_SOCKET = "/work/.pg"
PG_DATA = "/work/.pg/data"
PG_LOG = "/work/.pg/server.log"
SUPERUSER = "grader"
LEARNER = "learner"
# What one statement of the learner's may use: memory for a sort or a hash
# before it spills to temporary files, and those files in all. Below the
# job's file size limit (16 MiB), so that a runaway sort ends on this limit,
# with one clear error, and never on the file system's (`File too large`)
# nor the job's memory (the files are on a tmpfs).
LEARNER_WORK_MEM = "4MB"
LEARNER_TEMP_FILE_LIMIT = "8MB"
RESOURCE_MESSAGE = (
    "stopped: the statement needs more memory or temporary space than it may "
    "use; it sorts, groups or joins far more rows than it should: check its "
    "joins and their conditions"
)


class Reporter:
    def __init__(self, key):
        sys.stdout.flush()
        self.channel = Channel(sys.stdout.fileno(), key)

    def emit(self, event):
        self.channel.emit(event)


def cell(value):
    """One value as the host reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return {"int": value}
        return {"decimal": str(value)}
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"decimal": str(value)}
        return {"real": value}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return {"text": value.isoformat()}
    if isinstance(value, (list, dict)):
        return {"text": json.dumps(value, sort_keys=True, default=str)}
    return {"text": str(value)}


def rows_of(cursor, max_rows):
    # Fetched first: a server-side cursor knows its columns only then.
    server_side = getattr(cursor, "name", None) is not None
    fetched = cursor.fetchmany(max_rows) if server_side or cursor.description is not None else []
    if cursor.description is None:
        return {"columns": [], "rows": [], "more": False}
    columns = [column[0] for column in cursor.description]
    rows = [[cell(value) for value in row] for row in fetched]
    more = bool(cursor.fetchmany(1))
    return {"columns": columns, "rows": rows, "more": more}


class Watchdog:
    """Calls `cancel` if the statement outlives `seconds`."""

    def __init__(self, seconds, cancel):
        self.fired = False

        def fire():
            self.fired = True
            cancel()

        self.timer = threading.Timer(seconds, fire)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        return False


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# --- SQLite -------------------------------------------------------------------

# What a query may do: read, and call functions. Nothing else is authorised.
SQLITE_READ_ONLY = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
# What a script may not do: reach other files or load code.
SQLITE_SCRIPT_DENIED = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH, sqlite3.SQLITE_PRAGMA}


# SQLite's whole heap in this process, in bytes.
SQLITE_HEAP_LIMIT = 32 << 20


class Sqlite:
    name = "sqlite"

    def __init__(self, job):
        self.job = job

    def start(self):
        pass

    def stop(self):
        pass

    def dataset(self, schema, data):
        return SqliteDataset(self, schema, data)

    def fresh(self, schema, dataset):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        # A sort or an index too big for memory stays in memory (the job's
        # /tmp is a tmpfs anyway), under a cap: past it, SQLite fails the
        # statement with "out of memory" instead of the job running out.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA hard_heap_limit = %d" % SQLITE_HEAP_LIMIT)
        conn.executescript(schema)
        conn.executescript(dataset)
        return conn

    def _guarded(self, conn, run):
        deadline = time.monotonic() + self.job["timeout"]
        state = {"stopped": False}

        def progress():
            if time.monotonic() > deadline:
                state["stopped"] = True
                return 1
            return 0

        conn.set_progress_handler(progress, 1000)
        try:
            return run()
        except sqlite3.Error as error:
            if state["stopped"]:
                raise Stopped() from None
            raise error
        finally:
            conn.set_progress_handler(None, 0)

    def query(self, conn, sql):
        def authorize(action, *_):
            return sqlite3.SQLITE_OK if action in SQLITE_READ_ONLY else sqlite3.SQLITE_DENY

        conn.set_authorizer(authorize)
        try:
            return self._guarded(
                conn, lambda: rows_of(conn.execute(sql), self.job["max_rows"])
            )
        finally:
            conn.set_authorizer(None)

    @staticmethod
    def _script_authorizer(action, arg1, *_):
        if action in SQLITE_SCRIPT_DENIED:
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and arg1 == "load_extension":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def script(self, conn, sql):
        conn.set_authorizer(self._script_authorizer)
        try:
            self._guarded(conn, lambda: conn.executescript(sql))
        finally:
            conn.set_authorizer(None)
        if conn.in_transaction:
            conn.execute("COMMIT")

    def check(self, conn, sql):
        # Under the script's authorizer: a trigger the script left on a
        # table fires here and may not reach other files either.
        conn.set_authorizer(self._script_authorizer)
        conn.execute("SAVEPOINT grader_check")
        try:
            return self._guarded(
                conn, lambda: rows_of(conn.execute(sql), self.job["max_rows"])
            )
        finally:
            try:
                conn.execute("RELEASE grader_check")
            except sqlite3.Error:  # noqa: S110 - see below
                # An interrupted statement rolls the whole transaction
                # back, the savepoint with it.
                pass
            conn.set_authorizer(None)


class SqliteDataset:
    """One dataset on SQLite: a database of its own in memory for each run,
    the first one loaded at once, so a schema that fails says so before any
    run."""

    def __init__(self, engine, schema, data):
        self.engine = engine
        self.schema = schema
        self.data = data
        self.first = engine.fresh(schema, data)

    def fresh(self):
        conn, self.first = self.first, None
        return conn if conn is not None else self.engine.fresh(self.schema, self.data)

    def release(self, conn):
        conn.close()

    def close(self):
        if self.first is not None:
            self.first.close()


# --- PostgreSQL ---------------------------------------------------------------


# Type OIDs of PostgreSQL's date and time types.
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIMETZ = 1082, 1083, 1114, 1184, 1186, 1266
# Empty databases made ahead while a warm container waits for its job: one
# per dataset of most exercises.
SPARE_DATABASES = 3
# How long a container waits for its job before it starts the server.
YIELD_SECONDS = 0.5
# Databases a job keeps when done with them, before it drops the oldest.
KEPT_DATABASES = 4


def load_psycopg2():
    import psycopg2
    import psycopg2.extensions

    # Dates, times and intervals come as PostgreSQL writes them, as psql
    # shows them: `2012-09-01 08:44:42`, `1 mon 2 days` (Python's
    # timedelta would fold a month into 30 days and print `32 days,
    # 0:00:00`).
    psycopg2.extensions.register_type(
        psycopg2.extensions.new_type(
            (DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIMETZ),
            "GRADER_AS_TEXT",
            lambda value, cursor: value,
        )
    )
    return psycopg2


class Server:
    """The job's own PostgreSQL server, on its tmpfs, with the learner's role
    and empty databases made ahead. Nothing in it comes from the job: it may
    be started before the job exists (`prestart`)."""

    def __init__(self):
        self.psycopg2 = None
        self.process = None
        self.admin = None
        self.spare = []
        self.kept = []
        self.count = 0
        self.ready_ms = 0

    def start(self):
        started = time.monotonic()
        os.makedirs(PG_SOCKET, mode=0o700, exist_ok=True)
        # One tar read from the image, rather than its thousand small files;
        # psycopg2 is imported while tar waits on the image's file system.
        unpacking = grader_postgres.unpack(PG_SOCKET)
        self.psycopg2 = load_psycopg2()
        try:
            grader_postgres.unpacked(unpacking, PG_SOCKET, PG_DATA)
            self.process = grader_postgres.start(PG_DATA, PG_LOG, {
                "listen_addresses": "",
                "unix_socket_directories": PG_SOCKET,
                "max_connections": "8",
            })
            # template1: the cluster has no other database (and a database
            # may be made from the one its maker is in).
            admin = grader_postgres.ready(
                self.process, lambda: self.connect("template1", SUPERUSER),
                self.psycopg2.OperationalError, PG_LOG, time.monotonic() + 20, 0.005,
            )
        except grader_postgres.Failed as error:
            raise EngineFailed(str(error)) from None
        admin.autocommit = True
        with admin.cursor() as cursor:
            # The learner's role: no superuser, no file or program access (it
            # is in none of pg_read_server_files, pg_write_server_files,
            # pg_execute_server_program), no database or role creation.
            cursor.execute(
                "CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 2" % LEARNER
            )
        self.admin = admin
        self.ready_ms = int((time.monotonic() - started) * 1000)

    def make_spare(self):
        """One more empty database, for a dataset to come, with the
        superuser's connection that will load it."""
        name = self.create()
        self.spare.append((name, self.owner(name)))

    def owner(self, name):
        owner = self.connect(name, SUPERUSER)
        owner.autocommit = True
        return owner

    def connect(self, dbname, user):
        return self.psycopg2.connect(host=PG_SOCKET, dbname=dbname, user=user)

    def create(self, template=None):
        """A new database, empty or a copy of `template`; its name."""
        self.count += 1
        name = "d%d" % self.count
        with self.admin.cursor() as cursor:
            if template is None:
                cursor.execute("CREATE DATABASE %s STRATEGY = FILE_COPY" % name)
            else:
                cursor.execute(
                    "CREATE DATABASE %s TEMPLATE %s STRATEGY = FILE_COPY" % (name, template)
                )
        return name

    def take(self):
        """An empty database, made ahead or now, and a superuser's
        connection to it."""
        if self.spare:
            return self.spare.pop(0)
        name = self.create()
        return name, self.owner(name)

    def drop(self, name):
        """Done with `name`. Its files are on the job's tmpfs, which counts
        as memory, and go with the container: only past KEPT_DATABASES are
        the oldest dropped (a drop costs a checkpoint)."""
        self.kept.append(name)
        while len(self.kept) > KEPT_DATABASES:
            with self.admin.cursor() as cursor:
                cursor.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.kept.pop(0))

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def prestart(stdin):
    """Starts the server before the job exists (entry.py, when the container
    is made for a sql job on PostgreSQL), then makes empty databases while
    no job has come on `stdin`. What fails is said when the job runs.

    A warm pool makes this container as a job takes the one before it:
    it first waits YIELD_SECONDS, or until its own job comes (a cold
    container's comes at once), so that starting a server does not compete
    for the machine's CPUs with that job."""
    select.select([stdin], [], [], YIELD_SECONDS)
    try:
        server = Server()
        server.start()
    except Exception as error:  # noqa: BLE001 - reported with the job
        return StartFailed(str(error))
    for _ in range(SPARE_DATABASES):
        waiting, _, _ = select.select([stdin], [], [], 0)
        if waiting:
            break
        try:
            server.make_spare()
        except Exception:  # noqa: BLE001 - the job makes its own instead
            break
    return server


class StartFailed:
    """A server that could not be started before the job."""

    def __init__(self, message):
        self.message = message


class Postgres:
    name = "postgres"

    def __init__(self, job, server=None):
        self.job = job
        self.server = server
        self.prestarted = server is not None

    def start(self):
        if isinstance(self.server, StartFailed):
            raise EngineFailed(self.server.message)
        if self.server is None:
            self.server = Server()
            self.server.start()
        self.psycopg2 = self.server.psycopg2
        self.admin = self.server.admin

    def reset_learner(self):
        """The learner's role as new before every run: a script may have
        changed its settings (`ALTER ROLE learner SET …`), which would
        otherwise carry into the next run, a reference's included."""
        timeout = int(self.job["timeout"] * 1000)
        with self.admin.cursor() as cursor:
            cursor.execute("ALTER ROLE %s RESET ALL" % LEARNER)
            cursor.execute("ALTER ROLE %s SET statement_timeout = %d" % (LEARNER, timeout))
            cursor.execute(
                "ALTER ROLE %s SET idle_in_transaction_session_timeout = %d" % (LEARNER, timeout)
            )
            # temp_file_limit only a superuser may change; work_mem is the
            # planner's budget before it spills.
            cursor.execute("ALTER ROLE %s SET work_mem = '%s'" % (LEARNER, LEARNER_WORK_MEM))
            cursor.execute(
                "ALTER ROLE %s SET temp_file_limit = '%s'" % (LEARNER, LEARNER_TEMP_FILE_LIMIT)
            )
            path = self.job.get("search_path")
            if path:
                cursor.execute(
                    "ALTER ROLE %s SET search_path = %s"
                    % (LEARNER, ", ".join(quote_ident(name) for name in path))
                )

    def stop(self):
        if self.server is not None and not isinstance(self.server, StartFailed):
            self.server.stop()

    def dataset(self, schema, data):
        """The schema and the dataset, loaded once (see `PgDataset`)."""
        name, owner = self.server.take()
        try:
            self.load(owner, schema, data)
        except Exception:
            self.server.drop(name)
            raise
        return PgDataset(self, name)

    def load(self, owner, schema, data):
        try:
            with owner.cursor() as cursor:
                cursor.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
                if schema.strip():
                    cursor.execute(schema)
                if data.strip():
                    cursor.execute(data)
                for namespace in self.job.get("search_path") or ["public"]:
                    self.grant(cursor, namespace)
        finally:
            owner.close()

    def grant(self, cursor, name):
        """The learner's rights on one schema of the search path: read its
        tables (query), or own them (script)."""
        namespace = quote_ident(name)
        cursor.execute("GRANT USAGE ON SCHEMA %s TO %s" % (namespace, LEARNER))
        if self.job["mode"] == "query":
            cursor.execute("GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s" % (namespace, LEARNER))
            return
        # A script may change the tables it is given (ALTER TABLE, CREATE
        # INDEX): the learner owns them, nothing else.
        cursor.execute("GRANT CREATE ON SCHEMA %s TO %s" % (namespace, LEARNER))
        cursor.execute(
            "SELECT format('ALTER TABLE %%I.%%I OWNER TO " + LEARNER + "', n.nspname, c.relname) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
            (name,),
        )
        for (statement,) in cursor.fetchall():
            cursor.execute(statement)
        cursor.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA %s TO %s" % (namespace, LEARNER))

    def _guarded(self, conn, run):
        watchdog = Watchdog(self.job["timeout"] + 0.5, conn.cancel)
        try:
            with watchdog:
                return run()
        except self.psycopg2.Error as error:
            if watchdog.fired or getattr(error, "pgcode", None) == "57014":
                conn.rollback()
                raise Stopped() from None
            conn.rollback()
            raise

    def query(self, learner, sql):
        learner.set_session(readonly=True, autocommit=False)

        def run():
            # A server-side cursor: rows come as they are fetched, so a
            # query with millions of rows costs the rows kept, never the
            # whole result in this process's memory. Anything but a query
            # (which the grader refused before) runs as it is, to be refused
            # by the read-only transaction.
            with learner.cursor(name=name) as cursor:
                cursor.execute(sql)
                return rows_of(cursor, self.job["max_rows"])

        name = CURSOR if is_query(sql) else None
        try:
            return self._guarded(learner, run)
        except self.psycopg2.Error as error:
            if name is None:
                raise
            raise QueryFailed(error, sql) from None
        finally:
            learner.rollback()

    def script(self, learner, sql):
        learner.set_session(readonly=False, autocommit=True)

        def run():
            with learner.cursor() as cursor:
                cursor.execute(sql)

        self._guarded(learner, run)

    def check(self, learner, sql):
        # As the learner's role, never a superuser: the script may have put
        # triggers on the tables, and a trigger runs with the rights of
        # whoever fires it.
        learner.set_session(readonly=False, autocommit=False)

        def run():
            with learner.cursor() as cursor:
                cursor.execute(sql)
                return rows_of(cursor, self.job["max_rows"])

        rows = self._guarded(learner, run)
        learner.commit()
        return rows


class PgDataset:
    """One dataset on PostgreSQL, loaded once.

    Query mode: the reference and then the submission read the one loaded
    database, each on a connection of its own in a read-only transaction,
    as the learner's role, which may only SELECT there. The reference reads
    first, so nothing the submission runs can reach the rows it saw; and the
    submission can change nothing anyway: a read-only transaction writes
    neither a table nor a sequence nor a role's settings.

    Script mode: the loaded database is a template nobody connects to; the
    reference and the submission each get a copy of it, which the script
    changes, and which is dropped after its checks."""

    def __init__(self, engine, name):
        self.engine = engine
        self.name = name
        self.copies = {}
        if engine.job["mode"] == "script":
            with engine.admin.cursor() as cursor:
                cursor.execute("ALTER DATABASE %s ALLOW_CONNECTIONS false" % name)

    def fresh(self):
        """A connection as the learner for one run."""
        server = self.engine.server
        self.engine.reset_learner()
        if self.engine.job["mode"] == "query":
            return server.connect(self.name, LEARNER)
        copy = server.create(template=self.name)
        try:
            learner = server.connect(copy, LEARNER)
        except Exception:
            server.drop(copy)
            raise
        self.copies[id(learner)] = copy
        return learner

    def release(self, learner):
        learner.close()
        copy = self.copies.pop(id(learner), None)
        if copy is not None:
            self.engine.server.drop(copy)

    def close(self):
        self.engine.server.drop(self.name)


class Stopped(Exception):
    """The statement outlived the timeout."""


class EngineFailed(Exception):
    """The engine could not be started: not the learner's doing."""


CURSOR = "grader_query"
# What psycopg2 puts before a query it runs in a server-side cursor.
DECLARE = 'DECLARE "%s" CURSOR WITHOUT HOLD FOR ' % CURSOR
LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.S)


def is_query(sql):
    """Whether `sql` starts as a query does (`SELECT`, `WITH`, `VALUES`,
    `TABLE`), after comments, blanks and parentheses."""
    rest = sql[LEADING.match(sql).end():]
    word = re.match(r"[A-Za-z]+", rest)
    return bool(word) and word.group(0).upper() in ("SELECT", "WITH", "VALUES", "TABLE")


class QueryFailed(Exception):
    """A query run in the server-side cursor failed: its error as if the
    query had run as written. PostgreSQL quotes the statement it got, which
    began with the cursor's `DECLARE`: the quote is made again from the
    learner's own text, the caret under the place the server named."""

    def __init__(self, error, sql):
        super().__init__()
        self.pgcode = getattr(error, "pgcode", None)
        text = str(getattr(error, "pgerror", None) or error).rstrip()
        lines = text.split("\n")
        kept, skip = [], False
        for line in lines:
            if skip:
                skip = False
                if line.strip() == "^":
                    continue
            if line.startswith("LINE "):
                skip = True
                continue
            kept.append(line)
        diag = getattr(error, "diag", None)
        position = getattr(diag, "statement_position", None)
        if position and str(position).isdigit() and int(position) > len(DECLARE):
            offset = int(position) - len(DECLARE) - 1
            before = sql[:offset]
            number = before.count("\n") + 1
            column = offset - (before.rfind("\n") + 1)
            line = sql.split("\n")[number - 1]
            label = "LINE %d: " % number
            if len(line) <= 200:
                kept.insert(1, label + line)
                kept.insert(2, " " * (len(label) + column) + "^")
        self.pgerror = "\n".join(kept)

    def __str__(self):
        return self.pgerror


def quote_ident(name):
    return '"%s"' % name.replace('"', '""')


# SQLSTATEs of a statement that ran out of a resource: disk full, out of
# memory, a configured limit (temp_file_limit), a program limit.
RESOURCE_STATES = ("53100", "53200", "53400", "54000")
RESOURCE_TEXTS = ("File too large", "No space left on device", "database or disk is full",
                  "out of memory", "temp_file_limit")
# A quoted path of the server's or the container's files, as in `could not
# write to file "base/pgsql_tmp/pgsql_tmp42.0"`: nothing a learner can use.
INTERNAL_PATH = re.compile(r'"(?:base|global|pg_tblspc|pg_wal|pg_stat_tmp|/)[^"]*"')


def error_text(error):
    message = str(getattr(error, "pgerror", None) or error).strip()
    if message.startswith("ERROR:"):
        message = message[len("ERROR:"):].strip()
    code = getattr(error, "pgcode", None) or ""
    # SQLite's "out of memory" reaches Python as a MemoryError.
    if isinstance(error, MemoryError) or code in RESOURCE_STATES or any(text in message for text in RESOURCE_TEXTS):
        return RESOURCE_MESSAGE
    return INTERNAL_PATH.sub("a file of the server", message)[:2000]


def error_class(error):
    """`constraint` when a constraint refused a write (SQLSTATE class 23,
    SQLite's IntegrityError), else `other`."""
    code = getattr(error, "pgcode", None) or ""
    if code.startswith("23") or isinstance(error, sqlite3.IntegrityError):
        return "constraint"
    return "other"


def outcome(run, timeout):
    started = time.monotonic()
    try:
        result = {"rows": run()}
    except Stopped:
        result = {"error": "stopped by the statement timeout (%gs)" % timeout, "timeout": True}
    except Exception as error:  # noqa: BLE001 - every database error is an outcome to report
        result = {"error": error_text(error), "class": error_class(error)}
    result["ms"] = int((time.monotonic() - started) * 1000)
    return result


def run_engine(engine, job, report):
    started = time.monotonic()
    try:
        engine.start()
    except EngineFailed as error:
        report.emit({"event": "engine_error", "engine": engine.name, "message": str(error)})
        return
    report.emit(
        {
            "event": "engine",
            "engine": engine.name,
            "ready_ms": int((time.monotonic() - started) * 1000),
            "prestarted": getattr(engine, "prestarted", False),
        }
    )
    try:
        schema = read(job["schema"]) if job.get("schema") else ""
        for dataset in job["datasets"]:
            run_dataset(engine, job, report, schema, dataset)
    finally:
        engine.stop()


def run_dataset(engine, job, report, schema, dataset):
    """The reference, then the submission, on one dataset."""
    reference = job.get("references", {}).get(engine.name, job["reference"])

    def setup_error(error):
        report.emit(
            {
                "event": "setup_error",
                "engine": engine.name,
                "dataset": dataset["name"],
                "message": error_text(error),
            }
        )

    try:
        loaded = engine.dataset(schema, read(dataset["file"]))
    except Exception as error:  # noqa: BLE001 - the exercise's schema or data
        setup_error(error)
        return
    try:
        # The reference first: see PgDataset.
        for who, path in (("reference", reference), ("submission", job["submission"])):
            sql = read(path)
            try:
                conn = loaded.fresh()
            except Exception as error:  # noqa: BLE001 - the run's database could not be made
                setup_error(error)
                return
            try:
                base = {
                    "event": "outcome",
                    "engine": engine.name,
                    "dataset": dataset["name"],
                    "who": who,
                }
                # Each lambda below runs at once, within its own iteration
                # (what B023 warns of cannot happen).
                if job["mode"] == "query":
                    result = outcome(lambda: engine.query(conn, sql), job["timeout"])  # noqa: B023
                    report.emit(dict(base, check=None, **result))
                    continue
                script = outcome(lambda: engine.script(conn, sql), job["timeout"])  # noqa: B023
                for check in job["checks"]:
                    if "error" in script:
                        result = {"error": "the script failed: " + script["error"], "script": True}
                    else:
                        result = outcome(lambda: engine.check(conn, check["sql"]), job["timeout"])  # noqa: B023
                    report.emit(dict(base, check=check["name"], **result))
            finally:
                loaded.release(conn)
    finally:
        loaded.close()


def run(work, job, key, prestarted=None):
    """Runs the job; `prestarted` is the PostgreSQL server `prestart` made
    before the job came, if any."""
    report = Reporter(key)
    # Learner SQL goes to the engine, never to this interpreter; what the
    # engines print goes to stderr.
    sys.stdout = sys.stderr
    for name in job["engines"]:
        if name == "postgres":
            engine = Postgres(job, prestarted)
            prestarted = None
        else:
            engine = Sqlite(job)
        run_engine(engine, job, report)
    if isinstance(prestarted, Server):
        prestarted.stop()
    report.emit({"event": "done"})
    return 0
