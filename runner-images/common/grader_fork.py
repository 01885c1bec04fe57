"""Forks that stand in for fresh interpreters, in a shared container.

`grader check` runs an exercise's reference, starter and mutants (the
author's code, never a learner's) one after another in one container
(crates/grader-sandbox/src/shared.rs), whose main process is
grader_zygote.py: it imports the harness, pytest or the web frameworks
once, and forks each job from there. In such a job, `start()` forks the
harness's helper interpreters too (the python kind's learner process, the
pytest kind's learner pytest and implementation zygote, the api kind's
launcher) instead of starting them fresh, so their imports are paid once
per container. Everywhere else, and in any process that has started a
thread, `start()` is `subprocess.Popen`.

A fork looks to its script as `python3 -I [-u] [-B] SCRIPT ARGS...` would:
its own session (if asked), working directory, environment and file
descriptors (0, 1, 2 and `pass_fds`, nothing else), fresh standard streams,
`sys.argv`, `sys.path[0]`, `__main__`, dumpable, none of our exit
handlers; without -I, `PYTHONUNBUFFERED`, `PYTHONDONTWRITEBYTECODE` and
`PYTHONPATH` from its environment. It exits as the interpreter would. What
differs is what is already imported, `sys.flags` (the zygote's, started
with -I), and the hash seed, which it shares with its zygote.

A fork holds what its parent held when it forked: nothing of the job for
the helpers started before the job is read (the learner process, the
learner pytest, the launcher), the job's key and what entry.py keeps in
memory for one started after (a learner process started again after a
crash, the implementation zygote, a launcher for an app's restart). That is fine for the author's
code, the only code a zygote's jobs run; a learner's submission never runs
where `ENABLED` is set.
"""

import atexit
import contextlib
import ctypes
import io
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
import traceback

PR_SET_DUMPABLE = 4
PR_SET_NAME = 15

# Set in a job forked by grader_zygote.py.
ENABLED = False
# The zygote's sys.path as the interpreter made it (with -I, which implies
# -P, without the script's folder); a fork's script's folder goes first
# unless -I is among its flags.
BASE_PATH = list(sys.path)
# What a fork's flags may be; anything else is started fresh.
FLAGS = {"-I", "-u", "-B"}


def start(argv, *, cwd=None, env=None, stdin=None, stdout=None, stderr=None, pass_fds=(),
          start_new_session=False):
    """`subprocess.Popen(argv, ..., close_fds=True)`, or a fork when this
    is a zygote's job, `argv` is `[sys.executable, FLAGS..., SCRIPT, ...]`
    and this process has one thread."""
    script = split(argv)
    if not ENABLED or script is None or threading.active_count() > 1:
        return subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
            pass_fds=pass_fds, close_fds=True, start_new_session=start_new_session,
        )
    flags, path, args = script
    return Forked(argv, flags, path, args, cwd, env, (stdin, stdout, stderr), pass_fds,
                  start_new_session)


def split(argv):
    """(flags, script, args) of `[sys.executable, flags..., script, args...]`."""
    if len(argv) < 2 or argv[0] != sys.executable:
        return None
    at = 1
    while at < len(argv) and argv[at] in FLAGS:
        at += 1
    if at == len(argv) or argv[at].startswith("-") or not argv[at].endswith(".py"):
        return None
    return set(argv[1:at]), argv[at], list(argv[at + 1:])


class Forked:
    """The parts of `subprocess.Popen` the harness uses, for a fork."""

    def __init__(self, argv, flags, script, args, cwd, env, streams, pass_fds, new_session):
        self.args = argv
        self.returncode = None
        self.lock = threading.Lock()
        ends = [pipe_ends(stream, reading=(at == 0)) for at, stream in enumerate(streams)]
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self.pid = os.fork()
        if self.pid == 0:
            become(flags, script, args, cwd, env, [child for child, _, _ in ends], pass_fds,
                   new_session)
        for child, _, made in ends:
            if made:
                os.close(child)
        self.stdin, self.stdout, self.stderr = (
            None if ours is None else os.fdopen(ours, "wb" if at == 0 else "rb")
            for at, (_, ours, _) in enumerate(ends)
        )

    def poll(self):
        if not self.lock.acquire(blocking=False):
            return None
        try:
            return self.reap(os.WNOHANG)
        finally:
            self.lock.release()

    def wait(self, timeout=None):
        if timeout is None:
            with self.lock:
                return self.reap(0)
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            code = self.poll()
            if code is not None:
                return code
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.05)

    def reap(self, flags):
        if self.returncode is not None:
            return self.returncode
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            # Reaped elsewhere: as Popen does, call it a success.
            self.returncode = 0
            return 0
        if pid == 0:
            return None
        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self):
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it ended since
                os.kill(self.pid, signal.SIGKILL)


def pipe_ends(stream, reading):
    """(the child's fd or None to inherit, our end of a pipe or None,
    whether the child's fd was opened here), for one of `Popen`'s stdin,
    stdout or stderr arguments."""
    if stream is None:
        return None, None, False
    if stream == subprocess.DEVNULL:
        return os.open(os.devnull, os.O_RDONLY if reading else os.O_WRONLY), None, True
    if stream == subprocess.PIPE:
        read_end, write_end = os.pipe()
        return (read_end, write_end, True) if reading else (write_end, read_end, True)
    return stream, None, False


def prctl(option, value):
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def set_name(name):
    """The process's name (`/proc/<pid>/comm`), which shared.rs's cleanup
    reads to spare the zygote."""
    prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()))


def reset_process():
    """What a fork of the zygote undoes first: its name, dumpability and
    exit handlers."""
    set_name("python3")
    prctl(PR_SET_DUMPABLE, 1)
    atexit._clear()


def fresh_streams(unbuffered=False):
    """New sys.stdin, sys.stdout and sys.stderr on fds 0, 1 and 2, as an
    interpreter starts with (none of the parent's buffered bytes)."""
    def text(fd, mode, errors, write_through):
        binary = open(fd, mode + "b", buffering=0 if write_through else -1, closefd=False)
        return io.TextIOWrapper(binary, encoding="utf-8", errors=errors,
                                write_through=write_through)

    sys.stdin = sys.__stdin__ = text(0, "r", "strict", False)
    sys.stdout = sys.__stdout__ = text(1, "w", "strict", unbuffered)
    sys.stderr = sys.__stderr__ = text(2, "w", "backslashreplace", True)


def keep_only(fds):
    """Closes every file descriptor but `fds`."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in fds:
            # The listing's own descriptor, closed already when it ended.
            with contextlib.suppress(OSError):
                os.close(fd)


def run_as_main(script):
    """Runs `script` as `__main__` and exits as the interpreter would."""
    code = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            sys.stderr.write("%s\n" % (stop.code,))
            code = 1
    except BaseException:  # noqa: BLE001 - what the interpreter would print
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001, S110 - exiting regardless
        pass
    os._exit(code & 0xFF)


def become(flags, script, args, cwd, env, fds, pass_fds, new_session):
    """The fork's side: never returns."""
    try:
        reset_process()
        if new_session:
            os.setsid()
        for target, fd in enumerate(fds):
            if fd is not None and fd != target:
                os.dup2(fd, target)
        keep_only({0, 1, 2, *pass_fds})
        if cwd is not None:
            os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        # Without -I, an interpreter also reads these from its environment.
        def asked(flag, variable):
            return flag in flags or ("-I" not in flags and bool(os.environ.get(variable)))

        fresh_streams(unbuffered=asked("-u", "PYTHONUNBUFFERED"))
        sys.dont_write_bytecode = asked("-B", "PYTHONDONTWRITEBYTECODE")
        sys.argv = [script] + args
        first = []
        if "-I" not in flags:
            first.append(os.path.dirname(os.path.abspath(script)))
            first += [path for path in os.environ.get("PYTHONPATH", "").split(":") if path]
        sys.path[:] = first + BASE_PATH
    except BaseException:  # noqa: BLE001 - the fork must not return
        traceback.print_exc()
        os._exit(1)
    run_as_main(script)
