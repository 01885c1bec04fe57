"""Entry point of every grader container.

The container starts with this script blocked on stdin, so it can be created
and started before its job exists. The grader then writes one uncompressed tar
stream: `.grader/job.json`, the job manifest, first, then the job's files. This
script keeps the manifest in memory only, unpacks the files into the work
directory (a tmpfs) and runs the job:

  {"command": ["python3", "main.py"]}      exec the command
  {"key": "…", "pytest": {"args": [...], "test_timeout": 5, ...}}
                                            run pytest in this process (the
                                            test process), the learner's
                                            code in one of its own
  {"key": "…", "tests": {"files": [...], ...}}
                                            the pytest kind: the learner's
                                            tests, in a child process, on
                                            one implementation
  {"key": "…", "sql": {"engines": [...], ...}}
                                            run the sql kind's harness
  {"key": "…", "api": {"start": [...], "port": 8000, ...}}
                                            start the app and relay the
                                            grader's connections to it
                                            (stdin stays open for them)
  {"key": "…", "shell": {"files": [...], ...}}
                                            run the exercise's bats files
                                            against the learner's scripts

Every image gets this file; each harness module comes with its own image.

Before it reads its job, the script does what the container's
GRADER_PRELOAD asks, so that a container waiting in the warm pool has it
done off the clock: `pytest` imports pytest and starts the learner's
process; `api` starts the app's launcher with the web frameworks imported
(`api-services` with SQLAlchemy, psycopg2 and redis too); `tests` starts
the pytest kind's learner pytest, which imports pytest and waits;
`postgres` starts the sql kind's PostgreSQL server; `shell` forks the
shell kind's broker (grader_broker.py) before this process leaves root, the
one process of the job that keeps root's SETUID and SETGID, to run the
learner's scripts as a user of their own; `app-tests` starts the learner's
pytest as a user of its own before this process leaves root, for the
learner's tests of an api exercise's app (grader_tests.py). None of it
sees anything of the job, which does not exist yet.

Only regular files with plain relative names are accepted; anything else
aborts the job with exit code 125 before any job code runs, and says why in
an authenticated line on stderr (see grader_channel.py): exit code 125 alone
proves nothing, since learner code can exit with it too.

This process starts as root (so that init, pid 1, is root's and out of the
learner's reach) and becomes the job's user before anything else
(grader_user.py); then it makes itself not dumpable: learner code runs as
the same user, and could otherwise read its memory (the job's key, the
tests held in memory) through /proc or ptrace. For a pytest job, the
exercise's test modules (`tests/**.py`) never touch the disk: they stay in
memory and a placeholder takes their place. For a pytest-kind job, the
implementation's files stay in memory and nothing takes their place; so do
a shell job's test files (its harness writes each only while it runs).
"""

import ctypes
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grader_user

# The shell kind's broker stays root; it is forked before anything of the
# job exists, and only where this process starts as root (a container of
# its own, never a zygote's fork).
BROKER = None
if os.environ.get("GRADER_PRELOAD") == "shell" and os.getuid() == 0:
    import grader_broker

    BROKER = grader_broker.start()
# The learner's tests of an api exercise's app run as a user of their own,
# started here for the same reason, before the job exists (grader_tests.py).
LEARNERS_TESTS = None
if os.environ.get("GRADER_PRELOAD") == "app-tests" and os.getuid() == 0:
    import grader_tests

    LEARNERS_TESTS = grader_tests.prestart_as_learner(os.environ.get("GRADER_WORKDIR", "/work"))

# Before anything else: the job's user, not root (grader_user.py).
grader_user.drop()

PR_SET_DUMPABLE = 4


def not_dumpable():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        sys.stderr.write("grader-entry: prctl(PR_SET_DUMPABLE) failed\n")
        sys.exit(EXIT_BAD_INPUT)


EXIT_BAD_INPUT = 125
not_dumpable()

HARNESS = os.path.dirname(os.path.abspath(__file__))
WORK = os.environ.get("GRADER_WORKDIR", "/work")
MANIFEST = ".grader/job.json"
PLACEHOLDER = b"# The grader holds this test file in memory; it is never on disk.\n"

PRESTARTED = None
if os.environ.get("GRADER_PRELOAD") == "pytest":
    # Importing pytest costs most of a small job's time, and starting the
    # learner's process some more: a container started ahead of its job
    # pays both while it waits. The learner's process starts before any job
    # bytes exist here, from a fresh interpreter.
    import grader_pytest

    PRESTARTED = grader_pytest.prestart(WORK)
elif os.environ.get("GRADER_PRELOAD") == "tests":
    # A pytest-kind job: the learner's pytest (grader_tests_child.py), a
    # fresh interpreter without the job, imports pytest while the container
    # waits, and then waits for what to run.
    import grader_tests

    PRESTARTED = grader_tests.prestart(WORK)
elif os.environ.get("GRADER_PRELOAD") in ("api", "api-services"):
    # An api job: the app's launcher, a process of its own, imports the web
    # frameworks (and for `api-services` the clients of PostgreSQL and
    # Redis) while the container waits (grader_launch.py).
    import grader_api

    PRESTARTED = grader_api.prestart(os.environ["GRADER_PRELOAD"] == "api-services")
elif os.environ.get("GRADER_PRELOAD") == "postgres":
    # A sql job on PostgreSQL: the server's start, its first connection and
    # empty databases, paid while the container waits (grader_sql.py). Only
    # the image's own template cluster is in it before the job comes.
    import grader_sql

    PRESTARTED = grader_sql.prestart(sys.stdin.buffer)

KEY = None


def fail(message):
    sys.stderr.write("grader-entry: " + message + "\n")
    if KEY is not None:
        from grader_channel import Channel

        Channel(2, KEY).emit({"event": "refused", "reason": message})
    sys.exit(EXIT_BAD_INPUT)


def checked_name(name):
    if name.startswith("/") or "\\" in name or "\0" in name:
        fail("refusing tar entry %r: not a plain relative name" % name)
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        fail("refusing tar entry %r: not a plain relative name" % name)
    return parts


def in_memory(manifest):
    """Which of the job's files stay in memory, and what takes their place
    on disk (None: nothing)."""
    pytest_job = manifest.get("pytest")
    if isinstance(pytest_job, dict):
        folder = pytest_job.get("tests_dir", "tests").strip("/") + "/"
        return (lambda name: name.startswith(folder) and name.endswith(".py")), PLACEHOLDER
    tests_job = manifest.get("tests")
    if isinstance(tests_job, dict):
        names = {name for name in tests_job.get("implementation", []) if isinstance(name, str)}
        return names.__contains__, None
    if isinstance(manifest.get("shell"), dict):
        return (lambda name: name.startswith("tests/")), None
    return (lambda name: False), None


def unpack(stream):
    global KEY
    manifest = None
    kept, placeholder = (lambda name: False), None
    held = {}
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if not member.isreg():
                fail("refusing tar entry %r: not a regular file" % member.name)
            parts = checked_name(member.name)
            data = archive.extractfile(member).read()
            if member.name == MANIFEST:
                if manifest is not None:
                    fail("the job has two manifests")
                manifest = json.loads(data)
                KEY = manifest.get("key")
                kept, placeholder = in_memory(manifest)
                continue
            if manifest is None:
                fail("the job's first entry is not %s" % MANIFEST)
            if parts[0] == ".grader":
                fail("refusing tar entry %r: reserved name" % member.name)
            if kept(member.name):
                held[member.name] = data
                if placeholder is None:
                    continue
                data = placeholder
            parent = os.path.join(WORK, *parts[:-1])
            os.makedirs(parent, mode=0o755, exist_ok=True)
            # O_EXCL and O_NOFOLLOW: never write through something that exists.
            fd = os.open(
                os.path.join(parent, parts[-1]),
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                0o644,
            )
            with os.fdopen(fd, "wb") as out:
                out.write(data)
    if manifest is None:
        fail("the job has no %s" % MANIFEST)
    return manifest, held


def main():
    sys.dont_write_bytecode = True
    manifest, held = unpack(sys.stdin.buffer)
    os.chdir(WORK)
    if "api" in manifest:
        # The grader goes on talking on stdin: the harness relays it.
        import grader_api

        sys.exit(grader_api.run(WORK, manifest["api"], sys.stdin.buffer, KEY, PRESTARTED))
    # Nothing more will come on stdin; the job's code must not wait for it.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if "command" in manifest:
        argv = manifest["command"]
        os.execvp(argv[0], argv)
    if "pytest" in manifest:
        import grader_pytest

        sys.exit(grader_pytest.run(WORK, manifest["pytest"], KEY, held, PRESTARTED))
    if "tests" in manifest:
        import grader_tests

        prestarted = PRESTARTED if isinstance(PRESTARTED, grader_tests.Child) else None
        if PRESTARTED is not None and prestarted is None:
            # A process started for another kind of job: unused here.
            PRESTARTED.kill()
        if LEARNERS_TESTS is not None:
            prestarted = LEARNERS_TESTS

        sys.exit(grader_tests.run(WORK, manifest["tests"], KEY, held, prestarted))
    if "sql" in manifest:
        import grader_sql

        sys.exit(grader_sql.run(WORK, manifest["sql"], KEY, PRESTARTED))
    if "shell" in manifest:
        import grader_shell

        sys.exit(grader_shell.run(WORK, manifest["shell"], KEY, held, BROKER))
    fail("the job manifest names no command")


if __name__ == "__main__":
    main()
