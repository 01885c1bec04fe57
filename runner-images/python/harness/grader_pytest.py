"""Runs pytest in-process and reports each test as a JSON line on stdout.

Every report line starts with `@@grader:<nonce> `, where the nonce came in
the job manifest; the grader ignores all other lines, so what a submission
prints cannot pass for a report. Lines, in order:

  {"event": "syntax_error", "file", "line", "column", "message", "text"}
  {"event": "collected", "tests": [{"id", "file", "name"}]}
  {"event": "collect_error", "file", "summary", "message"}
  {"event": "start", "id"}
  {"event": "result", "id", "outcome", "message", "output",
   "output_truncated", "duration"}
  {"event": "done", "exit_code"}

Ids are pytest node ids relative to the tests directory, e.g.
`test_cart.py::test_total[empty]`.
"""

import json
import os
import signal
import sys
import time

import pytest


class TestTimeout(BaseException):
    """Raised in a test that runs past the per-test time limit.

    A BaseException, so `except Exception` in a submission does not swallow it.
    """


class Reporter:
    def __init__(self, out_fd, config):
        self.out_fd = out_fd
        self.nonce = config["nonce"]
        self.tests_dir = config.get("tests_dir", "tests").rstrip("/") + "/"
        self.output_cap = int(config.get("output_cap", 8192))
        self.message_cap = int(config.get("message_cap", 8192))
        self.test_timeout = config.get("test_timeout")
        self.state = {}

    def emit(self, event):
        line = "@@grader:%s %s\n" % (self.nonce, json.dumps(event))
        data = line.encode("utf-8", "replace")
        while data:
            written = os.write(self.out_fd, data)
            data = data[written:]

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

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr)
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
        tests = []
        for item in session.items:
            test_id = self.test_id(item.nodeid)
            tests.append({
                "id": test_id,
                "file": test_id.split("::", 1)[0],
                "name": item.name,
            })
        self.emit({"event": "collected", "tests": tests})

    def pytest_runtest_logstart(self, nodeid, location):
        self.emit({"event": "start", "id": self.test_id(nodeid)})

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
            output = report.capstdout + report.capstderr
            output, truncated = self.capped(output, self.output_cap)
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


def skip_reason(report):
    if hasattr(report, "wasxfail"):
        return "expected to fail: " + str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def check_syntax(reporter, files):
    """Compile the submission's Python files: a syntax error is reported
    with its place, instead of as a failure of every test that imports it."""
    for name in files:
        try:
            with open(name, "rb") as source:
                compile(source.read(), name, "exec", dont_inherit=True)
        except SyntaxError as error:
            reporter.emit({
                "event": "syntax_error",
                "file": name,
                "line": error.lineno,
                "column": error.offset,
                "message": error.msg,
                "text": (error.text or "").rstrip("\n"),
            })
            return False
        except (OSError, ValueError) as error:
            reporter.emit({
                "event": "syntax_error",
                "file": name,
                "line": None,
                "column": None,
                "message": str(error),
                "text": "",
            })
            return False
    return True


def run(work, config):
    # The tests import the submission's modules from the work directory.
    sys.path.insert(0, work)
    # The report gets stdout to itself; pytest's own terminal output and
    # whatever the code prints outside a test go to stderr.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    reporter = Reporter(out_fd, config)
    if not check_syntax(reporter, config.get("check_syntax", [])):
        reporter.emit({"event": "done", "exit_code": 2})
        return 2
    harness_dir = os.path.dirname(os.path.abspath(__file__))
    args = [
        "-c", os.path.join(harness_dir, "pytest.ini"),
        "--rootdir", work,
        "-q", "--tb=short", "--color=no", "-p", "no:cacheprovider",
        # Results travel in the report; pytest's summary need not repeat
        # what a test printed (it may be megabytes).
        "--show-capture=no", "-rN",
    ] + list(config.get("args", []))
    started = time.monotonic()
    exit_code = int(pytest.main(args, plugins=[reporter]))
    reporter.emit({
        "event": "done",
        "exit_code": exit_code,
        "duration": round(time.monotonic() - started, 6),
    })
    return exit_code
