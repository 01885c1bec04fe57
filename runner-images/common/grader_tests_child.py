"""The child of `grader_tests.py`: pytest on the learner's test files, in a
fresh interpreter that holds nothing of the grader's (no key, no
implementation). Everything here is in reach of the learner's tests, which
may rewrite it: what it writes on its pipe is only the learner's word about
their own tests, and the parent reads it as such.

    python3 -I -B grader_tests_child.py <pipe fd> <control fd> <settings fd>

It imports pytest first, then reads its settings (the test files, the
implementation's module names, the per-test time limit, how many times a
passing test runs) as JSON from the settings pipe: in a warm container it
is started before its job exists. Each test runs from the same
pseudo-random state, and again while it passes (`repeat` times): on correct
code a test must pass every time to count.

The implementation is not in this process: its modules here are proxies
(grader_remote.py) for a process of its own (grader_impl.py), asked for
on the control socket, and asked again for a fresh one when a call into
it was abandoned (a test's time limit) or it died. When the implementation
is an app (settings with `base_url`, an api exercise's learner tests), the
tests reach it over HTTP at BASE_URL instead, and its data is put back as
it started before each run of a test (`App`).
"""

import contextlib
import json
import os
import random
import signal
import socket
import struct
import sys

import pytest
from _pytest.runner import runtestprotocol

HARNESS = os.path.dirname(os.path.abspath(__file__))
# The python image's proxies, for an implementation that is a module; an
# app's image has none and needs none.
sys.path.insert(0, HARNESS)
try:
    import grader_remote
    import grader_wire
except ImportError as error:
    # Absent from this image; anything else missing is a broken image.
    if error.name not in ("grader_remote", "grader_wire"):
        raise
    grader_remote = grader_wire = None
sys.path.pop(0)


class ImplementationStopped(getattr(grader_remote, "LearnerCrashed", Exception)):
    """The implementation's process ended, or was stopped, during a call."""


class ImplementationProcess:
    """A fresh implementation process, as grader_impl.py hands it over."""

    def __init__(self, control):
        try:
            control.sendall(b"n")
            message, fds, _, _ = socket.recv_fds(control, 16, 3)
        except OSError as error:
            raise ImplementationStopped("the implementation could not be started again (%s)" % error) from None
        if len(message) != 4 or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            raise ImplementationStopped("the implementation could not be started again")
        (self.pid,) = struct.unpack(">I", message)
        self.sock = socket.socket(fileno=fds[0])
        self.stdout, self.stderr = fds[1], fds[2]
        self.reader = grader_wire.FrameReader()

    def kill(self):
        with contextlib.suppress(OSError):  # it ended already
            os.kill(self.pid, signal.SIGKILL)
        for close in (self.sock.close, lambda: os.close(self.stdout), lambda: os.close(self.stderr)):
            with contextlib.suppress(OSError):
                close()

    def end(self):
        return "the implementation's process ended during this call (the memory limit, most likely)"


class Implementation(getattr(grader_remote, "Connection", object)):
    CODE = "the implementation"
    Crashed = ImplementationStopped

    def __init__(self, work, control):
        super().__init__(work)
        self.control = control

    def start(self):
        return ImplementationProcess(self.control)


class App:
    """An app under test, reached over HTTP at BASE_URL. Before each run of
    a test the parent puts its data back as it started (grader_tests.Resets),
    asked on the control socket: this process has no way to its data, nor
    to its code."""

    def __init__(self, control):
        self.control = control

    def new_test(self):
        try:
            self.control.sendall(b"r")
            answer = self.control.recv(1)
        except OSError:
            answer = b""
        if answer != b"k":
            raise RuntimeError("the app's data could not be reset before this test")

    def close(self):
        self.control.close()


class TestTimeout(BaseException):
    """Raised in a test that runs past the per-test time limit."""


class Reporter:
    def __init__(self, pipe, test_timeout, implementation, repeat):
        self.pipe = pipe
        self.test_timeout = test_timeout
        self.implementation = implementation
        self.repeat = max(1, repeat)
        self.state = {}
        # Tests that passed, then failed, in this run: how many times each
        # passed before it failed.
        self.flaky = {}

    def emit(self, event):
        # A parent that stopped reading (or a pipe a test closed): no one
        # left to tell.
        with contextlib.suppress(OSError, ValueError):
            self.pipe.write(json.dumps(event, ensure_ascii=True) + "\n")
            self.pipe.flush()

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
            except Exception:  # noqa: BLE001, S110 - an item that cannot say where it is has no line
                pass
            tests.append({"id": item.nodeid, "name": item.name, "line": line})
        self.emit({"event": "collected", "tests": tests})

    def pytest_runtest_logstart(self, nodeid, location):
        self.emit({"event": "start", "id": nodeid})

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """Runs a test up to `repeat` times, setup to teardown, while it
        passes: a test that catches a bug must pass every time on correct
        code, so one whose verdict is chance's is seen flipping. The
        reports of its first failure are the ones logged, or else of its
        last run."""
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        passes = 0
        reports = []
        for number in range(self.repeat):
            last = number == self.repeat - 1
            # Before its last time, the test is torn down as if a test of
            # the same class or module came next: its own fixtures go,
            # theirs stay for the next time.
            reports = runtestprotocol(item, nextitem=nextitem if last else item.parent, log=False)
            if any(report.failed or report.skipped for report in reports):
                if not last:
                    # Its own teardown kept what the next run would reuse.
                    item.session._setupstate.teardown_exact(nextitem)
                break
            passes += 1
        if 0 < passes < self.repeat:
            self.flaky[item.nodeid] = passes
        for report in reports:
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def pytest_runtest_setup(self, item):
        self.implementation.new_test()
        # Each test starts from the same pseudo-random state in every run,
        # on the correct implementation and on each bug alike: a test that
        # flips a coin with `random` gets the same side everywhere, and so
        # catches nothing by chance.
        random.seed(item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        limit = self.test_timeout
        if not limit:
            yield
            return

        def on_alarm(signum, frame):
            __tracebackhide__ = True
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
            passes = self.flaky.pop(report.nodeid, 0)
            if passes and state["outcome"] != "passed":
                state["message"] = (
                    "flaky: this test passed %d time(s) in this run, then failed:\n%s"
                    % (passes, state["message"]))
            self.emit({"event": "result", "id": report.nodeid, "outcome": state["outcome"],
                       "message": state["message"],
                       "output": report.capstdout + report.capstderr,
                       "duration": round(state["duration"], 6)})
            del self.state[report.nodeid]


def main():
    pipe = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8")
    control = socket.socket(fileno=int(sys.argv[2]))
    with os.fdopen(int(sys.argv[3]), "rb") as source:
        data = source.read()
    if not data:
        # The job never came (the container was discarded).
        return
    settings = json.loads(data)
    work = os.getcwd()
    if "base_url" in settings:
        os.environ["BASE_URL"] = settings["base_url"]
        implementation = App(control)
    else:
        implementation = Implementation(work, control)
        for name in settings.get("modules", []):
            sys.modules[name] = grader_remote.module(implementation, name)
    reporter = Reporter(pipe, settings.get("test_timeout"), implementation,
                        int(settings.get("repeat") or 1))
    args = [
        "-c", os.path.join(HARNESS, "pytest.ini"),
        "--rootdir", work,
        "-q", "--tb=short", "--color=no", "-p", "no:cacheprovider",
        "--show-capture=no", "-rN",
    ] + list(settings.get("files", []))
    try:
        code = int(pytest.main(args, plugins=[reporter]))
    finally:
        implementation.close()
    reporter.emit({"event": "finished", "exit_code": code})
    pipe.close()
    sys.exit(code)


if __name__ == "__main__":
    main()
