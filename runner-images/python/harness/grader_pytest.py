"""Runs pytest on the exercise's tests and reports each test on stdout.

This is the test process: pytest, this harness and the tests. The learner's
code never runs here: it runs in a process of its own (grader_learner.py),
which the tests reach through proxies (grader_remote.py). The tests' files
came in the job and stayed in memory (entry.py); they are compiled from
there, with pytest's assert rewriting, and their source is kept in
linecache for tracebacks. This process is not dumpable (entry.py), so the
learner's process, running as the same user, can neither read its memory
nor trace it.

Report lines go through the authenticated channel (grader_channel.py), in
order:

  {"event": "syntax_error", "file", "line", "column", "message", "text"}
  {"event": "collected", "tests": [{"id", "file", "name", "line", "body", "last", "task"}]}
      `line` where the test is defined (its `def`), `body` where its body
      is, as [first line, last line, column of the first] (the docstring
      left out, the comments just above its first statement in), `last`
      the first line of its last statement (inside a trailing for, while,
      if or with), `task` the number of its `@pytest.mark.task(taskno=N)`.
      Line numbers only: a test's source never leaves this process (the
      grader holds the test files and cuts the code out itself), since
      what this process writes passes where learner code could read it.
  {"event": "collect_error", "file", "summary", "message"}
  {"event": "not_loaded", "tests": [{"id", "file", "name"}]}
      the tests of files that could not load (or of every file, after a
      syntax error), listed with the submission stubbed: none of them ran
  {"event": "start", "id"}
  {"event": "subtest", "parent", "id", "name", "msg", "outcome", "message",
   "output", "output_truncated", "duration"}
      one case of a test's `self.subTest(...)` (unittest) or
      `subtests.test(...)` (pytest-subtests), passed or not, before its
      test's result; `id` is the test's id and `[name]`; `msg` the
      message it was given (`subTest(msg)`), if any
  {"event": "result", "id", "outcome", "message", "output",
   "output_truncated", "duration"}
      a test with a failed case has failed, whatever its own outcome
  {"event": "done", "exit_code"}

Ids are pytest node ids relative to the tests directory, e.g.
`test_cart.py::test_total[empty]`.
"""

import ast
import contextlib
import fnmatch
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import signal
import sys
import time
import types

import pytest
import pytest_subtests
from _pytest._code import ExceptionInfo
from _pytest.assertion.rewrite import rewrite_asserts
from _pytest.unittest import TestCaseFunction

import grader_remote
from grader_channel import Channel


class TestTimeout(BaseException):
    """Raised in a test that runs past the per-test time limit.

    A BaseException, so `except Exception` in a submission does not swallow it.
    """


class Reporter:
    def __init__(self, channel, config, connection):
        self.channel = channel
        self.connection = connection
        self.learner_tracebacks = {}
        self.collected = False
        # Test files whose collection failed, as pytest names them.
        self.failed_files = []
        self.tests_dir = config.get("tests_dir", "tests").rstrip("/") + "/"
        self.output_cap = int(config.get("output_cap", 8192))
        self.message_cap = int(config.get("message_cap", 8192))
        self.test_timeout = config.get("test_timeout")
        self.state = {}

    def emit(self, event):
        self.channel.emit(event)

    def test_id(self, nodeid):
        if nodeid.startswith(self.tests_dir):
            return nodeid[len(self.tests_dir):]
        return nodeid

    def capped(self, text, cap):
        data = text.encode("utf-8", "replace")
        if len(data) <= cap:
            return text, False
        return data[:cap].decode("utf-8", "ignore"), True

    # -- pytest hooks --------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config):
        # After pytest-subtests' own, which reports only the failed cases
        # of a unittest `subTest`: every case is a result of its own.
        TestCaseFunction.addSubTest = add_unittest_subtest

    def pytest_collectreport(self, report):
        error, self.connection.last_error = self.connection.last_error, None
        if report.failed:
            self.failed_files.append(report.nodeid)
            text = str(report.longrepr)
            learner = getattr(error, "_grader_traceback", None)
            if isinstance(learner, str) and learner:
                text += "\n\nRaised in your code:\n" + learner
            lines = [line for line in text.splitlines() if line.strip()]
            summary = lines[-1].strip() if lines else "collection failed"
            if summary.startswith("E "):
                summary = summary[2:].strip()
            message, _ = self.capped(text, self.message_cap)
            self.emit({
                "event": "collect_error",
                "file": self.test_id(report.nodeid),
                "summary": summary,
                "message": message,
            })

    def pytest_collection_finish(self, session):
        self.collected = True
        tests = []
        for item in session.items:
            test_id = self.test_id(item.nodeid)
            test = {
                "id": test_id,
                "file": test_id.split("::", 1)[0],
                "name": readable_name(item),
            }
            test.update(describe(item))
            tests.append(test)
        self.emit({"event": "collected", "tests": tests})

    def pytest_runtest_logstart(self, nodeid, location):
        self.connection.new_test()
        self.emit({"event": "start", "id": self.test_id(nodeid)})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        yield
        if call.excinfo is not None:
            text = getattr(call.excinfo.value, "_grader_traceback", None)
            if isinstance(text, str) and text:
                self.learner_tracebacks.setdefault(item.nodeid, text)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        limit = self.test_timeout
        if not limit:
            yield
            return

        def on_alarm(signum, frame):
            raise TestTimeout(
                "this test took longer than %gs, the limit for one test" % limit
            )

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(limit))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def pytest_runtest_logreport(self, report):
        state = self.state.setdefault(
            report.nodeid,
            {"outcome": "passed", "message": "", "duration": 0.0},
        )
        if isinstance(report, pytest_subtests.SubTestReport):
            self.subtest(state, report)
            return
        state["duration"] += report.duration
        if report.when == "setup":
            if report.failed:
                state["outcome"] = "error"
                state["message"] = report.longreprtext
            elif report.skipped:
                state["outcome"] = "skipped"
                state["message"] = skip_reason(report)
        elif report.when == "call":
            if report.failed:
                state["outcome"] = "failed"
                state["message"] = report.longreprtext
            elif report.skipped:
                state["outcome"] = "skipped"
                state["message"] = skip_reason(report)
        elif report.when == "teardown":
            if report.failed and state["outcome"] == "passed":
                state["outcome"] = "error"
                state["message"] = report.longreprtext
            output = PRINTED_BY_CASES.pop(report.nodeid, "") + report.capstdout + report.capstderr
            output, truncated = self.capped(output, self.output_cap)
            learner = self.learner_tracebacks.pop(report.nodeid, None)
            if learner and state["outcome"] in ("failed", "error"):
                state["message"] += "\n\nRaised in your code:\n" + learner
            failed_cases = state.get("failed_cases")
            if failed_cases:
                count = state["cases"]
                listed = ", ".join("[%s]" % name for name in failed_cases[:20])
                if len(failed_cases) > 20:
                    listed += ", …"
                note = "%d of %d cases failed: %s" % (len(failed_cases), count, listed)
                if state["outcome"] == "passed":
                    state["outcome"] = "failed"
                    state["message"] = note
                else:
                    state["message"] = note + "\n\n" + state["message"]
            message, _ = self.capped(state["message"], self.message_cap)
            self.emit({
                "event": "result",
                "id": self.test_id(report.nodeid),
                "outcome": state["outcome"],
                "message": message,
                "output": output,
                "output_truncated": truncated,
                "duration": round(state["duration"], 6),
            })
            del self.state[report.nodeid]


    def subtest(self, state, report):
        """One case of a test's subtests, as a result of its own."""
        state["cases"] = state.get("cases", 0) + 1
        names = state.setdefault("case_names", {})
        name = subtest_name(report.context, state["cases"])
        seen = names.get(name, 0) + 1
        names[name] = seen
        if seen > 1:
            name = "%s #%d" % (name, seen)
        # A learner's traceback recorded while this case's report was made.
        learner = self.learner_tracebacks.pop(report.nodeid, None)
        if report.failed:
            outcome = "failed"
            message = report.longreprtext
            if learner:
                message += "\n\nRaised in your code:\n" + learner
            state.setdefault("failed_cases", []).append(name)
        elif report.skipped:
            outcome, message = "skipped", skip_reason(report)
        else:
            outcome, message = "passed", ""
        if state["cases"] > MAX_CASES:
            return
        output = "".join(
            content for title, content in report.sections
            if title in ("Captured stdout call", "Captured stderr call")
        )
        output, truncated = self.capped(output, self.output_cap)
        message, _ = self.capped(message, self.message_cap)
        test_id = self.test_id(report.nodeid)
        self.emit({
            "event": "subtest",
            "parent": test_id,
            "id": "%s[%s]" % (test_id, name),
            "name": name,
            "msg": report.context.msg if isinstance(report.context.msg, str) else None,
            "outcome": outcome,
            "message": message,
            "output": output,
            "output_truncated": truncated,
            "duration": round(report.duration, 6),
        })


# Cases of one test reported one by one; those after count in its verdict.
MAX_CASES = 200
# What unittest `subTest` cases printed, by test: taken off the test's
# capture for each case, and given back to the test's own output.
PRINTED_BY_CASES = {}


def add_unittest_subtest(self, test_case, test, exc_info):
    """`TestCaseFunction.addSubTest`: unittest calls it for every case of a
    `subTest`, passed (`exc_info` None) or not; each is reported as
    pytest-subtests reports the cases of its `subtests` fixture."""
    message = test._message if isinstance(test._message, str) else None
    excinfo = ExceptionInfo(exc_info, _ispytest=True) if exc_info is not None else None
    call = pytest_subtests.make_call_info(excinfo, start=0, stop=0, duration=0, when="call")
    report = self.ihook.pytest_runtest_makereport(item=self, call=call)
    sub_report = pytest_subtests.SubTestReport._from_test_report(report)
    sub_report.context = pytest_subtests.SubTestContext(message, dict(test.params))
    # What the case printed: read off the test's capture since the case
    # before, and kept for the test's own output too.
    capture = self.config.pluginmanager.getplugin("capturemanager")
    if capture is not None and capture.is_globally_capturing():
        out, err = capture.read_global_capture()
        PRINTED_BY_CASES[self.nodeid] = PRINTED_BY_CASES.get(self.nodeid, "") + out + err
        sub_report.sections = [
            section for section in sub_report.sections
            if section[0] not in ("Captured stdout call", "Captured stderr call")
        ] + [("Captured stdout call", out), ("Captured stderr call", err)]
    # Outside the test's capture, as pytest-subtests does: the terminal's
    # progress marks are not what the test printed.
    capture = self.config.pluginmanager.getplugin("capturemanager")
    suspended = capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext()
    with suspended:
        self.ihook.pytest_runtest_logreport(report=sub_report)


def plain_repr(value):
    """`repr` of a plain value a test passed as a case's parameter; any
    other object (a learner's proxy among them) only by its type, so that
    naming a case never calls into anything."""
    if value is None or type(value) in (bool, int, float, str, bytes):
        text = repr(value)
    elif type(value) in (tuple, list) and len(value) <= 10:
        inner = ", ".join(plain_repr(item) for item in value)
        text = "(%s)" % inner if type(value) is tuple else "[%s]" % inner
    else:
        text = "<%s>" % type(value).__name__
    return text if len(text) <= 80 else text[:79] + "…"


def subtest_name(context, number):
    """A case's name: its message, then its parameters (`empty cart,
    n=0`); `case 3` for a case with neither."""
    parts = []
    if isinstance(context.msg, str) and context.msg:
        parts.append(context.msg[:200])
    kwargs = context.kwargs if isinstance(context.kwargs, dict) else {}
    for key in sorted(kwargs, key=str):
        parts.append("%s=%s" % (key, plain_repr(kwargs[key])))
    return ", ".join(parts).replace("\n", " ") or "case %d" % number


def describe(item):
    """What the report says of a collected test: where it is defined and
    where its body is (line numbers only), and its task from
    `@pytest.mark.task(taskno=N)`."""
    line, body, last = source_of(getattr(item, "function", None))
    task = None
    marker = item.get_closest_marker("task")
    if marker is not None:
        number = marker.kwargs.get("taskno", marker.args[0] if marker.args else None)
        if type(number) is int and number >= 1:
            task = number
    return {"line": line, "body": body, "last": last, "task": task}


# Parsed test modules, by file name.
_trees = {}


def source_of(function):
    """Where `function` is defined (its `def` line), where its body is and
    where its last statement starts (see the `collected` event). Read from
    the sources held in memory (linecache), never from a file."""
    code = getattr(function, "__code__", None)
    if code is None:
        return None, None, None
    entry = linecache.cache.get(code.co_filename)
    if not entry or len(entry) < 3:
        return code.co_firstlineno, None, None
    lines = entry[2]
    tree = _trees.get(code.co_filename)
    if tree is None:
        try:
            tree = ast.parse("".join(lines))
        except (SyntaxError, ValueError):
            return code.co_firstlineno, None, None
        _trees[code.co_filename] = tree
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        if first != code.co_firstlineno or node.name != code.co_name:
            continue
        return node.lineno, body_lines(node, lines), last_statement(node)
    return code.co_firstlineno, None, None


def body_lines(node, lines):
    """[first line, last line, column] of the body: its statements, without
    the docstring, with the comments just above the first."""
    body = list(node.body)
    header_end = node.lineno
    if (len(body) > 1 and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        header_end = body[0].end_lineno
        body = body[1:]
    start = body[0].lineno
    if start <= node.lineno:
        # `def test_x(): assert ...` on one line: from the statement's column.
        return [start, node.end_lineno, body[0].col_offset]
    while start - 1 > header_end and lines[start - 2].strip().startswith("#"):
        start -= 1
    return [start, node.end_lineno, 0]


def last_statement(node):
    """The first line of the last statement of `node`'s body, inside the
    last for, while, if or with that ends it (as Exercism's test runner
    finds where a test's code ends)."""
    last = node.body[-1]
    while isinstance(last, (ast.For, ast.While, ast.If, ast.With)):
        last = last.body[-1]
    return last.lineno


def readable_name(item):
    """A test's name as a learner reads it: the first line of its docstring
    where the author wrote one, else its function's name without `test_`
    and with spaces; after its class (`Cart > adds a product`) and before
    its parameters (`single value [three-is-fizz]`). Ids stay pytest's."""
    function = getattr(item, "function", None)
    doc = getattr(function, "__doc__", None)
    base = getattr(item, "originalname", None) or item.name.split("[", 1)[0]
    if isinstance(doc, str) and doc.strip():
        title = doc.strip().splitlines()[0].strip()
    else:
        title = base[len("test_"):] if base.startswith("test_") else base
        title = title.replace("_", " ").strip() or base
    cls = getattr(item, "cls", None)
    if cls is not None:
        name = cls.__name__
        name = name[len("Test"):] if name.startswith("Test") and len(name) > 4 else name
        title = "%s > %s" % (name, title)
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        title = "%s [%s]" % (title, callspec.id)
    return title


def skip_reason(report):
    if hasattr(report, "wasxfail"):
        return "expected to fail: " + str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def check_syntax(reporter, connection, files):
    """The submission's Python files compiled in the learner's process
    before any of its code runs there: a syntax error is reported with its
    place, instead of as a failure of every test that imports it."""
    if not files:
        return True
    error = connection.request("compile", list(files))
    if error is None:
        return True
    if not isinstance(error, dict):
        error = {"file": "?", "message": "could not check the syntax"}
    reporter.emit({
        "event": "syntax_error",
        "file": str(error.get("file", "?")),
        "line": error.get("line") if type(error.get("line")) is int else None,
        "column": error.get("column") if type(error.get("column")) is int else None,
        "message": str(error.get("message", ""))[:4096],
        "text": str(error.get("text", ""))[:4096],
    })
    return False


def module_names(files):
    """The submission's importable modules, from its file names."""
    names = []
    for name in files:
        if not name.endswith(".py"):
            continue
        parts = name[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            names.append(".".join(parts))
    return names


# Where this process may import modules from: read-only places. Learner
# code can write to /work, /tmp and /dev/shm, and a module it leaves there
# must never be imported here (pytest puts the tests' folder on sys.path).
SAFE_PATHS = ("/usr/", "/opt/grader")


def safe_path(entries):
    return [entry for entry in entries if isinstance(entry, str) and entry.startswith(SAFE_PATHS)]


class MemoryTests(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """This process's only path-based importer. Imports the exercise's test
    modules (and their helpers) from the sources held in memory — the files
    on disk are placeholders — under the names pytest's default import mode
    gives them, and everything else only from read-only places."""

    @classmethod
    def install(cls, work, held):
        finder = cls(work, held)
        sys.meta_path[:] = [finder] + [
            other for other in sys.meta_path if other is not importlib.machinery.PathFinder
        ]
        sys.path_importer_cache.clear()
        return finder

    PATTERNS = ("test_*.py", "*_test.py", "conftest.py")

    def __init__(self, work, held):
        self.modules = {}
        for name, source in held.items():
            parts = name.split("/")
            package = []
            index = len(parts) - 1
            while index > 0 and "/".join(parts[:index] + ["__init__.py"]) in held:
                index -= 1
                package.insert(0, parts[index])
            stem = parts[-1][:-3]
            is_package = stem == "__init__"
            dotted = ".".join(package if is_package else package + [stem]) if (package or not is_package) else None
            if dotted:
                self.modules[dotted] = (os.path.join(work, name), source, is_package)

    def find_spec(self, fullname, path=None, target=None):
        entry = self.modules.get(fullname)
        if entry is None:
            return importlib.machinery.PathFinder.find_spec(
                fullname, safe_path(sys.path if path is None else path), target
            )
        location, _, is_package = entry
        return importlib.util.spec_from_file_location(
            fullname,
            location,
            loader=self,
            submodule_search_locations=[os.path.dirname(location)] if is_package else None,
        )

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        location, source, _ = self.modules[module.__name__]
        tree = ast.parse(source, filename=location)
        base = os.path.basename(location)
        if any(fnmatch.fnmatch(base, pattern) for pattern in self.PATTERNS):
            rewrite_asserts(tree, source, location, None)
        code = compile(tree, location, "exec", dont_inherit=True)
        lines = source.decode("utf-8", "replace").splitlines(True)
        linecache.cache[location] = (len(source), None, lines, location)
        exec(code, module.__dict__)


class Stub(types.ModuleType):
    """Stands for a module of the submission, and for every name in it,
    while the tests that could not load are listed: nothing of the
    learner's runs, and a test module's top level finds what it imports."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub(name)

    def __call__(self, *args, **kwargs):
        return Stub("result")

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)


class Lister:
    def __init__(self):
        self.tests = []

    def pytest_collection_finish(self, session):
        self.tests = [(item.nodeid, readable_name(item), describe(item)) for item in session.items]


def list_unloaded(reporter, work, config, files):
    """The tests of the files that could not load, collected again with
    every module of the submission stubbed, so that a learner reads every
    test the exercise has, not run, instead of none."""
    paths = sorted({name.split("::", 1)[0] for name in files if name})
    if not paths or any(path.endswith("conftest.py") for path in paths) or paths == ["."]:
        paths = [arg for arg in config.get("args", [])]
    for name in module_names(config.get("check_syntax", [])):
        sys.modules[name] = Stub(name)
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) if isinstance(module, types.ModuleType) else None
        if isinstance(location, str) and location.startswith(work + os.sep + "tests"):
            del sys.modules[name]
    lister = Lister()
    harness_dir = os.path.dirname(os.path.abspath(__file__))
    try:
        pytest.main(
            ["-c", os.path.join(harness_dir, "pytest.ini"), "--rootdir", work, "-q",
             "--collect-only", "-p", "no:cacheprovider", "-p", "pytest_subtests",
             "--assert=plain"] + paths,
            plugins=[lister],
        )
    except Exception:  # noqa: BLE001 - a best effort: without it, the report lists none of these tests
        return
    listed = [
        dict({"id": reporter.test_id(nodeid), "file": reporter.test_id(nodeid).split("::", 1)[0],
              "name": name}, **described)
        for nodeid, name, described in lister.tests
    ]
    if listed:
        reporter.emit({"event": "not_loaded", "tests": listed})


def prestart(work):
    """Starts the learner's process ahead of the job (warm containers)."""
    return grader_remote.LearnerProcess(work)


def run(work, config, key, held, prestarted=None):
    # The report gets stdout to itself; pytest's own terminal output and
    # whatever is printed outside a test go to stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    channel = Channel(out_fd, key)
    connection = grader_remote.Connection(work, prestarted)
    reporter = Reporter(channel, config, connection)
    MemoryTests.install(work, held)
    # The tests' files on disk are placeholders, which the learner's code
    # could remove: pytest need not compare them with the modules.
    os.environ["PY_IGNORE_IMPORTMISMATCH"] = "1"
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        loads = check_syntax(reporter, connection, config.get("check_syntax", []))
    except grader_remote.LearnerCrashed as error:
        reporter.emit({"event": "syntax_error", "file": "?", "line": None, "column": None,
                       "message": str(error), "text": ""})
        loads = False
    if not loads:
        connection.close()
        list_unloaded(reporter, work, config, ["."])
        reporter.emit({"event": "done", "exit_code": 2})
        return 2
    for name in module_names(config.get("check_syntax", [])):
        sys.modules[name] = grader_remote.module(connection, name)
    harness_dir = os.path.dirname(os.path.abspath(__file__))
    args = [
        "-c", os.path.join(harness_dir, "pytest.ini"),
        "--rootdir", work,
        "-q", "--tb=short", "--color=no", "-p", "no:cacheprovider",
        # The `subtests` fixture; unittest's `subTest` cases are reported
        # by `add_unittest_subtest`.
        "-p", "pytest_subtests",
        # The tests' asserts are rewritten by MemoryTests.
        "--assert=plain",
        # Results travel in the report; pytest's summary need not repeat
        # what a test printed (it may be megabytes).
        "--show-capture=no", "-rN",
    ] + list(config.get("args", []))
    started = time.monotonic()
    try:
        exit_code = int(pytest.main(args, plugins=[reporter]))
    finally:
        connection.close()
    if reporter.failed_files or (not reporter.collected and connection.requests):
        unloaded = reporter.failed_files or ["conftest.py"]
    else:
        unloaded = []
    if not reporter.collected and connection.requests:
        # pytest stopped before collecting (a conftest.py that imports the
        # submission failed): with the learner's code involved, that is a
        # submission that cannot load, not the grader's failure.
        error = connection.last_error
        summary = "%s: %s" % (type(error).__name__, error) if error else "pytest could not start"
        learner = getattr(error, "_grader_traceback", None)
        message = summary + ("\n\nRaised in your code:\n" + learner if learner else "")
        reporter.emit({
            "event": "collect_error",
            "file": "conftest.py",
            "summary": summary[:4096],
            "message": message[: reporter.message_cap],
        })
    if unloaded:
        list_unloaded(reporter, work, config, unloaded)
    reporter.emit({
        "event": "done",
        "exit_code": exit_code,
        "duration": round(time.monotonic() - started, 6),
    })
    return exit_code
