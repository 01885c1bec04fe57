"""The shell kind's broker: the one process that runs code as the learner.

A shell job has two users. The tests (bats, and this image's harness) run
as the job's user, uid 1000 (grader_user.py); the learner's scripts run as
the learner's user, uid 1001 (`learner` in /etc/passwd). Between them is
this broker, forked by entry.py while it is still root (capabilities:
SETUID and SETGID only), before the job's files exist: it holds no key,
no test and none of the container's streams but stderr.

A test asks for a run through `grader_learner.py` (the `learner` and
`as_learner` commands of grader.bash): a request on the broker's socket,
with the test's stdin, stdout and stderr beside it (SCM_RIGHTS). The
broker refuses anyone but the tests' user (SO_PEERCRED), then starts the
command as the learner's user with those three streams and nothing else,
in a play folder (under /work/play), with a clean environment, waits for
it under the call's time limit and answers with its exit status. When no
other call is under way, every process of the learner's is killed before
the answer goes (a script's background jobs end with it); a call past its
time limit takes every process of the learner's with it. The killing is a
killer's: a child the broker forks when it starts, whose effective uid is
the learner's (so it may signal their processes; the broker, without
CAP_KILL, may not) and whose real and saved uid stay root's (so none of
theirs may signal, trace or open it). Made at the start, it needs no fork
later, whatever the learner's processes hold. A thread the broker cannot
start (the process limit) costs that one call, never the broker.

So the learner's code never holds a stream of the tests' (bats's TAP
channel, the report channel), never runs as the tests' user (whose files,
the tests and fixtures, are closed to others), and cannot signal, trace or
read the memory of any process but its own.
"""

import array
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

ADDRESS = "\0grader-shell-learner"
TESTS_UID = 1000
LEARNER_UID = 1001
PLAY = "/work/play"
MAX_REQUEST = 256 * 1024
PATH = "/usr/local/bin:/usr/bin:/bin"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The exit status of a call stopped at its time limit, as timeout(1) has it.
TIMED_OUT = 124


def start():
    """Forks the broker, which stays root; returns its pid. Called by
    entry.py before it becomes the job's user."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
    listener.bind(ADDRESS)
    listener.listen(16)
    pid = os.fork()
    if pid:
        listener.close()
        return pid
    code = 1
    try:
        # Not the container's stdin (the job's tar) nor stdout (the report
        # channel); stderr stays, for the author's log.
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        Broker(listener).serve()
        code = 0
    finally:
        os._exit(code)


def learner_env(cwd, extra):
    env = {
        "PATH": PATH,
        "HOME": cwd,
        "USER": "learner",
        "LOGNAME": "learner",
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "TMPDIR": "/tmp",
        "TERM": "dumb",
    }
    env.update(extra)
    return env


def checked(request):
    """The request's argv, cwd, env and timeout, or ValueError."""
    argv = request.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and "\0" not in a for a in argv):
        raise ValueError("no command to run")
    cwd = request.get("cwd")
    if not isinstance(cwd, str) or "\0" in cwd:
        raise ValueError("no folder to run in")
    real = os.path.realpath(cwd)
    if real != PLAY and not real.startswith(PLAY + "/"):
        raise ValueError(
            "the learner's code runs in a play folder (under %s), not in %s: "
            "call `play_with` first, or cd into $PLAY" % (PLAY, cwd)
        )
    env = request.get("env", {})
    if not isinstance(env, dict) or not all(
        isinstance(k, str) and NAME.match(k) and isinstance(v, str) and "\0" not in v for k, v in env.items()
    ):
        raise ValueError("an environment variable that cannot be passed on")
    timeout = request.get("timeout")
    if not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise ValueError("no time limit")
    return argv, real, env, float(timeout)


class Killer:
    """Kills every process of the learner's: a child of the broker's, made
    when the broker starts (so no fork is needed later, whatever the
    learner's processes hold), whose real and saved uid stay root's while
    its effective uid is the learner's. It may signal the learner's
    processes (its effective uid is theirs); they may not signal, trace or
    open it (its real uid is root's)."""

    def __init__(self):
        orders_r, orders_w = os.pipe()
        answers_r, answers_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for name in os.listdir("/proc/self/fd"):
                    if int(name) > 2 and int(name) not in (orders_r, answers_w):
                        try:
                            os.close(int(name))
                        except OSError:  # noqa: S110 - the listing's own descriptor
                            pass
                os.setgroups([])
                os.setresgid(0, LEARNER_UID, 0)
                os.setresuid(0, LEARNER_UID, 0)
                while os.read(orders_r, 1):
                    os.write(answers_w, b"1" if kill_everything_of_theirs() else b"0")
                code = 0
            finally:
                os._exit(code)
        os.close(orders_r)
        os.close(answers_w)
        self.pid = pid
        self.orders = orders_w
        self.answers = answers_r
        self.lock = threading.Lock()

    def others(self):
        """Whether any process of the learner's is alive (most calls leave
        none: nothing to kill)."""
        import grader_leftovers

        return bool(grader_leftovers.processes(set(), LEARNER_UID))

    def kill_all(self):
        """Whether every process of the learner's is gone."""
        with self.lock:
            try:
                os.write(self.orders, b"k")
                return os.read(self.answers, 1) == b"1"
            except OSError:
                return False


def kill_everything_of_theirs():
    """The killer's work: SIGKILL to each process of the learner's, again
    until none is left (a fork under way may bring another), for at most
    two seconds; whether none is left."""
    import grader_leftovers

    deadline = time.monotonic() + 2.0
    while True:
        left = grader_leftovers.processes(set(), LEARNER_UID)
        if not left:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:  # noqa: S110 - gone already
                pass
        time.sleep(0.001)


class Broker:
    def __init__(self, listener):
        self.listener = listener
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.active = 0
        self.killer = Killer()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                # Out of descriptors or memory for a moment: try again.
                time.sleep(0.01)
                continue
            try:
                if peer_uid(connection) != TESTS_UID:
                    connection.close()
                    continue
                threading.Thread(target=self.answer, args=(connection,), daemon=True).start()
            except (OSError, RuntimeError):
                # No thread to spare (the process limit): the caller is
                # told nothing and sees the broker's refusal; the broker
                # goes on.
                connection.close()

    def answer(self, connection):
        fds = []
        try:
            try:
                data, fds = receive(connection)
                request = json.loads(data)
                if not isinstance(request, dict):
                    raise ValueError("a request the broker cannot read")
                if request.get("ping"):
                    connection.send(b'{"pong": true}')
                    return
                argv, cwd, env, timeout = checked(request)
                if len(fds) != 3:
                    raise ValueError("a call comes with its stdin, stdout and stderr")
            except ValueError as error:
                say(fds, "grader: %s\n" % error)
                connection.send(json.dumps({"status": 2, "refused": str(error)}).encode())
                return
            status = self.call(argv, cwd, env, timeout, fds)
            connection.send(json.dumps({"status": status}).encode())
        except OSError:  # noqa: S110 - the test's end hung up: nobody to answer
            pass
        finally:
            for fd in fds:
                os.close(fd)
            connection.close()

    def call(self, argv, cwd, env, timeout, fds):
        with self.lock:
            self.active += 1
        try:
            status = run_as_learner(argv, cwd, env, timeout, fds, self.killer)
        finally:
            with self.lock:
                self.active -= 1
                if self.active == 0 and self.killer.others():
                    # New calls wait for this: nothing of theirs is killed.
                    self.killer.kill_all()
        return status


def run_as_learner(argv, cwd, env, timeout, fds, killer):
    try:
        process = spawn(argv, cwd, env, fds)
    except FileNotFoundError:
        say(fds, "%s: command not found\n" % argv[0])
        return 127
    except PermissionError:
        say(fds, "%s: permission denied\n" % argv[0])
        return 126
    except OSError as error:
        say(fds, "%s: %s\n" % (argv[0], error.strerror))
        return 126
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Every process of the learner's goes, a concurrent call's too.
        killer.kill_all()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # noqa: S110 - reaped by init later
            pass
        say(fds, "grader: stopped after %g s, the time a call may take\n" % timeout)
        return TIMED_OUT
    return code if code >= 0 else 128 - code


def spawn(argv, cwd, env, fds):
    def start(command):
        return subprocess.Popen(
            command,
            stdin=fds[0],
            stdout=fds[1],
            stderr=fds[2],
            cwd=cwd,
            env=learner_env(cwd, env),
            user=LEARNER_UID,
            group=LEARNER_UID,
            extra_groups=[],
            umask=0o022,
            close_fds=True,
            start_new_session=True,
        )

    try:
        return start(argv)
    except OSError as error:
        if error.errno != 8:  # ENOEXEC: no #! line; a shell runs it, as shells do
            raise
        return start(["/bin/bash"] + argv)


def say(fds, text):
    if len(fds) == 3:
        try:
            os.write(fds[2], text.encode("utf-8", "replace"))
        except OSError:  # noqa: S110 - a stderr the test closed: nowhere to say it
            pass


def peer_uid(connection):
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder)


def receive(connection):
    """One request and the three streams beside it."""
    fds = array.array("i")
    data, ancillary, flags, _ = connection.recvmsg(MAX_REQUEST, socket.CMSG_LEN(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    fds = list(fds)
    if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or (fds and len(fds) != 3):
        for fd in fds:
            os.close(fd)
        raise ValueError("a request the broker cannot read")
    return data, fds
