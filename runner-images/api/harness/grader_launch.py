"""The learner's app's launcher: a fresh interpreter, started by the api
harness (grader_api.py) as the app's process, that becomes the app.

In a warm container it starts before the job exists and imports the web
frameworks the image offers (FastAPI, Starlette, pydantic, uvicorn, Flask,
Werkzeug) while the container waits: an app started from it skips those
imports. Nothing of the job is in it until its command comes, and it is a
process of its own, never a fork of the harness: it holds nothing of the
grader's (the job's key, the frames).

  python3 grader_launch.py NOTIFY_FD [--preload | --preload-services | --held]

`--preload-services`, for an exercise with services, also imports what
apps of the course use to reach them (SQLAlchemy, psycopg2, redis).

`--held` starts the exercise's own app for the learner's tests (the pytest
kind's runs on an api exercise, grader_tests.py): the process makes itself
not dumpable before it reads anything, the command's `modules` (name to
source) are imported from memory and never touch the disk, and the app's
working directory is `/` with no folder of the job on its path, so that
nothing the learner's tests write can be imported into it.

It reads one JSON line on stdin, {"argv": [...], "cwd": ..., "env": {...}},
puts /dev/null on stdin, takes the app's working directory and environment,
and runs the command in this interpreter when it is `python3 -m MODULE ...`
or `python3 FILE ...` (as `python3` would: `sys.argv`, `sys.path[0]`,
`__main__`); any other command it execs.

Readiness: before the app runs, `socket.socket.listen` is wrapped to write a
byte to NOTIFY_FD once a socket listens, so the harness knows when to
connect without polling. The app can write to that pipe or close it: the
harness takes a byte there as a hint to try its connection, never as proof
that the app answers (the grader's readiness probe is that).
"""

import contextlib
import json
import os
import runpy
import shutil
import socket
import sys

# What an app of the course imports first; each one that the image lacks is
# skipped.
PRELOAD = (
    "asyncio",
    "json",
    "fastapi",
    "fastapi.responses",
    "fastapi.security",
    "pydantic",
    "starlette.applications",
    "starlette.responses",
    "uvicorn",
    "uvicorn.main",
    "uvicorn.config",
    "uvicorn.server",
    "uvicorn.lifespan.on",
    "uvicorn.loops.auto",
    "uvicorn.loops.asyncio",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "flask",
    "flask.cli",
    "werkzeug.serving",
    "jwt",
)
# What apps with PostgreSQL and Redis import besides (`--preload-services`).
SERVICES_PRELOAD = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql.psycopg2",
    "psycopg2",
    "psycopg2.extras",
    "redis",
)


def plan(argv):
    """How to run `argv` in this interpreter: ("module", name, args),
    ("path", file, args), or None when it must be exec'd."""
    if len(argv) < 2 or not os.path.basename(argv[0]).startswith("python3"):
        return None
    found = shutil.which(argv[0])
    if found is None or os.path.realpath(found) != os.path.realpath(sys.executable):
        return None
    rest = argv[1:]
    if rest[0] == "-m" and len(rest) >= 2 and not rest[1].startswith("-"):
        return ("module", rest[1], rest[2:])
    if not rest[0].startswith("-"):
        return ("path", rest[0], rest[1:])
    return None


def preload(names):
    """Imports `names` while no command has come: a command that comes
    first (a cold container) stops it, so an app never waits for imports
    of a framework it does not use."""
    import importlib
    import select

    for name in names:
        waiting, _, _ = select.select([sys.stdin], [], [], 0)
        if waiting:
            return
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - the image lacks it, or it needs more
            pass


class Held:
    """Imports the modules it holds from memory, before any other finder."""

    def __init__(self, sources):
        self.sources = sources

    def find_spec(self, name, path=None, target=None):
        import importlib.util

        if name not in self.sources:
            return None
        return importlib.util.spec_from_loader(name, self, origin="<exercise>/%s.py" % name)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        code = compile(self.sources[module.__name__], module.__spec__.origin, "exec", dont_inherit=True)
        # The exercise's own app, held in memory.
        exec(code, module.__dict__)


def not_dumpable():
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise SystemExit("grader-api: could not make the app not dumpable")


def hook_listen(notify):
    listen = socket.socket.listen

    def listening(self, *args):
        listen(self, *args)
        # The harness gave up waiting, or the app closed the pipe: the
        # app listens all the same.
        with contextlib.suppress(OSError):
            os.write(notify, b"L")

    socket.socket.listen = listening


def main():
    notify = int(sys.argv[1])
    os.set_inheritable(notify, False)
    held = "--held" in sys.argv[2:]
    if held:
        not_dumpable()
    if "--preload" in sys.argv[2:]:
        preload(PRELOAD)
    elif "--preload-services" in sys.argv[2:]:
        preload(PRELOAD + SERVICES_PRELOAD)
    line = sys.stdin.buffer.readline()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if not line:
        # The harness went away before it had an app to start.
        return 0
    command = json.loads(line)
    argv = command["argv"]
    os.chdir(command["cwd"])
    os.environ.clear()
    os.environ.update(command["env"])
    how = plan(argv)
    if held:
        if how is None:
            sys.stderr.write("grader-api: an app held in memory must start with python3\n")
            return 127
        sys.meta_path.insert(0, Held(command["modules"]))
    if how is None:
        os.close(notify)
        try:
            os.execvpe(argv[0], argv, command["env"])
        except OSError as error:
            sys.stderr.write("grader-api: could not start the app: %s\n" % error)
            return 127
    kind, target, args = how
    hook_listen(notify)
    # As `python3 -m` or `python3 FILE` would set them.
    sys.path[0] = os.getcwd() if kind == "module" else os.path.dirname(os.path.abspath(target))
    if held:
        # Its modules come from memory; nothing else from the job's folders.
        sys.path.pop(0)
    if kind == "module":
        sys.argv = [target] + list(args)
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target] + list(args)
        runpy.run_path(target, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
