"""The shell kind's harness: the exercise's bats files against the learner's
scripts, one bats run per file, each test's verdict read from bats's TAP.

It runs as the tests' user (uid 1000); the learner's scripts run as the
learner's (uid 1001), only through the broker (grader_broker.py), which
entry.py started before it dropped root. The job's files:

  submission/<file>   the learner's scripts: made executable, readable by
                      the learner's user, writable by neither
  fixtures/…          moved to /work/.fixtures, closed to the learner
  tests/<file>.bats   held in memory (entry.py) and written to
                      /work/.tests, closed to the learner, one at a time,
                      only while their own run lasts: visible files first,
                      so no hidden test is on disk while a visible one runs

Before any learner code runs, bats counts each file's tests (`--count`)
and the count must be the grader's (which read the same `@test` lines on
the host): otherwise the exercise is at fault (event `infra`). After that,
whatever is missing is the learner's doing: a test bats never reported
failed, with what bats said. The learner never holds bats's stdout (the
TAP stream, this process's pipe) nor this process's (the report channel),
so a learner's script may print TAP lines, exit with any status or kill
whatever it may: a verdict is only what bats, as the tests' user, says.

Events, on the report channel (grader_channel.py):

  {"event": "test", "file": …, "name": …, "outcome": "passed"|"failed"|"skipped", "message": …, "ms": …}
  {"event": "infra", "message": …}        the exercise's fault, before any learner code
  {"event": "broker_lost"}                 the broker died under the job
  {"event": "log", "file": …, "text": …}  bats's own stderr and stray lines, for the author
  {"event": "done"}
"""

import os
import re
import secrets
import shutil
import subprocess
import sys

from grader_channel import Channel

import grader_broker

HERE = os.path.dirname(os.path.abspath(__file__))
PREAMBLE = "source %s/grader.bash; " % HERE
TESTS = "/work/.tests"
FIXTURES = "/work/.fixtures"
BATS_TMP = "/work/.bats-tmp"
# Each test's play folder, one a line (play_folders); in a folder only the
# tests' user opens.
PLAYS = TESTS + "/.plays"
PLAY = "/work/play"
LIBRARIES = "/usr/lib/bats"
TAP_RESULT = re.compile(r"(not ok|ok) (\d+) (.*)\Z")
TAP_PLAN = re.compile(r"1\.\.(\d+)\Z")
TIMING = re.compile(r" in (\d+)ms( # skip\b.*)?\Z")
LOG_CAP = 16 * 1024


def prepare(work):
    """The job's folders, as the module's documentation lays them out."""
    fixtures = os.path.join(work, "fixtures")
    if os.path.isdir(fixtures):
        os.rename(fixtures, FIXTURES)
    else:
        os.mkdir(FIXTURES)
    os.chmod(FIXTURES, 0o700)
    submission = os.path.join(work, "submission")
    os.makedirs(submission, exist_ok=True)
    for name in os.listdir(submission):
        os.chmod(os.path.join(submission, name), 0o755)
    os.chmod(submission, 0o755)
    for folder, mode in ((TESTS, 0o700), (BATS_TMP, 0o700), (PLAY, 0o1777)):
        os.mkdir(folder)
        os.chmod(folder, mode)


def with_preamble(text):
    """The test file with the preamble on its first line (line numbers
    stay), or on a line of its own when the first line is a test's."""
    first, newline, rest = text.partition("\n")
    if first.lstrip().startswith("@test") or "# @test" in first:
        return PREAMBLE + "\n" + text
    return PREAMBLE + first + newline + rest


def bats_env(index, job):
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": TESTS,
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "TMPDIR": BATS_TMP,
        "BATS_LIB_PATH": LIBRARIES,
        "GRADER_FILE_INDEX": str(index),
        "GRADER_PLAYS_FILE": PLAYS,
        "GRADER_CALL_TIMEOUT": str(job.get("call_timeout", 10)),
    }


def count(path, env):
    """bats's count of the tests in `path`, or the reason there is none."""
    try:
        ran = subprocess.run(
            ["bats", "--count", os.path.basename(path)],
            cwd=TESTS,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return None, "bats did not count them within 60 s"
    text = ran.stdout.decode("utf-8", "replace").strip()
    if ran.returncode != 0 or not text.isdigit():
        return None, (ran.stderr.decode("utf-8", "replace") or text).strip()[-2000:]
    return int(text), None


class Tap:
    """One bats run's TAP, line by line, against the names of its tests."""

    def __init__(self, names, message_cap):
        self.names = names
        self.message_cap = message_cap
        self.plan = None
        self.results = {}
        self.current = None
        self.stray = []

    def line(self, line):
        plan = TAP_PLAN.match(line)
        result = TAP_RESULT.match(line)
        if plan and self.plan is None and not self.results:
            self.plan = int(plan.group(1))
        elif result:
            self.current = self.result(result.group(1) == "ok", int(result.group(2)), result.group(3))
        elif line.startswith("#") and self.current is not None:
            entry = self.results[self.current]
            entry["message"] = (entry["message"] + line[2:] + "\n")[: self.message_cap]
        else:
            self.current = None
            self.stray.append(line)

    def result(self, ok, number, rest):
        """The test numbered `number`: its name and outcome, or None when
        the line is not one of this file's tests."""
        if not 1 <= number <= len(self.names) or number in self.results:
            return None
        name = self.names[number - 1]
        if not rest.startswith(name):
            return None
        # bats --timing: " in 12ms", then " # skip …" for a skipped test.
        after = TIMING.match(rest[len(name) :])
        if after is None:
            return None
        outcome = "passed" if ok else "failed"
        if after.group(2):
            if not ok:
                return None
            outcome = "skipped"
        self.results[number] = {"name": name, "outcome": outcome, "message": "", "ms": int(after.group(1))}
        return number


def play_folders(index, count, env):
    """Each test's first play folder, the learner's and empty, made in one
    call before the file runs, under a name no learner can guess (a folder
    the learner made ahead would carry files into a test); their names,
    one a line, in PLAYS (the tests' user's only), which grader.bash reads."""
    folders = ["%s/%d-%d-%s" % (PLAY, index, number, secrets.token_hex(8)) for number in range(1, count + 1)]
    with open(PLAYS, "w") as out:
        out.write("".join(folder + "\n" for folder in folders))
    subprocess.run(
        [sys.executable, "-I", "-S", os.path.join(HERE, "grader_learner.py"), "as", "mkdir", "-m", "0755", "--"]
        + folders,
        cwd=PLAY,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )


def run_file(channel, index, spec, text, job):
    """Writes the file, runs bats on it, reports its tests, removes it."""
    path = os.path.join(TESTS, spec["name"])
    with open(path, "w") as out:
        out.write(with_preamble(text))
    env = bats_env(index, job)
    play_folders(index, len(spec["tests"]), env)
    tap = Tap(spec["tests"], job.get("message_cap", 4096))
    process = subprocess.Popen(
        ["bats", "--formatter", "tap", "--timing", spec["name"]],
        cwd=TESTS,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stderr = []
    reader = _drain(process.stderr, stderr)
    for raw in process.stdout:
        tap.line(raw.decode("utf-8", "replace").rstrip("\n"))
    process.wait()
    reader.join()
    os.unlink(path)
    shutil.rmtree(BATS_TMP, ignore_errors=True)
    os.mkdir(BATS_TMP, 0o700)
    said = b"".join(stderr).decode("utf-8", "replace")[-LOG_CAP:]
    for number, name in enumerate(spec["tests"], start=1):
        found = tap.results.get(number)
        if found is None:
            why = "bats did not report this test: the run ended before it"
            if said.strip():
                why += "\n" + said.strip()[-1000:]
            found = {"name": name, "outcome": "failed", "message": why}
        channel.emit(dict(found, event="test", file=spec["name"]))
    log = "\n".join(tap.stray)
    if said or log:
        channel.emit({"event": "log", "file": spec["name"], "text": (log + "\n" + said)[-LOG_CAP:]})


def _drain(stream, into):
    import threading

    def read():
        total = 0
        for chunk in iter(lambda: stream.read(4096), b""):
            if total < LOG_CAP:
                into.append(chunk)
            total += len(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def broker_alive():
    import json
    import socket

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as connection:
            connection.settimeout(5)
            connection.connect(grader_broker.ADDRESS)
            connection.send(json.dumps({"ping": True}).encode())
            return json.loads(connection.recv(4096)).get("pong") is True
    except (OSError, ValueError):
        return False


def run(work, job, key, held, broker):
    channel = Channel(1, key)
    files = job["files"]
    if broker is None or not broker_alive():
        channel.emit(
            {"event": "infra", "message": "the shell kind's broker is not running: it needs a container of its own"}
        )
        channel.emit({"event": "done"})
        return 0
    prepare(work)
    texts = {}
    # Every file counted before any learner code runs: a count that is not
    # the grader's is the exercise's fault, and said so.
    for index, spec in enumerate(files):
        text = held.get("tests/" + spec["name"])
        if text is None:
            channel.emit({"event": "infra", "message": "the job has no test file %s" % spec["name"]})
            continue
        texts[spec["name"]] = text.decode("utf-8", "replace")
        path = os.path.join(TESTS, spec["name"])
        with open(path, "w") as out:
            out.write(with_preamble(texts[spec["name"]]))
        found, why = count(path, bats_env(index, job))
        os.unlink(path)
        if found != len(spec["tests"]):
            channel.emit(
                {
                    "event": "infra",
                    "message": "bats counts %s tests in %s, the grader %d%s"
                    % (found, spec["name"], len(spec["tests"]), ": " + why if why else ""),
                }
            )
            texts.pop(spec["name"])
    for index, spec in enumerate(files):
        if spec["name"] in texts:
            run_file(channel, index, spec, texts[spec["name"]], job)
    if not still_running(broker):
        channel.emit({"event": "broker_lost"})
    channel.emit({"event": "done"})
    return 0


def still_running(pid):
    """Whether the broker, this process's child, is alive: asked of the
    kernel, not of the broker, which a learner's processes could keep busy."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False
