"""sql/harness/grader_sql.py: cells, the SQLite engine's rules for learner
SQL, errors as a learner reads them, and the events of a job."""

import datetime
import decimal
import json
import os
import sqlite3
import subprocess
import sys
import types

import pytest

import grader_sql
from grader_sql import Sqlite, Stopped

# -- cells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, {"bool": True}),
        (False, {"bool": False}),
        (0, {"int": 0}),
        (2**63 - 1, {"int": 2**63 - 1}),
        (-(2**63), {"int": -(2**63)}),
        (2**63, {"decimal": str(2**63)}),
        (-(2**63) - 1, {"decimal": str(-(2**63) - 1)}),
        (1.5, {"real": 1.5}),
        (float("nan"), {"decimal": "nan"}),
        (float("inf"), {"decimal": "inf"}),
        (float("-inf"), {"decimal": "-inf"}),
        (decimal.Decimal("12.50"), {"decimal": "12.50"}),
        ("text", {"text": "text"}),
        (b"\x00\xff", {"bytes": "00ff"}),
        (bytearray(b"\x01"), {"bytes": "01"}),
        (memoryview(b"\x02"), {"bytes": "02"}),
        (datetime.date(2012, 9, 1), {"text": "2012-09-01"}),
        (datetime.datetime(2012, 9, 1, 8, 44, 42), {"text": "2012-09-01T08:44:42"}),
        (datetime.time(8, 44), {"text": "08:44:00"}),
        ({"b": 1, "a": [2]}, {"text": '{"a": [2], "b": 1}'}),
        ([1, "x"], {"text": '[1, "x"]'}),
        (datetime.timedelta(days=1), {"text": "1 day, 0:00:00"}),
    ],
    ids=repr,
)
def test_a_value_becomes_a_typed_cell(value, expected):
    assert grader_sql.cell(value) == expected


def test_every_cell_is_json_the_host_can_read():
    values = (float("nan"), float("inf"), 2**100, decimal.Decimal("NaN"), b"\xff", {"x": datetime.date(2020, 1, 1)})
    for value in values:
        json.dumps(grader_sql.cell(value), allow_nan=False)


# -- SQLite ---------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT NOT NULL, joined DATE);
CREATE TABLE bookings (id INTEGER PRIMARY KEY, member INTEGER REFERENCES members(id), hours REAL);
"""
DATA = """
INSERT INTO members VALUES (1, 'Ann', '2012-09-01'), (2, 'Bob', NULL), (3, 'Cy', '2013-01-01');
INSERT INTO bookings VALUES (1, 1, 1.5), (2, 1, 2), (3, 3, 0.5);
"""


def job(**extra):
    return dict({"timeout": 2.0, "max_rows": 100, "mode": "query"}, **extra)


@pytest.fixture
def engine():
    return Sqlite(job())


@pytest.fixture
def conn(engine):
    connection = engine.fresh(SCHEMA, DATA)
    yield connection
    connection.close()


def test_a_query_returns_columns_and_typed_rows(engine, conn):
    rows = engine.query(conn, "SELECT id, name, joined FROM members ORDER BY id")
    assert rows == {
        "columns": ["id", "name", "joined"],
        "rows": [[{"int": 1}, {"text": "Ann"}, {"text": "2012-09-01"}], [{"int": 2}, {"text": "Bob"}, None],
                 [{"int": 3}, {"text": "Cy"}, {"text": "2013-01-01"}]],
        "more": False,
    }


def test_rows_past_the_limit_are_not_kept_but_said_to_be_there(conn):
    engine = Sqlite(job(max_rows=2))
    rows = engine.query(conn, "SELECT id FROM members ORDER BY id")
    assert rows["rows"] == [[{"int": 1}], [{"int": 2}]]
    assert rows["more"] is True
    exactly = Sqlite(job(max_rows=3)).query(conn, "SELECT id FROM members")
    assert exactly["more"] is False


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO members VALUES (9, 'Eve', NULL)",
        "UPDATE members SET name = 'x'",
        "DELETE FROM bookings",
        "DROP TABLE bookings",
        "CREATE TABLE t (x)",
        "ATTACH DATABASE '/tmp/x.db' AS other",
        "PRAGMA writable_schema = ON",
        "SELECT load_extension('/tmp/x.so')",
        "CREATE TEMP TABLE t AS SELECT 1",
        "WITH x AS (SELECT 1) INSERT INTO members SELECT 9, 'Eve', NULL FROM x",
    ],
)
def test_a_query_may_only_read(engine, conn, sql):
    with pytest.raises(sqlite3.DatabaseError):
        engine.query(conn, sql)
    assert conn.execute("SELECT count(*) FROM members").fetchone() == (3,)
    assert conn.execute("SELECT count(*) FROM bookings").fetchone() == (3,)


def test_a_query_may_use_functions_and_recursive_ctes(engine, conn):
    rows = engine.query(conn, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) "
                              "SELECT upper('a'), sum(x) FROM n")
    assert rows["rows"] == [[{"text": "A"}, {"int": 6}]]


def test_the_authorizer_is_removed_after_the_query(engine, conn):
    engine.query(conn, "SELECT 1")
    conn.execute("INSERT INTO members VALUES (4, 'Dee', NULL)")


def test_a_runaway_query_is_stopped_at_the_timeout():
    engine = Sqlite(job(timeout=0.2))
    conn = engine.fresh("", "")
    runaway = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(Stopped):
        engine.query(conn, runaway)
    # The handler is removed: the next statement is not stopped.
    assert engine.query(conn, "SELECT 1")["rows"] == [[{"int": 1}]]


def test_an_error_that_is_not_the_timeout_is_the_statements(engine, conn):
    with pytest.raises(sqlite3.OperationalError, match="no such column: nme"):
        engine.query(conn, "SELECT nme FROM members")


def test_foreign_keys_are_enforced(engine, conn):
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO bookings VALUES (9, 99, 1)")


@pytest.mark.parametrize(
    "sql",
    ["ATTACH DATABASE ':memory:' AS other", "PRAGMA foreign_keys = OFF", "SELECT load_extension('x')"],
)
def test_a_script_may_change_its_tables_but_not_reach_other_files(engine, conn, sql):
    with pytest.raises(sqlite3.DatabaseError):
        engine.script(conn, sql)


def test_a_script_changes_the_data_and_commits(engine, conn):
    engine.script(conn, "BEGIN; UPDATE members SET name = upper(name); CREATE INDEX i ON bookings(member);")
    assert not conn.in_transaction
    assert [row[0] for row in conn.execute("SELECT name FROM members ORDER BY id")] == ["ANN", "BOB", "CY"]


def test_a_check_runs_under_the_scripts_rules(engine, conn):
    engine.script(conn, "CREATE TRIGGER t AFTER UPDATE ON members BEGIN SELECT 1; END;")
    assert engine.check(conn, "SELECT count(*) FROM members")["rows"] == [[{"int": 3}]]
    with pytest.raises(sqlite3.DatabaseError):
        engine.check(conn, "PRAGMA foreign_keys = OFF")


def test_a_dataset_gives_a_fresh_database_per_run(engine):
    dataset = engine.dataset(SCHEMA, DATA)
    first = dataset.fresh()
    first.execute("DELETE FROM bookings")
    second = dataset.fresh()
    assert second.execute("SELECT count(*) FROM bookings").fetchone() == (3,)
    dataset.release(first)
    dataset.release(second)
    dataset.close()


def test_a_schema_that_fails_fails_when_the_dataset_is_made(engine):
    with pytest.raises(sqlite3.OperationalError):
        engine.dataset("CREATE TABLE broken (", "")


# -- errors as a learner reads them -------------------------------------------------------


class PgError(Exception):
    def __init__(self, pgerror, pgcode=None, position=None):
        super().__init__(pgerror)
        self.pgerror = pgerror
        self.pgcode = pgcode
        self.diag = types.SimpleNamespace(statement_position=position)


@pytest.mark.parametrize("code", ["53100", "53200", "53400", "54000"])
def test_running_out_of_a_resource_is_one_fixed_message(code):
    assert grader_sql.error_text(PgError("ERROR: anything at all", code)) == grader_sql.RESOURCE_MESSAGE


@pytest.mark.parametrize("text", ["File too large", "No space left on device", "database or disk is full",
                                  "out of memory", "temporary file size exceeds temp_file_limit (8192kB)"])
def test_resource_texts_are_the_fixed_message_too(text):
    assert grader_sql.error_text(sqlite3.OperationalError(text)) == grader_sql.RESOURCE_MESSAGE


def test_sqlites_memory_error_is_the_fixed_message():
    assert grader_sql.error_text(MemoryError()) == grader_sql.RESOURCE_MESSAGE


def test_a_servers_path_is_not_shown():
    text = grader_sql.error_text(PgError('ERROR:  could not open file "base/16384/2619": nope'))
    assert text == "could not open file a file of the server: nope"
    assert grader_sql.error_text(PgError('ERROR: "/etc/passwd" is "fine"')) == 'a file of the server is "fine"'


def test_an_error_is_stripped_and_capped():
    assert grader_sql.error_text(sqlite3.OperationalError("no such column: nme")) == "no such column: nme"
    assert len(grader_sql.error_text(sqlite3.OperationalError("x" * 5000))) == 2000


def test_a_constraint_error_is_classed_as_one():
    assert grader_sql.error_class(PgError("dup", "23505")) == "constraint"
    assert grader_sql.error_class(sqlite3.IntegrityError("UNIQUE")) == "constraint"
    assert grader_sql.error_class(PgError("syntax", "42601")) == "other"
    assert grader_sql.error_class(ValueError("x")) == "other"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", True),
        ("  select 1", True),
        ("-- a comment\n/* and another */ (SELECT 1)", True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", True),
        ("VALUES (1)", True),
        ("TABLE members", True),
        ("((( select 1)))", True),
        ("INSERT INTO t VALUES (1)", False),
        ("EXPLAIN SELECT 1", False),
        ("-- SELECT\nDELETE FROM t", False),
        ("/* SELECT */ UPDATE t SET x = 1", False),
        ("", False),
        ("-- only a comment", False),
        ("SELECTED", False),
    ],
)
def test_what_starts_as_a_query(sql, expected):
    assert grader_sql.is_query(sql) is expected


def test_a_query_error_quotes_the_learners_line_not_the_cursors():
    sql = "SELECT id,\n       nme\nFROM members"
    position = len(grader_sql.DECLARE) + sql.index("nme") + 1
    server_text = ('ERROR:  column "nme" does not exist\nLINE 2:        nme\n               ^\n'
                   'HINT:  Perhaps you meant "name".')
    error = grader_sql.QueryFailed(PgError(server_text, "42703", position), sql)
    assert str(error).split("\n") == [
        'ERROR:  column "nme" does not exist',
        "LINE 2:        nme",
        "               ^",
        'HINT:  Perhaps you meant "name".',
    ]
    assert error.pgcode == "42703"


def test_a_query_error_without_a_position_drops_the_cursors_quote():
    text = 'ERROR:  syntax error\nLINE 1: DECLARE "grader_query" CURSOR WITHOUT HOLD FOR SELEC\n        ^'
    error = grader_sql.QueryFailed(PgError(text, "42601", None), "SELEC")
    assert str(error) == "ERROR:  syntax error"


def test_a_long_line_is_not_quoted():
    sql = "SELECT " + "x" * 300
    error = grader_sql.QueryFailed(PgError("ERROR:  bad", "42601", len(grader_sql.DECLARE) + 8), sql)
    assert str(error) == "ERROR:  bad"


def test_identifiers_are_quoted():
    assert grader_sql.quote_ident('a"b') == '"a""b"'
    assert grader_sql.quote_ident("public") == '"public"'


# -- outcomes and a job's events -------------------------------------------------------------


def test_an_outcome_is_rows_an_error_or_a_timeout():
    assert grader_sql.outcome(lambda: {"columns": []}, 1)["rows"] == {"columns": []}

    def stopped():
        raise Stopped()

    result = grader_sql.outcome(stopped, 1.5)
    assert result["error"] == "stopped by the statement timeout (1.5s)" and result["timeout"] is True

    def failing():
        raise sqlite3.IntegrityError("UNIQUE constraint failed: members.id")

    result = grader_sql.outcome(failing, 1)
    assert result["error"] == "UNIQUE constraint failed: members.id" and result["class"] == "constraint"
    assert isinstance(result["ms"], int)


class Report:
    def __init__(self):
        self.events = []

    def emit(self, event):
        json.dumps(event, allow_nan=False)
        self.events.append(event)


@pytest.fixture
def files(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_a_query_job_reports_the_reference_then_the_submission_per_dataset(files):
    sql_job = job(
        schema=files("schema.sql", SCHEMA),
        datasets=[{"name": "visible.sql", "file": files("visible.sql", DATA)},
                  {"name": "empty.sql", "file": files("empty.sql", "")}],
        reference=files("reference.sql", "SELECT name FROM members ORDER BY id"),
        submission=files("submission.sql", "SELECT nme FROM members"),
    )
    report = Report()
    grader_sql.run_engine(Sqlite(sql_job), sql_job, report)
    events = report.events
    assert events[0]["event"] == "engine" and events[0]["engine"] == "sqlite"
    outcomes = [(e["dataset"], e["who"], "rows" in e, e.get("error")) for e in events[1:]]
    assert outcomes == [
        ("visible.sql", "reference", True, None),
        ("visible.sql", "submission", False, "no such column: nme"),
        ("empty.sql", "reference", True, None),
        ("empty.sql", "submission", False, "no such column: nme"),
    ]
    assert all(e["check"] is None for e in events[1:])


def test_a_script_job_runs_the_checks_after_each_script(files):
    sql_job = job(
        mode="script",
        schema=files("schema.sql", SCHEMA),
        datasets=[{"name": "d.sql", "file": files("d.sql", DATA)}],
        reference=files("reference.sql", "DELETE FROM bookings WHERE member = 1;"),
        submission=files("submission.sql", "DELETE FROM bookings WHERE nope = 1;"),
        checks=[{"name": "left", "sql": "SELECT count(*) FROM bookings"},
                {"name": "members", "sql": "SELECT count(*) FROM members"}],
    )
    report = Report()
    grader_sql.run_engine(Sqlite(sql_job), sql_job, report)
    rows = {(e["who"], e["check"]): e for e in report.events if e["event"] == "outcome"}
    assert rows[("reference", "left")]["rows"]["rows"] == [[{"int": 1}]]
    assert rows[("reference", "members")]["rows"]["rows"] == [[{"int": 3}]]
    failed = rows[("submission", "left")]
    assert failed["script"] is True and failed["error"].startswith("the script failed: ")


def test_a_reference_per_engine_is_used_for_its_engine(files):
    sql_job = job(
        datasets=[{"name": "d.sql", "file": files("d.sql", DATA)}],
        schema=files("schema.sql", SCHEMA),
        reference=files("reference.sql", "SELECT 'generic'"),
        references={"sqlite": files("reference.sqlite.sql", "SELECT 'sqlite'")},
        submission=files("submission.sql", "SELECT 1"),
    )
    report = Report()
    grader_sql.run_engine(Sqlite(sql_job), sql_job, report)
    reference = [e for e in report.events if e.get("who") == "reference"][0]
    assert reference["rows"]["rows"] == [[{"text": "sqlite"}]]


def test_a_dataset_that_does_not_load_is_a_setup_error_and_the_others_go_on(files):
    sql_job = job(
        schema=files("schema.sql", SCHEMA),
        datasets=[{"name": "bad.sql", "file": files("bad.sql", "INSERT INTO nowhere VALUES (1);")},
                  {"name": "good.sql", "file": files("good.sql", DATA)}],
        reference=files("reference.sql", "SELECT 1"),
        submission=files("submission.sql", "SELECT 1"),
    )
    report = Report()
    grader_sql.run_engine(Sqlite(sql_job), sql_job, report)
    kinds = [(e["event"], e.get("dataset")) for e in report.events]
    assert kinds == [("engine", None), ("setup_error", "bad.sql"), ("outcome", "good.sql"), ("outcome", "good.sql")]
    assert report.events[1]["message"] == "no such table: nowhere"


def test_an_engine_that_cannot_start_is_an_engine_error():
    report = Report()
    engine = grader_sql.Postgres(job(), grader_sql.StartFailed("postgres did not start"))
    grader_sql.run_engine(engine, job(datasets=[]), report)
    assert report.events == [{"event": "engine_error", "engine": "postgres", "message": "postgres did not start"}]


def test_a_whole_job_is_signed_lines_ending_in_done(files, tmp_path):
    """grader_sql.run in a fresh interpreter: what it writes on stdout."""
    sql_job = job(
        engines=["sqlite"],
        schema=files("schema.sql", SCHEMA),
        datasets=[{"name": "d.sql", "file": files("d.sql", DATA)}],
        reference=files("reference.sql", "SELECT count(*) FROM members"),
        submission=files("submission.sql", "SELECT count(*) FROM members"),
    )
    key = "s" * 64
    harness = os.path.dirname(grader_sql.__file__)
    common = os.path.dirname(sys.modules["grader_channel"].__file__)
    script = ("import json, sys; sys.path[:0] = [%r, %r]; import grader_sql\n"
              "sys.exit(grader_sql.run(%r, json.loads(sys.argv[1]), %r))\n") % (harness, common, str(tmp_path), key)
    done = subprocess.run([sys.executable, "-I", "-B", "-c", script, json.dumps(sql_job)], capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.decode().split("\n") if line]
    assert all(line.startswith("@@grader:%d:" % n) for n, line in enumerate(lines))
    events = [json.loads(line.split(" ", 1)[1]) for line in lines]
    assert [e["event"] for e in events] == ["engine", "outcome", "outcome", "done"]
    assert events[1]["rows"] == events[2]["rows"] == {"columns": ["count(*)"], "rows": [[{"int": 3}]], "more": False}
