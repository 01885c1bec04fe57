"""Entry point of every grader container.

The container starts with this script blocked on stdin, so it can be created
and started before its job exists. The grader then writes one uncompressed tar
stream: the job's files plus `.grader/job.json`, the job manifest. This script
unpacks the files into the work directory (a tmpfs), keeps the manifest in
memory only, and runs the job:

  {"command": ["python3", "main.py"]}      exec the command
  {"pytest": {"args": [...], "nonce": "…", "test_timeout": 5, ...}}
                                            run pytest in this process with
                                            the report plugin (warm start)
  {"sql": {"engines": [...], "nonce": "…", ...}}
                                            run the sql kind's harness
  {"api": {"start": [...], "port": 8000, ...}}
                                            start the app and relay the
                                            grader's connections to it
                                            (stdin stays open for them)

Every image gets this file; each harness module comes with its own image.

Only regular files with plain relative names are accepted; anything else
aborts the job with exit code 125 before any job code runs.
"""

import json
import os
import sys
import tarfile

WORK = os.environ.get("GRADER_WORKDIR", "/work")
MANIFEST = ".grader/job.json"
EXIT_BAD_INPUT = 125

if os.environ.get("GRADER_PRELOAD") == "pytest":
    # Importing pytest costs most of a small job's time: a container started
    # ahead of its job pays it while it waits.
    import pytest  # noqa: F401


def fail(message):
    sys.stderr.write("grader-entry: " + message + "\n")
    sys.exit(EXIT_BAD_INPUT)


def checked_name(name):
    if name.startswith("/") or "\\" in name or "\0" in name:
        fail("refusing tar entry %r: not a plain relative name" % name)
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        fail("refusing tar entry %r: not a plain relative name" % name)
    return parts


def unpack(stream):
    manifest = None
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if not member.isreg():
                fail("refusing tar entry %r: not a regular file" % member.name)
            parts = checked_name(member.name)
            data = archive.extractfile(member).read()
            if member.name == MANIFEST:
                manifest = json.loads(data)
                continue
            if parts[0] == ".grader":
                fail("refusing tar entry %r: reserved name" % member.name)
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
    return manifest


def main():
    sys.dont_write_bytecode = True
    manifest = unpack(sys.stdin.buffer)
    os.chdir(WORK)
    if "api" in manifest:
        # The grader goes on talking on stdin: the harness relays it.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import grader_api

        sys.exit(grader_api.run(WORK, manifest["api"], sys.stdin.buffer))
    # Nothing more will come on stdin; the job's code must not wait for it.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if "command" in manifest:
        argv = manifest["command"]
        os.execvp(argv[0], argv)
    if "pytest" in manifest:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import grader_pytest

        sys.exit(grader_pytest.run(WORK, manifest["pytest"]))
    if "sql" in manifest:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import grader_sql

        sys.exit(grader_sql.run(WORK, manifest["sql"]))
    fail("the job manifest names no command")


if __name__ == "__main__":
    main()
