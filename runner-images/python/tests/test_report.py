"""python/harness/grader_pytest.py: pytest's reports turned into the
report's events (one row per test, per case of a subtest, per file that
did not load), and the test process's imports."""

import json
import linecache
import os
import subprocess
import sys
import textwrap
import types

import pytest
import pytest_subtests
from _pytest.reports import TestReport

import grader_pytest
from grader_pytest import Reporter

needs_subtests = pytest.mark.skipif(
    getattr(pytest_subtests, "STAND_IN", False),
    reason="runs pytest with pytest-subtests, which is in the python image, not installed here",
)


class Events:
    """A channel that keeps what it is given."""

    def __init__(self):
        self.events = []

    def emit(self, event):
        # What the channel would write: JSON, so nothing unserialisable.
        json.dumps(event)
        self.events.append(event)

    def of(self, kind):
        return [event for event in self.events if event["event"] == kind]


def reporter(**config):
    connection = types.SimpleNamespace(last_error=None, new_test=lambda: None)
    return Reporter(Events(), dict({"tests_dir": "tests"}, **config), connection)


def report(when, outcome="passed", longrepr=None, nodeid="tests/test_cart.py::test_total", sections=(),
           duration=0.25):
    return TestReport(nodeid, ("tests/test_cart.py", 3, "test_total"), {}, outcome, longrepr, when,
                      list(sections), duration)


def run_phases(rep, *reports):
    for item in reports:
        rep.pytest_runtest_logreport(item)
    return rep.channel.events


# -- results ------------------------------------------------------------------------------


def test_a_passing_test_is_one_result_with_its_id_relative_to_the_tests_folder():
    rep = reporter()
    events = run_phases(rep, report("setup"), report("call"), report("teardown"))
    assert events == [{
        "event": "result", "id": "test_cart.py::test_total", "outcome": "passed", "message": "",
        "output": "", "output_truncated": False, "duration": 0.75,
    }]
    assert rep.state == {}


def test_a_failed_call_is_a_failure_with_its_message():
    events = run_phases(reporter(), report("setup"), report("call", "failed", "E assert 1 == 2"),
                        report("teardown"))
    assert events[0]["outcome"] == "failed"
    assert events[0]["message"] == "E assert 1 == 2"


def test_a_failed_setup_is_an_error():
    events = run_phases(reporter(), report("setup", "failed", "fixture broke"), report("teardown"))
    assert (events[0]["outcome"], events[0]["message"]) == ("error", "fixture broke")


def test_a_failed_teardown_after_a_pass_is_an_error_and_after_a_failure_stays_a_failure():
    events = run_phases(reporter(), report("setup"), report("call"), report("teardown", "failed", "cleanup broke"))
    assert (events[0]["outcome"], events[0]["message"]) == ("error", "cleanup broke")
    events = run_phases(reporter(), report("setup"), report("call", "failed", "first"),
                        report("teardown", "failed", "second"))
    assert (events[0]["outcome"], events[0]["message"]) == ("failed", "first")


def test_a_skip_says_why():
    events = run_phases(reporter(), report("setup", "skipped", ("f.py", 1, "Skipped: not today")),
                        report("teardown"))
    assert (events[0]["outcome"], events[0]["message"]) == ("skipped", "Skipped: not today")


def test_an_expected_failure_says_so():
    call = report("call", "skipped", "xfailed")
    call.wasxfail = "known bug"
    events = run_phases(reporter(), report("setup"), call, report("teardown"))
    assert (events[0]["outcome"], events[0]["message"]) == ("skipped", "expected to fail: known bug")


def test_the_output_is_what_the_test_printed_capped_at_the_limit():
    printed = [("Captured stdout call", "é" * 10), ("Captured stderr call", "to stderr")]
    events = run_phases(reporter(output_cap=9), report("setup"), report("call"), report("teardown", sections=printed))
    # Cut on a character, never inside one: 9 bytes are 4 characters of 2.
    assert events[0]["output"] == "éééé"
    assert events[0]["output_truncated"] is True
    events = run_phases(reporter(), report("setup"), report("call"), report("teardown", sections=printed))
    assert events[0]["output"] == "é" * 10 + "to stderr"
    assert events[0]["output_truncated"] is False


def test_the_message_is_capped():
    events = run_phases(reporter(message_cap=10), report("setup"), report("call", "failed", "x" * 100),
                        report("teardown"))
    assert events[0]["message"] == "x" * 10


def test_capped_counts_bytes_and_cuts_between_characters():
    rep = reporter()
    assert rep.capped("abc", 3) == ("abc", False)
    assert rep.capped("abcd", 3) == ("abc", True)
    assert rep.capped("☃☃", 4) == ("☃", True)
    assert rep.capped("\ud800x", 10) == ("\ud800x", False)


def test_where_the_learners_code_raised_is_added_to_a_failure_only():
    rep = reporter()
    error = ValueError("x")
    error._grader_traceback = 'File "cart.py", line 3, in total\nValueError: x\n'
    call = types.SimpleNamespace(excinfo=types.SimpleNamespace(value=error))
    item = types.SimpleNamespace(nodeid="tests/test_cart.py::test_total")
    hook = rep.pytest_runtest_makereport(item, call)
    next(hook)
    with pytest.raises(StopIteration):
        next(hook)
    events = run_phases(rep, report("setup"), report("call", "failed", "E boom"), report("teardown"))
    assert events[0]["message"] == "E boom\n\nRaised in your code:\n" + error._grader_traceback
    # A test that passed after catching the learner's exception says nothing of it.
    rep = reporter()
    rep.learner_tracebacks["tests/test_cart.py::test_total"] = "trace"
    events = run_phases(rep, report("setup"), report("call"), report("teardown"))
    assert events[0]["message"] == ""
    assert rep.learner_tracebacks == {}


def test_ids_outside_the_tests_folder_stay_as_they_are():
    rep = reporter(tests_dir="tests/")
    assert rep.test_id("tests/test_a.py::t") == "test_a.py::t"
    assert rep.test_id("other/test_a.py::t") == "other/test_a.py::t"
    assert rep.test_id("testsuite/test_a.py::t") == "testsuite/test_a.py::t"


def test_each_test_starts_with_a_start_event_and_a_fresh_output_budget():
    fresh = []
    connection = types.SimpleNamespace(last_error=None, new_test=lambda: fresh.append(1))
    rep = Reporter(Events(), {"tests_dir": "tests"}, connection)
    rep.pytest_runtest_logstart("tests/test_a.py::t", None)
    assert rep.channel.events == [{"event": "start", "id": "test_a.py::t"}]
    assert fresh == [1]


# -- subtests ----------------------------------------------------------------------------


def subreport(msg=None, kwargs=None, outcome="passed", longrepr=None, sections=(), duration=0.01):
    base = report("call", outcome, longrepr, sections=sections, duration=duration)
    sub = pytest_subtests.SubTestReport.__new__(pytest_subtests.SubTestReport)
    sub.__dict__.update(base.__dict__)
    sub.context = pytest_subtests.SubTestContext(msg, kwargs or {})
    return sub


def test_each_case_of_a_subtest_is_a_row_of_its_own_before_its_tests_result():
    rep = reporter()
    events = run_phases(
        rep, report("setup"),
        subreport("empty cart", {"n": 0}),
        subreport(None, {"n": 1}, "failed", "E assert 2 == 1"),
        report("call"), report("teardown"),
    )
    assert [event["event"] for event in events] == ["subtest", "subtest", "result"]
    first, second, result = events
    assert first["id"] == "test_cart.py::test_total[empty cart, n=0]"
    assert first["parent"] == "test_cart.py::test_total"
    assert (first["name"], first["msg"], first["outcome"]) == ("empty cart, n=0", "empty cart", "passed")
    assert (second["name"], second["msg"], second["outcome"]) == ("n=1", None, "failed")
    assert second["message"] == "E assert 2 == 1"
    # A test with a failed case has failed, whatever its own outcome.
    assert result["outcome"] == "failed"
    assert result["message"] == "1 of 2 cases failed: [n=1]"


def test_a_failed_case_is_named_before_the_tests_own_failure():
    events = run_phases(reporter(), report("setup"), subreport("a", outcome="failed", longrepr="x"),
                        report("call", "failed", "E own"), report("teardown"))
    assert events[-1]["message"] == "1 of 1 cases failed: [a]\n\nE own"


def test_cases_of_the_same_name_are_numbered():
    events = run_phases(reporter(), report("setup"), subreport("same"), subreport("same"), subreport("same"),
                        report("call"), report("teardown"))
    assert [event["name"] for event in events[:3]] == ["same", "same #2", "same #3"]
    assert len({event["id"] for event in events[:3]}) == 3


def test_a_case_without_message_or_parameters_is_named_by_its_number():
    events = run_phases(reporter(), report("setup"), subreport(), subreport(), report("call"), report("teardown"))
    assert [event["name"] for event in events[:2]] == ["case 1", "case 2"]


def test_cases_past_the_limit_count_in_the_verdict_without_rows(monkeypatch):
    monkeypatch.setattr(grader_pytest, "MAX_CASES", 3)
    cases = [subreport("c%d" % n, outcome="failed" if n == 4 else "passed", longrepr="x") for n in range(5)]
    events = run_phases(reporter(), report("setup"), *cases, report("call"), report("teardown"))
    assert [event["event"] for event in events] == ["subtest"] * 3 + ["result"]
    assert events[-1]["outcome"] == "failed"
    assert events[-1]["message"] == "1 of 5 cases failed: [c4]"


def test_at_most_twenty_failed_cases_are_listed():
    cases = [subreport("c%d" % n, outcome="failed", longrepr="x") for n in range(25)]
    events = run_phases(reporter(), report("setup"), *cases, report("call"), report("teardown"))
    message = events[-1]["message"]
    assert message.startswith("25 of 25 cases failed: [c0], [c1]")
    assert message.endswith("[c19], …")


def test_a_cases_output_is_what_it_printed():
    printed = [("Captured stdout call", "case out"), ("Captured stderr call", "case err"),
               ("Captured log call", "not output")]
    events = run_phases(reporter(), report("setup"), subreport("a", sections=printed))
    assert events[0]["output"] == "case outcase err"


def test_parameters_are_named_without_calling_into_them():
    class Hostile:
        def __repr__(self):
            raise AssertionError("never called")

    assert grader_pytest.plain_repr(Hostile()) == "<Hostile>"
    assert grader_pytest.plain_repr((1, "a", None, [2.5, b"x"])) == "(1, 'a', None, [2.5, b'x'])"
    assert grader_pytest.plain_repr(list(range(11))) == "<list>"
    assert grader_pytest.plain_repr("x" * 200) == "'" + "x" * 78 + "…"
    assert grader_pytest.plain_repr({"a": 1}) == "<dict>"
    context = pytest_subtests.SubTestContext("line\nbreak", {"b": Hostile(), "a": 1})
    assert grader_pytest.subtest_name(context, 1) == "line break, a=1, b=<Hostile>"


# -- collection ------------------------------------------------------------------------


def test_a_file_that_does_not_collect_is_an_error_naming_its_last_line():
    rep = reporter()
    error = RuntimeError("not ready")
    error._grader_traceback = '  File "cart.py", line 3, in <module>\n    helper()\nRuntimeError: not ready\n'
    rep.connection.last_error = error
    rep.pytest_collectreport(types.SimpleNamespace(
        failed=True, nodeid="tests/test_cart.py",
        longrepr="ImportError while importing test module\n\nE   RuntimeError: not ready\n\n",
    ))
    [event] = rep.channel.events
    assert event["event"] == "collect_error"
    assert event["file"] == "test_cart.py"
    # The last line: the learner's exception, where the learner's code raised it.
    assert event["summary"] == "RuntimeError: not ready"
    assert event["message"].endswith("Raised in your code:\n" + error._grader_traceback)
    assert rep.failed_files == ["tests/test_cart.py"]
    # The learner's error is used once.
    assert rep.connection.last_error is None


def test_a_file_that_collects_reports_nothing_of_its_own():
    rep = reporter()
    rep.pytest_collectreport(types.SimpleNamespace(failed=False, nodeid="tests/test_cart.py", longrepr=None))
    assert rep.channel.events == []
    assert rep.failed_files == []


def test_a_summary_loses_pytests_error_marker():
    rep = reporter()
    rep.pytest_collectreport(types.SimpleNamespace(failed=True, nodeid="tests/x.py",
                                                   longrepr="E   NameError: name 'x' is not defined\n"))
    assert rep.channel.events[0]["summary"] == "NameError: name 'x' is not defined"


def test_an_empty_collection_error_still_has_a_summary():
    rep = reporter()
    rep.pytest_collectreport(types.SimpleNamespace(failed=True, nodeid="tests/x.py", longrepr="  \n"))
    assert rep.channel.events[0]["summary"] == "collection failed"


SOURCE = '''\
decorated = lambda function: function  # noqa: E731


def test_one_line(): assert True


@decorated
def test_documented():
    """The docstring is not the body."""

    # A comment just above the first statement is.
    value = 1
    for item in range(2):
        if item:
            assert value
            value += 1


class TestCart:
    def test_in_class(self):
        x = 1
        with open(__file__):
            pass
'''


@pytest.fixture
def test_module(tmp_path):
    """SOURCE as a test module the harness loaded: its lines in linecache
    only (the file on disk says something else)."""
    path = str(tmp_path / "test_source.py")
    with open(path, "w") as placeholder:
        placeholder.write("# placeholder\n")
    linecache.cache[path] = (len(SOURCE), None, SOURCE.splitlines(True), path)
    namespace = {"__name__": "test_source"}
    exec(compile(SOURCE, path, "exec"), namespace)
    yield namespace
    linecache.cache.pop(path, None)
    grader_pytest._trees.pop(path, None)


def item_of(function, marker=None, name=None, cls=None, callspec=None):
    return types.SimpleNamespace(
        function=function, name=name or function.__name__, originalname=function.__name__, cls=cls,
        get_closest_marker=lambda _: marker, callspec=callspec,
    )


def test_where_each_test_and_its_body_are(test_module):
    assert grader_pytest.source_of(test_module["test_one_line"]) == (4, [4, 4, 21], 4)
    # def on line 8 (the decorator on 7), body from the comment on 11 to
    # line 16, column 0; the last statement (16) is inside the for and the if.
    assert grader_pytest.source_of(test_module["test_documented"]) == (8, [11, 16, 0], 16)
    assert grader_pytest.source_of(test_module["TestCart"].test_in_class) == (20, [21, 23, 0], 23)


def test_a_tests_source_is_read_from_memory_never_from_the_file(test_module, tmp_path):
    with open(tmp_path / "test_source.py", "w") as placeholder:
        placeholder.write("garbage (((\n")
    assert grader_pytest.source_of(test_module["test_documented"])[0] == 8


def test_a_function_without_source_in_memory_has_its_line_only():
    namespace = {}
    exec(compile("\n\ndef local():\n    pass\n", "<not in linecache>", "exec"), namespace)
    assert grader_pytest.source_of(namespace["local"]) == (3, None, None)
    assert grader_pytest.source_of(len) == (None, None, None)


def test_describe_reads_the_task_marker(test_module):
    marker = types.SimpleNamespace(kwargs={"taskno": 2}, args=())
    described = grader_pytest.describe(item_of(test_module["test_documented"], marker))
    assert described == {"line": 8, "body": [11, 16, 0], "last": 16, "task": 2}
    for bad in ({"taskno": 0}, {"taskno": "2"}, {"taskno": True}, {}):
        marker = types.SimpleNamespace(kwargs=bad, args=())
        assert grader_pytest.describe(item_of(test_module["test_documented"], marker))["task"] is None
    positional = types.SimpleNamespace(kwargs={}, args=(3,))
    assert grader_pytest.describe(item_of(test_module["test_documented"], positional))["task"] == 3


def test_readable_names():
    def test_adds_a_product():
        pass

    def test_documented():
        """Adds two numbers.

        More text."""

    def check():
        pass

    class TestCart:
        pass

    class Test:
        pass

    assert grader_pytest.readable_name(item_of(test_adds_a_product)) == "adds a product"
    assert grader_pytest.readable_name(item_of(test_documented)) == "Adds two numbers."
    assert grader_pytest.readable_name(item_of(check)) == "check"
    assert grader_pytest.readable_name(item_of(test_adds_a_product, cls=TestCart)) == "Cart > adds a product"
    assert grader_pytest.readable_name(item_of(test_adds_a_product, cls=Test)) == "Test > adds a product"
    spec = types.SimpleNamespace(id="three-is-fizz")
    assert grader_pytest.readable_name(item_of(test_adds_a_product, callspec=spec)) == "adds a product [three-is-fizz]"


def test_the_submissions_modules_from_its_file_names():
    assert grader_pytest.module_names(
        ["cart.py", "shop/__init__.py", "shop/items.py", "README.md", "bad-name.py", "data/x.txt", "__init__.py"]
    ) == ["cart", "shop", "shop.items"]


def test_only_read_only_places_are_searched_for_modules():
    assert grader_pytest.safe_path(
        ["/usr/lib/python3.11", "/work", "/tmp/x", "/opt/grader", "/opt/graderX", "", None, b"/usr/"]
    ) == ["/usr/lib/python3.11", "/opt/grader", "/opt/graderX"]


def test_a_skip_reason_from_each_kind_of_report():
    assert grader_pytest.skip_reason(types.SimpleNamespace(longrepr=("f", 1, "Skipped: why"))) == "Skipped: why"
    assert grader_pytest.skip_reason(types.SimpleNamespace(longrepr="plain")) == "plain"
    assert grader_pytest.skip_reason(types.SimpleNamespace(longrepr=None, wasxfail="")) == "expected to fail: "


# -- the test process's imports ------------------------------------------------------


def test_held_test_modules_are_named_as_pytest_names_them():
    finder = grader_pytest.MemoryTests("/work", {
        "tests/test_a.py": b"",
        "tests/helpers.py": b"",
        "tests/conftest.py": b"",
        "tests/pkg/__init__.py": b"",
        "tests/pkg/test_b.py": b"",
    })
    assert finder.modules["test_a"] == ("/work/tests/test_a.py", b"", False)
    assert set(finder.modules) >= {"test_a", "helpers", "conftest", "pkg.test_b"}


def test_a_package_of_tests_can_be_imported():
    """Regression: a package's __init__.py was held but registered under no name (package[:-1])."""
    finder = grader_pytest.MemoryTests("/work", {"tests/pkg/__init__.py": b"", "tests/pkg/test_b.py": b""})
    assert finder.modules["pkg"] == ("/work/tests/pkg/__init__.py", b"", True)
    assert finder.modules["pkg.test_b"] == ("/work/tests/pkg/test_b.py", b"", False)


def test_held_modules_are_found_in_memory_and_others_only_in_read_only_places(tmp_path, monkeypatch):
    (tmp_path / "planted.py").write_text("raise AssertionError('imported from a writable folder')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = grader_pytest.MemoryTests(str(tmp_path), {"tests/test_mem.py": b"assert 1 == 2, 'rewritten'\n"})
    assert finder.find_spec("planted") is None
    spec = finder.find_spec("test_mem")
    assert spec.loader is finder
    assert spec.origin == str(tmp_path / "tests" / "test_mem.py")
    # The standard library is found where it is a read-only place (the
    # image's /usr), and nowhere else.
    stdlib_is_safe = json.__file__.startswith(grader_pytest.SAFE_PATHS)
    assert (finder.find_spec("json") is not None) == stdlib_is_safe


def test_a_held_test_module_runs_from_memory_with_its_asserts_rewritten(tmp_path):
    source = b"def test_x():\n    value = 1\n    assert value == 2\n"
    finder = grader_pytest.MemoryTests(str(tmp_path), {"tests/test_mem2.py": source})
    module = types.ModuleType("test_mem2")
    module.__file__ = str(tmp_path / "tests" / "test_mem2.py")
    finder.exec_module(module)
    try:
        with pytest.raises(AssertionError) as caught:
            module.test_x()
        # pytest's rewriting explains the values; a plain assert would not.
        assert "1 == 2" in str(caught.value)
        assert linecache.getline(module.__file__, 3) == "    assert value == 2\n"
    finally:
        linecache.cache.pop(module.__file__, None)


def test_a_helper_module_is_not_rewritten(tmp_path):
    finder = grader_pytest.MemoryTests(str(tmp_path), {"tests/helpers.py": b"def check(v):\n    assert v == 2\n"})
    module = types.ModuleType("helpers")
    finder.exec_module(module)
    with pytest.raises(AssertionError) as caught:
        module.check(1)
    assert str(caught.value) == ""
    linecache.cache.pop(str(tmp_path / "tests" / "helpers.py"), None)


def test_a_stub_stands_for_everything_and_runs_nothing():
    stub = grader_pytest.Stub("cart")
    assert isinstance(stub.total, grader_pytest.Stub)
    assert isinstance(stub.Cart(1, 2), grader_pytest.Stub)
    assert list(stub.items) == []

    class Derived(stub.Base):
        pass

    assert Derived.__mro__ == (Derived, object)
    with pytest.raises(AttributeError):
        stub.__wrapped__  # noqa: B018


# -- the whole test process, in a fresh interpreter ----------------------------------------------

KEY = "k" * 64


def run_harness(harness_dir, work, files, tests, config=None):
    """grader_pytest.run in a fresh interpreter on a job of `files` (the
    submission, on disk) and `tests` (held in memory); the events it signed."""
    for name, text in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for name in tests:
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# placeholder\n")
    job = dict({"tests_dir": "tests", "args": ["tests"], "check_syntax": [n for n in files if n.endswith(".py")],
                "test_timeout": 10}, **(config or {}))
    held = {name: textwrap.dedent(text) for name, text in tests.items()}
    script = (
        "import json, sys; sys.path.insert(0, %r); import grader_pytest\n"
        "held = {k: v.encode() for k, v in json.loads(sys.argv[1]).items()}\n"
        "sys.exit(grader_pytest.run(%r, json.loads(sys.argv[2]), %r, held))\n"
    ) % (harness_dir, str(work), KEY)
    done = subprocess.run(
        [sys.executable, "-I", "-B", "-c", script, json.dumps(held), json.dumps(job)],
        cwd=str(work), capture_output=True, timeout=120, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    import test_channel

    events = []
    for line in done.stdout.decode().split("\n"):
        found = test_channel.verify(line, KEY)
        if found is not None:
            events.append(json.loads(found[1]))
        else:
            assert line == "", (line, done.stderr.decode()[-3000:])
    return events, done


@needs_subtests
def test_a_job_reports_collected_starts_results_and_done(tmp_path, harness_dir):
    events, done = run_harness(harness_dir, tmp_path, {"cart.py": """
        def total(prices):
            print("adding", len(prices))
            return sum(prices)
    """}, {"tests/test_cart.py": """
        import pytest
        from cart import total

        def test_empty():
            assert total([]) == 0

        @pytest.mark.parametrize("prices,expected", [([1], 1), ([1, 2], 4)])
        def test_sum(prices, expected):
            assert total(prices) == expected

        def test_cases(subtests):
            for n in range(2):
                with subtests.test(msg="n", n=n):
                    assert total([n]) == 0
    """})
    kinds = [event["event"] for event in events]
    assert kinds[0] == "collected" and kinds[-1] == "done", kinds
    collected = events[0]["tests"]
    assert [test["id"] for test in collected] == [
        "test_cart.py::test_empty", "test_cart.py::test_sum[prices0-1]", "test_cart.py::test_sum[prices1-4]",
        "test_cart.py::test_cases",
    ]
    # Line 1 of the file is the blank one after the opening quotes above.
    assert collected[0]["line"] == 5 and collected[0]["body"] == [6, 6, 0]
    # No test's source leaves the process.
    assert "total([])" not in done.stdout.decode()
    results = {event["id"]: event for event in events if event["event"] == "result"}
    assert results["test_cart.py::test_empty"]["outcome"] == "passed"
    assert results["test_cart.py::test_empty"]["output"] == "adding 0\n"
    assert results["test_cart.py::test_sum[prices1-4]"]["outcome"] == "failed"
    assert "assert 3 == 4" in results["test_cart.py::test_sum[prices1-4]"]["message"]
    cases = [event for event in events if event["event"] == "subtest"]
    assert [(case["name"], case["outcome"]) for case in cases] == [("n, n=0", "passed"), ("n, n=1", "failed")]
    assert results["test_cart.py::test_cases"]["outcome"] == "failed"
    assert events[-1]["exit_code"] == 1


@needs_subtests
def test_a_submission_with_a_syntax_error_lists_every_test_not_run(tmp_path, harness_dir):
    events, _ = run_harness(harness_dir, tmp_path, {"cart.py": "def total(:\n"}, {"tests/test_cart.py": """
        from cart import total

        def test_one():
            assert total([]) == 0

        def test_two():
            pass
    """})
    assert [event["event"] for event in events] == ["syntax_error", "not_loaded", "done"]
    assert events[0]["file"] == "cart.py" and events[0]["line"] == 1
    assert [test["id"] for test in events[1]["tests"]] == ["test_cart.py::test_one", "test_cart.py::test_two"]
    assert events[2]["exit_code"] == 2


@needs_subtests
def test_a_learner_error_at_import_is_a_collect_error_with_where_it_was_raised(tmp_path, harness_dir):
    events, _ = run_harness(harness_dir, tmp_path, {"cart.py": """
        def helper():
            raise RuntimeError("not ready")
        helper()
    """}, {"tests/test_cart.py": """
        from cart import total

        def test_one():
            assert total
    """})
    kinds = [event["event"] for event in events]
    assert kinds == ["collect_error", "collected", "not_loaded", "done"], kinds
    error = events[0]
    assert error["file"] == "test_cart.py"
    assert "RuntimeError" in error["summary"]
    assert "Raised in your code:" in error["message"] and "helper" in error["message"]
    # Only the learner's frames: none of the harness's.
    learner_part = error["message"].split("Raised in your code:", 1)[1]
    assert "grader_" not in learner_part and "importlib" not in learner_part
