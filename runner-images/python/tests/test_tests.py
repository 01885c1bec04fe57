"""common/grader_tests.py: the pytest kind's entry process, which
re-signs only what makes sense of what the learner's pytest says."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import grader_tests
import grader_tests_child
from grader_tests import Refused, Relay


class Events:
    def __init__(self):
        self.events = []

    def emit(self, event):
        json.dumps(event)
        self.events.append(event)


def relay(message_cap=100, output_cap=100):
    return Relay(Events(), message_cap, output_cap)


def collected(*ids, **extra):
    return {"event": "collected", "tests": [dict({"id": test_id, "name": test_id, "line": 3}, **extra)
                                            for test_id in ids]}


def result(test_id, outcome="passed", **extra):
    return dict({"event": "result", "id": test_id, "outcome": outcome, "message": "", "output": "",
                 "duration": 0.5}, **extra)


def test_collected_tests_are_kept_with_their_file():
    r = relay()
    r.event(collected("test_a.py::test_x", "test_a.py::TestC::test_y"))
    assert r.channel.events == [{"event": "collected", "tests": [
        {"id": "test_a.py::test_x", "file": "test_a.py", "name": "test_a.py::test_x", "line": 3},
        {"id": "test_a.py::TestC::test_y", "file": "test_a.py", "name": "test_a.py::TestC::test_y", "line": 3},
    ]}]


def test_malformed_collected_tests_are_dropped_not_trusted():
    r = relay()
    r.event({"event": "collected", "tests": [
        "not a dict", {"id": ""}, {"id": 5}, {"id": "t::a", "line": True}, {"id": "t::a"},
        {"id": "t::b", "line": -1, "name": 7}, {"id": "t::c", "line": 1 << 31}, {"id": "t::d", "line": 2.5},
    ]})
    tests = r.channel.events[0]["tests"]
    assert [test["id"] for test in tests] == ["t::a", "t::b", "t::c", "t::d"]
    assert [test["line"] for test in tests] == [None, None, None, None]
    # Only text goes on.
    assert all(type(test["name"]) is str for test in tests)


def test_ids_and_names_are_capped_and_the_list_too(monkeypatch):
    monkeypatch.setattr(grader_tests, "MAX_TESTS", 3)
    r = relay()
    r.event(collected("x" * 2000, "t::1", "t::2", "t::3"))
    tests = r.channel.events[0]["tests"]
    assert len(tests) == 3
    assert tests[0]["id"] == "x" * grader_tests.MAX_ID


def test_only_the_first_collection_counts():
    r = relay()
    r.event(collected("t::a"))
    r.event(collected("t::b"))
    r.event(result("t::b"))
    assert len(r.channel.events) == 1


def test_results_only_for_collected_tests_once_each_with_a_known_outcome():
    r = relay()
    r.event(result("t::a"))  # before the collection
    r.event(collected("t::a", "t::b"))
    r.event({"event": "start", "id": "t::a"})
    r.event({"event": "start", "id": "t::zzz"})
    r.event(result("t::a", "failed", message="m"))
    r.event(result("t::a", "passed"))  # again
    r.event({"event": "start", "id": "t::a"})  # after its result
    r.event(result("t::zzz"))
    r.event(result("t::b", "exploded"))
    r.event(result("t::b", "skipped", duration=-1))
    kinds = [(event["event"], event.get("id"), event.get("outcome")) for event in r.channel.events]
    assert kinds == [("collected", None, None), ("start", "t::a", None), ("result", "t::a", "failed"),
                     ("result", "t::b", "skipped")]
    assert r.channel.events[-1]["duration"] == 0.0


@pytest.mark.parametrize("duration", [float("nan"), float("inf"), 1e7, "1", None, -0.5])
def test_a_duration_that_is_not_one_is_zero(duration):
    r = relay()
    r.event(collected("t::a"))
    r.event(result("t::a", duration=duration))
    assert r.channel.events[-1]["duration"] == 0.0
    json.dumps(r.channel.events[-1], allow_nan=False)


def test_messages_and_output_are_capped_and_the_output_says_so():
    r = relay(message_cap=5, output_cap=4)
    r.event(collected("t::a"))
    r.event(result("t::a", "failed", message="é" * 10, output="123456"))
    event = r.channel.events[-1]
    assert event["message"] == "éé"
    assert (event["output"], event["output_truncated"]) == ("1234", True)


def test_text_that_is_not_text_is_empty():
    r = relay()
    r.event(collected("t::a"))
    r.event(result("t::a", "failed", message=["list"], output={"x": 1}))
    event = r.channel.events[-1]
    assert (event["message"], event["output"], event["output_truncated"]) == ("", "", False)


def test_collection_errors_are_kept_before_the_collection_and_up_to_a_limit():
    r = relay()
    for n in range(60):
        r.event({"event": "collect_error", "file": "test_%d.py" % n, "summary": None, "message": "m"})
    errors = r.channel.events
    assert len(errors) == 50
    assert errors[0] == {"event": "collect_error", "file": "test_0.py", "summary": "collection failed",
                         "message": "m"}
    r = relay()
    r.event(collected())
    r.event({"event": "collect_error", "file": "late.py"})
    assert len(r.channel.events) == 1


def test_finished_takes_an_exit_code_and_ends_the_relay():
    r = relay()
    r.event(collected("t::a"))
    for code in (True, -1, 256, "0", 1.0):
        r.event({"event": "finished", "exit_code": code})
        assert r.finished is None, code
    r.event({"event": "finished", "exit_code": 1})
    assert r.finished == 1
    r.event(result("t::a"))
    assert [event["event"] for event in r.channel.events] == ["collected"]


@pytest.mark.parametrize("event", [None, [], "collected", 5, {"event": "done"}, {"event": "refused"},
                                   {"no": "event"}])
def test_other_events_are_ignored(event):
    r = relay()
    r.event(event)
    assert r.channel.events == []


# Regression: an id that is not hashable (a list, a dict) raised TypeError out
# of Relay.event, which ended the relay on the child's word.
@pytest.mark.parametrize("event", [{"event": "start", "id": ["t::a"]},
                                   {"event": "result", "id": {"t": 1}, "outcome": "passed"}])
def test_an_id_that_is_not_text_is_ignored(event):
    r = relay()
    r.event(collected("t::a"))
    r.event(event)
    assert len(r.channel.events) == 1


def test_capped():
    assert grader_tests.capped("abc", 2) == ("ab", True)
    assert grader_tests.capped("abc", 3) == ("abc", False)
    assert grader_tests.capped(None, 3) == ("", False)
    assert grader_tests.capped(b"abc", 3) == ("", False)


def test_the_implementation_must_be_in_the_job_and_compile():
    held = {"slug.py": b"def f():\n    return 1\n", "bad.py": b"def (:\n", "latin.py": "é".encode("latin-1")}
    assert grader_tests.sources({"implementation": ["slug.py"]}, held) == {"slug.py": "def f():\n    return 1\n"}
    with pytest.raises(Refused, match="is not in the job"):
        grader_tests.sources({"implementation": ["missing.py"]}, held)
    with pytest.raises(Refused, match="does not compile"):
        grader_tests.sources({"implementation": ["bad.py"]}, held)
    with pytest.raises(Refused, match="does not compile"):
        grader_tests.sources({"implementation": ["latin.py"]}, held)
    with pytest.raises(Refused):
        grader_tests.sources({"implementation": [5]}, held)


def test_the_learners_pytest_gets_no_environment_of_ours(tmp_path):
    env = grader_tests.clean_env(str(tmp_path))
    assert set(env) == {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED",
                        "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}


# -- the child's reporter -------------------------------------------------------------------


class Pipe:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(json.loads(text))

    def flush(self):
        pass


def test_a_test_that_passed_then_failed_is_called_flaky():
    from _pytest.reports import TestReport

    reporter = grader_tests_child.Reporter(Pipe(), None, None, 3)
    reporter.flaky["t.py::a"] = 2
    for when, outcome in (("setup", "passed"), ("call", "failed"), ("teardown", "passed")):
        reporter.pytest_runtest_logreport(TestReport("t.py::a", ("t.py", 1, "a"), {}, outcome,
                                                     "E boom" if outcome == "failed" else None, when, [], 0.1))
    [line] = reporter.pipe.lines
    assert line["outcome"] == "failed"
    assert line["message"] == "flaky: this test passed 2 time(s) in this run, then failed:\nE boom"


def test_the_childs_reporter_survives_a_closed_pipe():
    class Closed:
        def write(self, text):
            raise OSError("closed")

        def flush(self):
            pass

    grader_tests_child.Reporter(Closed(), None, None, 1).emit({"event": "start"})


# -- the whole run, in a fresh interpreter ----------------------------------------------

KEY = "t" * 64


def run_job(harness_dir, work, implementation, tests, repeat=1):
    for name, text in tests.items():
        (work / name).write_text(textwrap.dedent(text))
    held = {name: textwrap.dedent(text) for name, text in implementation.items()}
    config = {"implementation": list(held), "files": list(tests), "test_timeout": 10, "repeat": repeat}
    script = (
        "import json, sys; sys.path.insert(0, %r); import grader_tests\n"
        "held = {k: v.encode() for k, v in json.loads(sys.argv[1]).items()}\n"
        "sys.exit(grader_tests.run(%r, json.loads(sys.argv[2]), %r, held))\n"
    ) % (harness_dir, str(work), KEY)
    done = subprocess.run(
        [sys.executable, "-I", "-B", "-c", script, json.dumps(held), json.dumps(config)],
        cwd=str(work), capture_output=True, timeout=120, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    import test_channel

    events = []
    for line in done.stdout.decode().split("\n"):
        found = test_channel.verify(line, KEY)
        if found is not None:
            events.append(json.loads(found[1]))
    return events, done


def test_a_run_of_the_learners_tests_against_the_implementation(tmp_path, harness_dir):
    events, done = run_job(harness_dir, tmp_path, {"slug.py": """
        def slugify(text):
            return "-".join(text.lower().split())
    """}, {"test_slug.py": """
        import slug

        def test_spaces():
            assert slug.slugify("A b") == "a-b"

        def test_wrong():
            assert slug.slugify("A") == "A"

        def test_reads_the_source():
            import inspect
            inspect.getsource(slug.slugify)
    """}, repeat=2)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "collected" and kinds[-1] == "done", kinds
    results = {event["id"]: event["outcome"] for event in events if event["event"] == "result"}
    assert results == {"test_slug.py::test_spaces": "passed", "test_slug.py::test_wrong": "failed",
                       "test_slug.py::test_reads_the_source": "failed"}
    # The implementation's source never reached the learner's tests.
    assert "lower().split()" not in done.stdout.decode()


def test_an_implementation_that_does_not_compile_is_refused_on_stderr(tmp_path, harness_dir):
    events, done = run_job(harness_dir, tmp_path, {"slug.py": "def (:\n"},
                           {"test_slug.py": "def test_x():\n    pass\n"})
    assert done.returncode == 125
    assert events == []
    import test_channel

    refused = [test_channel.verify(line, KEY) for line in done.stderr.decode().split("\n")]
    refused = [json.loads(found[1]) for found in refused if found]
    assert refused and refused[0]["event"] == "refused" and "does not compile" in refused[0]["reason"]
