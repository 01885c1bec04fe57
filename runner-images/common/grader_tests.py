"""The pytest kind's side of a job: the learner's tests against one
implementation (the correct one, or one of the exercise's bugs).

This runs in the entry process: not dumpable, the job's key in its memory
only. The learner's tests are learner code, so they never run here: pytest
runs in a child, a fresh interpreter (`python3 -I`, a clean environment,
stdin on /dev/null, no descriptor of ours but the write end of one pipe)
started on `grader_tests_child.py`, which writes what pytest saw as JSON
lines on that pipe. The child's word is only about its own tests, so this
process reads it as untrusted input, keeps only well-formed events in a
sane order and within caps, and re-signs them on the report channel in the
python harness's format (collected, start, result, collect_error, done).
`done` comes only when the child said pytest finished *and* exited: a child
that calls os._exit, is killed or loses its pipe leaves a report without an
end, which the grader reads as a run that did not finish.

The implementation under test never touches the disk: the entry process
holds its files in memory and hands them to grader_impl.py, a process of
its own that is not dumpable, which the child reaches only by calls
(proxies): a test learns what the implementation does, never its code.
Nothing else of the exercise is in this container, so no run sees another
implementation, and nothing a run leaves behind reaches another run (each
is a container of its own).

On an api exercise (`app` in the job) the implementation is the
exercise's own web app, served by grader_api.serve_held: its services on
Unix sockets in the job user's 0700 folder, the app from memory in a
process that is not dumpable. The learner's pytest then runs as a user of
its own (LEARNER_UID), started while this process was still root
(entry.py, a container of its own): it reaches the app over HTTP at
BASE_URL and nothing else of it — not its files, memory, environment (the
JWT secret) or data, nor a signal to it or to this process. Before each
run of a test it asks on the control socket for the app's data to be put
back as it started (`Resets`): every table emptied, its ids from 1 again,
Redis flushed.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import grader_fork
from grader_channel import Channel

HARNESS = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HARNESS, "grader_tests_child.py")
IMPLEMENTATION = os.path.join(HARNESS, "grader_impl.py")
# Bytes of the child's report read; the rest is not looked at.
MAX_REPORT = 8 << 20
MAX_TESTS = 2000
MAX_ID = 1000
OUTCOMES = ("passed", "failed", "error", "skipped")
# The learner's tests' own user where the implementation is an app.
LEARNER_UID = 1001


def capped(value, cap):
    if not isinstance(value, str):
        return "", False
    data = value.encode("utf-8", "replace")
    if len(data) <= cap:
        return value, False
    return data[:cap].decode("utf-8", "ignore"), True


class Relay:
    """Re-signs the child's events that make sense, in an order that does."""

    def __init__(self, channel, message_cap, output_cap):
        self.channel = channel
        self.message_cap = message_cap
        self.output_cap = output_cap
        self.collected = None
        self.results = set()
        self.finished = None
        self.errors = 0

    def event(self, event):
        if not isinstance(event, dict) or self.finished is not None:
            return
        kind = event.get("event")
        if kind == "collected" and self.collected is None:
            tests = event.get("tests")
            if not isinstance(tests, list):
                return
            kept, ids = [], set()
            for test in tests[:MAX_TESTS]:
                if not isinstance(test, dict):
                    continue
                test_id, _ = capped(test.get("id"), MAX_ID)
                if not test_id or test_id in ids:
                    continue
                ids.add(test_id)
                name, _ = capped(test.get("name") or test_id, MAX_ID)
                line = test.get("line")
                if not (isinstance(line, int) and not isinstance(line, bool) and 0 < line < 1 << 31):
                    line = None
                kept.append({"id": test_id, "file": test_id.split("::", 1)[0],
                             "name": name, "line": line})
            self.collected = ids
            self.channel.emit({"event": "collected", "tests": kept})
        elif kind == "collect_error" and self.collected is None and self.errors < 50:
            self.errors += 1
            file, _ = capped(event.get("file"), MAX_ID)
            message, _ = capped(event.get("message"), self.message_cap)
            summary, _ = capped(event.get("summary"), 1000)
            self.channel.emit({"event": "collect_error", "file": file or "?",
                               "summary": summary or "collection failed", "message": message})
        elif kind == "start" and self.collected is not None:
            test_id = event.get("id")
            if isinstance(test_id, str) and test_id in self.collected and test_id not in self.results:
                self.channel.emit({"event": "start", "id": test_id})
        elif kind == "result" and self.collected is not None:
            test_id = event.get("id")
            outcome = event.get("outcome")
            known = isinstance(test_id, str) and test_id in self.collected
            if not known or test_id in self.results or outcome not in OUTCOMES:
                return
            self.results.add(test_id)
            message, _ = capped(event.get("message"), self.message_cap)
            output, truncated = capped(event.get("output"), self.output_cap)
            duration = event.get("duration")
            if not (isinstance(duration, (int, float)) and 0 <= duration < 1e6):
                duration = 0.0
            self.channel.emit({"event": "result", "id": test_id, "outcome": outcome,
                               "message": message, "output": output,
                               "output_truncated": truncated, "duration": float(duration)})
        elif kind == "finished":
            code = event.get("exit_code")
            if isinstance(code, int) and not isinstance(code, bool) and 0 <= code < 256:
                self.finished = code


def clean_env(work):
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": work,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


class Refused(Exception):
    """The exercise's implementation cannot run: the author's to mend."""


def sources(config, held):
    """The implementation's files, as text, each one compiling."""
    found = {}
    for name in config.get("implementation", []):
        data = held.get(name) if isinstance(name, str) else None
        if data is None:
            raise Refused("the implementation's file %r is not in the job" % (name,))
        try:
            text = data.decode("utf-8")
            compile(text, name, "exec", dont_inherit=True)
        except (UnicodeDecodeError, SyntaxError, ValueError) as error:
            raise Refused("the implementation's %s does not compile: %s" % (name, error)) from None
        found[name] = text
    return found


class Child:
    """The learner's pytest: a fresh interpreter that imports pytest, then
    waits on a pipe for what to run. In a warm container it starts before
    the job exists (`prestart`), so the import is paid off the clock; it
    holds nothing of the job until its settings come, and they come only
    once the implementation's process is ready."""

    def __init__(self, work, user=None):
        self.report, report_w = os.pipe()
        # `control` is the implementation's end, for grader_impl.py (or
        # the app's resets).
        self.control, control_child = socket.socketpair()
        settings_r, self.settings = os.pipe()
        # A user of its own: only from root, and never a fork.
        self.user = user
        start = grader_fork.start if user is None else learners_popen(user)
        try:
            self.process = start(
                [sys.executable, "-I", "-B", CHILD, str(report_w), str(control_child.fileno()),
                 str(settings_r)],
                cwd=work,
                env=clean_env(work),
                stdin=subprocess.DEVNULL,
                stdout=2,
                stderr=2,
                pass_fds=(report_w, control_child.fileno(), settings_r),
                start_new_session=True,
            )
        finally:
            os.close(report_w)
            control_child.close()
            os.close(settings_r)

    def go(self, settings):
        with os.fdopen(self.settings, "wb") as out:
            self.settings = None
            out.write(json.dumps(settings).encode("utf-8"))

    def kill(self):
        if self.settings is not None:
            # No job for it: it ends at the end of its settings (the one
            # way to stop a child of another user).
            os.close(self.settings)
            self.settings = None
        with contextlib.suppress(OSError):  # gone already, or another user's
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


def learners_popen(user):
    def start(argv, **options):
        return subprocess.Popen(argv, user=user, group=user, extra_groups=[], close_fds=True,
                                **options)
    return start


def prestart(work):
    """The learner's pytest, started ahead of the job (warm containers)."""
    return Child(work)


def prestart_as_learner(work):
    """The learner's pytest as a user of its own, for tests of an app:
    started by entry.py while it is root, before the job exists."""
    return Child(work, user=LEARNER_UID)


class Resets:
    """Answers the learner's pytest's requests on the control socket: `r`,
    put the app's data back as it started, answered `k` (or `x`: it could
    not be). Runs in a thread of its own until the socket closes."""

    def __init__(self, sock, env):
        self.sock = sock
        self.postgres = env.get("DATABASE_URL")
        self.redis = env.get("REDIS_URL")

    def serve(self):
        with contextlib.suppress(OSError):
            while self.sock.recv(1) == b"r":
                try:
                    self.reset()
                    answer = b"k"
                except Exception as error:  # noqa: BLE001 - said, and the test fails
                    sys.stderr.write("grader-tests: the app's data could not be reset: %s\n" % error)
                    answer = b"x"
                self.sock.sendall(answer)
        # Anything else ends the service: the child's next ask fails at once.
        self.sock.close()

    def reset(self):
        if self.postgres:
            import psycopg2

            connection = psycopg2.connect(self.postgres, connect_timeout=5)
            try:
                with connection, connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")
                    cursor.execute("SET statement_timeout = '10s'")
                    cursor.execute("SELECT quote_ident(tablename) FROM pg_tables"
                                   " WHERE schemaname = 'public' ORDER BY tablename")
                    tables = [row[0] for row in cursor.fetchall()]
                    if tables:
                        cursor.execute("TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(tables))
            finally:
                connection.close()
        if self.redis:
            import redis

            redis.Redis.from_url(self.redis, socket_timeout=5).flushall()


def start_implementation(work, files, control):
    """grader_impl.py on the implementation's end of `control`, ready."""
    ready_r, ready_w = os.pipe()
    try:
        zygote = grader_fork.start(
            [sys.executable, "-I", "-B", IMPLEMENTATION, str(control.fileno()), str(ready_w)],
            cwd=work,
            env=clean_env(work),
            stdin=subprocess.PIPE,
            stdout=2,
            stderr=2,
            pass_fds=(control.fileno(), ready_w),
            start_new_session=True,
        )
    finally:
        os.close(ready_w)
        control.close()
    zygote.stdin.write(json.dumps(files).encode("utf-8"))
    zygote.stdin.close()
    # It is not dumpable before it reads its stdin; the learner's tests
    # get their settings only once it said it is ready.
    with os.fdopen(ready_r, "rb") as ready:
        if ready.read(1) != b"r":
            raise Refused("the implementation's process did not start (exit status %s)" % zygote.wait())


def run(work, config, key, held, prestarted=None):
    # The report gets stdout to itself; the child's stdout and stderr go to
    # the job's stderr (the author's log).
    out_fd = os.dup(1)
    os.dup2(2, 1)
    channel = Channel(out_fd, key)
    if config.get("app") is not None:
        return run_on_app(work, config, key, held, prestarted, channel)
    child = prestarted if isinstance(prestarted, Child) and prestarted.process.poll() is None else Child(work)
    try:
        files = sources(config, held)
        start_implementation(work, files, child.control)
    except Refused as error:
        return refuse(child, key, error)
    return relay_run(child, config, channel, {"modules": [name[: -len(".py")] for name in files]})


def refuse(child, key, error):
    child.kill()
    sys.stderr.write("grader-tests: %s\n" % error)
    Channel(2, key).emit({"event": "refused", "reason": str(error)})
    return 125


def run_on_app(work, config, key, held, prestarted, channel):
    """The learner's tests against the exercise's own app (see above)."""
    import threading

    import grader_api

    child = prestarted if isinstance(prestarted, Child) else None
    if child is None or child.user is None or child.process.poll() is not None:
        if child is not None:
            child.kill()
        reason = "the tests of an app need a container of their own, started as root"
        sys.stderr.write("grader-tests: %s\n" % reason)
        Channel(2, key).emit({"event": "refused", "reason": reason})
        return 125
    try:
        files = sources(config, held)
        env, _ = grader_api.serve_held(work, config["app"], files)
    except (Refused, grader_api.NotServed) as error:
        return refuse(child, key, error)
    resets = Resets(child.control, env)
    threading.Thread(target=resets.serve, daemon=True).start()
    base_url = "http://127.0.0.1:%d" % config["app"]["port"]
    return relay_run(child, config, channel, {"base_url": base_url})


def relay_run(child, config, channel, target):
    """Gives the learner's pytest its settings and re-signs its report."""
    relay = Relay(channel, int(config.get("message_cap", 4096)),
                  int(config.get("output_cap", 4096)))
    tests = [name for name in config.get("files", []) if isinstance(name, str)]
    started = time.monotonic()
    child.go({"files": tests, **target,
              "test_timeout": config.get("test_timeout"),
              "repeat": config.get("repeat", 1)})
    read_end = child.report
    pending = b""
    total = 0
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            chunk = pipe.read(65536)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_REPORT:
                # Read on (so the child is not blocked), look at nothing more.
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    event = json.loads(line)
                except (ValueError, RecursionError):  # noqa: S112 - not JSON, or nested too deep: no event
                    continue
                relay.event(event)
    code = child.process.wait()
    if relay.finished is not None and code == relay.finished:
        channel.emit({"event": "done", "exit_code": relay.finished,
                      "duration": round(time.monotonic() - started, 6)})
    else:
        sys.stderr.write("grader-tests: the learner's pytest ended without finishing "
                         "(exit status %d)\n" % code)
    return 0
