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
the answer goes (a script's background jobs end with it), by a killer
process that is the learner's user too (so it may signal them; the broker,
without CAP_KILL, may not), made ahead of time (so a learner's fork bomb
cannot keep it from being made) and made again after each use.

So the learner's code never holds a stream of the tests' (bats's TAP
channel, the report channel), never runs as the tests' user (whose files,
the tests and fixtures, are closed to others), and cannot signal, trace or
read the memory of any process but its own.
"""

import array
import json
import os
import re
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
KILLER = [sys.executable, "-I", os.path.abspath(__file__), "--kill"]


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
    """Kills every process of the learner's, as the learner's user."""

    def __init__(self):
        self.ready = None

    def _spawn(self):
        return subprocess.Popen(
            KILLER,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            close_fds=True,
            user=LEARNER_UID,
            group=LEARNER_UID,
            extra_groups=[],
            env={"PATH": PATH},
            cwd="/",
        )

    def prepare(self):
        """Makes the next killer, if there is none alive."""
        if self.ready is not None and self.ready.poll() is None:
            return
        deadline = time.monotonic() + 2.0
        while True:
            try:
                self.ready = self._spawn()
                return
            except OSError:
                # No process to spare: a fork bomb of the learner's, which
                # dies down as its forks fail.
                if time.monotonic() > deadline:
                    self.ready = None
                    return
                time.sleep(0.01)

    def others(self):
        """Whether any process of the learner's but the waiting killer is
        alive (most calls leave none: no killer needed)."""
        import grader_leftovers

        spared = {self.ready.pid} if self.ready is not None else set()
        return bool(grader_leftovers.processes(spared, LEARNER_UID))

    def kill_all(self):
        """Whether every process of the learner's is gone."""
        self.prepare()
        killer, self.ready = self.ready, None
        if killer is None:
            return False
        try:
            killer.stdin.write(b"k")
            killer.stdin.close()
            code = killer.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            killer.kill()
            code = None
        self.prepare()
        return code == 0


class Broker:
    def __init__(self, listener):
        self.listener = listener
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.active = 0
        self.killer = Killer()
        self.killer.prepare()

    def serve(self):
        while True:
            connection, _ = self.listener.accept()
            uid = peer_uid(connection)
            if uid != TESTS_UID:
                connection.close()
                continue
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

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
        killer.kill_all()
        process.wait()
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


def kill_everything_of_mine():
    """The killer's work, as the learner's user: every process of that user
    but this one, killed; System V objects of theirs, removed."""
    import grader_leftovers

    grader_leftovers.kill_all()
    grader_leftovers.remove_ipc(os.getuid())
    return 0 if not grader_leftovers.processes({os.getpid()}, os.getuid()) else 1


if __name__ == "__main__" and sys.argv[1:] == ["--kill"]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.stdin.buffer.read(1)
    sys.exit(kill_everything_of_mine())
