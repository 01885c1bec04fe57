"""The child of `grader_tests.py`: pytest on the learner's test files, in a
fresh interpreter that holds nothing of the grader's (no key, no other
implementation). Everything here is in reach of the learner's tests, which
may rewrite it: what it writes on its pipe is only the learner's word about
their own tests, and the parent reads it as such.

    python3 -I -B grader_tests_child.py <pipe fd> <settings json>
"""

import json
import os
import signal
import sys

import pytest

HARNESS = os.path.dirname(os.path.abspath(__file__))


class TestTimeout(BaseException):
    """Raised in a test that runs past the per-test time limit."""


class Reporter:
    def __init__(self, pipe, test_timeout, hidden):
        self.pipe = pipe
        self.test_timeout = test_timeout
        self.state = {}
        # The implementation's files: their frames are left out of a
        # failure's traceback, whose source lines would show learners the
        # code they never see.
        self.hidden = {os.path.join(os.getcwd(), name) for name in hidden}

    def emit(self, event):
        try:
            self.pipe.write(json.dumps(event, ensure_ascii=True) + "\n")
            self.pipe.flush()
        except (OSError, ValueError):
            pass

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr)
            lines = [line for line in text.splitlines() if line.strip()]
            summary = lines[-1].strip() if lines else "collection failed"
            if summary.startswith("E "):
                summary = summary[2:].strip()
            self.emit({"event": "collect_error", "file": report.nodeid or "?",
                       "summary": summary, "message": text})

    def pytest_collection_finish(self, session):
        tests = []
        for item in session.items:
            line = None
            try:
                line = item.reportinfo()[1] + 1
            except Exception:
                pass
            tests.append({"id": item.nodeid, "name": item.name, "line": line})
        self.emit({"event": "collected", "tests": tests})

    def pytest_runtest_logstart(self, nodeid, location):
        self.emit({"event": "start", "id": nodeid})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        # pytest leaves out of a traceback the frames whose globals say
        # `__tracebackhide__`: the implementation's modules say so.
        for module in list(sys.modules.values()):
            if getattr(module, "__file__", None) in self.hidden:
                try:
                    module.__tracebackhide__ = True
                except Exception:
                    pass
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        limit = self.test_timeout
        if not limit:
            yield
            return

        def on_alarm(signum, frame):
            raise TestTimeout("this test took longer than %gs, the limit for one test" % limit)

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(limit))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def pytest_runtest_logreport(self, report):
        state = self.state.setdefault(
            report.nodeid, {"outcome": "passed", "message": "", "duration": 0.0})
        state["duration"] += report.duration
        if report.when in ("setup", "call"):
            if report.failed:
                state["outcome"] = "error" if report.when == "setup" else "failed"
                state["message"] = report.longreprtext
            elif report.skipped:
                state["outcome"] = "skipped"
                state["message"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        elif report.when == "teardown":
            if report.failed and state["outcome"] == "passed":
                state["outcome"] = "error"
                state["message"] = report.longreprtext
            self.emit({"event": "result", "id": report.nodeid, "outcome": state["outcome"],
                       "message": state["message"],
                       "output": report.capstdout + report.capstderr,
                       "duration": round(state["duration"], 6)})
            del self.state[report.nodeid]


def main():
    pipe = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    settings = json.loads(sys.argv[2])
    work = os.getcwd()
    reporter = Reporter(pipe, settings.get("test_timeout"), settings.get("hidden", []))
    args = [
        "-c", os.path.join(HARNESS, "pytest.ini"),
        "--rootdir", work,
        "-q", "--tb=short", "--color=no", "-p", "no:cacheprovider",
        "--show-capture=no", "-rN",
    ] + list(settings.get("files", []))
    code = int(pytest.main(args, plugins=[reporter]))
    reporter.emit({"event": "finished", "exit_code": code})
    pipe.close()
    sys.exit(code)


if __name__ == "__main__":
    main()
