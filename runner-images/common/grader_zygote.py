"""The main process of a shared container, and its jobs' way in.

A shared container (crates/grader-sandbox/src/shared.rs) runs the
author's code of one exercise's check, one job after another, each a
`docker exec`. Started fresh, each job would import the harness, pytest or
the web frameworks again; instead, the container's main process is this
script, which imports them once and forks each job from there.

  python3 -I grader_zygote.py          the zygote: imports what the
                                       container's GRADER_PRELOAD kind of
                                       job needs, then serves jobs
  python3 -I -S grader_zygote.py --job a job: hands this process's stdin,
                                       stdout, stderr, environment and
                                       working directory to the zygote,
                                       which forks entry.py on them, and
                                       exits with the fork's status (a
                                       signal as 128 + its number, as a
                                       shell says)

When the grader runs on the engine's own machine, it also reaches the
zygote without an exec: the container gets a folder of the grader's,
read-only, at $GRADER_ZYGOTE_DIR, where the grader listens on
`grader.sock`. The zygote connects there and waits; the grader hands over
its next job on that connection, pipes of its own for the streams, the
same way, with `"direct": true`, and the zygote connects again for the
one after. For such a job the zygote makes the working directory, and
once the job has ended it clears up after it (every process but init and
itself killed; /work, /tmp, /dev/shm and /dev/mqueue emptied) and answers
`<status> <OOM kills before> <OOM kills after> <retire>`, where <retire>
is `-` or what the container should be retired for, comma-separated: what the exec's shell
does around an exec'd job (shared.rs), without runc, a shell and a client
interpreter for every job.

Jobs are served one at a time, as the container runs them. A fork runs
entry.py as `python3 -I entry.py` would (see grader_fork.py), and may fork
the harness's helper interpreters in turn. A fork whose job is stopped is
killed with the rest of the job by shared.rs's cleanup, which spares this
process by its name (`grader-zygote`) and its parent (the container's
init). Being the container's main process, it lives as long as the
container: a job that kills it stops the container, and shared.rs makes
another for the next job.

A learners' container (crates/grader-sandbox/src/forks.rs) runs this
zygote too, with $GRADER_ZYGOTE_UIDS (`<first>:<count>`): then it stays
root (with only SETUID and SETGID, which no job ever holds), listens for
no exec'd job, takes jobs only from the grader's socket, and runs each
under a uid of its own from that range, never used twice: the fork becomes
the job's user before anything of the job's runs. After the job a fork
that becomes the same user kills every process of it, removes its System V
IPC objects, and empties /work, /tmp, /dev/shm and /dev/mqueue; then the
zygote itself checks that nothing is left (processes, files, IPC objects)
and answers with what the container should be retired for: a limit the
job hit (processes, a full scratch folder) or anything left over.
"""

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time

ADDRESS = "\0grader-zygote"
GRADER_SOCKET = "grader.sock"
HARNESS = os.path.dirname(os.path.abspath(__file__))
ENTRY = os.path.join(HARNESS, "entry.py")
REQUEST_CAP = 1 << 20
# How long a job waits for a zygote that has not begun to listen.
START_WAIT = 10.0

# What each kind of job imports, by its GRADER_PRELOAD; a module the image
# lacks is skipped.
PRELOAD = {
    "pytest": ("grader_pytest", "grader_learner"),
    "tests": ("grader_tests", "grader_tests_child", "grader_impl"),
    "api": ("grader_api", "grader_launch"),
    "api-services": ("grader_api", "grader_launch"),
    "postgres": ("grader_sql",),
}


def preload(kind):
    import importlib

    names = list(PRELOAD.get(kind, ()))
    if kind in ("api", "api-services"):
        import grader_launch

        names += grader_launch.PRELOAD
        if kind == "api-services":
            names += grader_launch.SERVICES_PRELOAD
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - the image lacks it, or it needs more
            pass


def receive(connection):
    """A job's request: its environment and working directory, and its
    stdin, stdout and stderr."""
    data, fds, _, _ = socket.recv_fds(connection, REQUEST_CAP, 3)
    try:
        chunks = [data]
        while data:
            data = connection.recv(REQUEST_CAP)
            chunks.append(data)
        request = json.loads(b"".join(chunks))
        if len(fds) != 3:
            raise ValueError("it came with %d file descriptors" % len(fds))
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def run_job(request, fds, uid=None):
    """The fork's side: entry.py on the job's streams, as user `uid` if
    given; never returns."""
    import grader_fork

    grader_fork.ENABLED = True
    # Should the job outgrow the container's memory, the kernel's OOM
    # killer takes one of its processes rather than the zygote (which
    # stays at 0; raising one's own score needs no privilege). A kernel
    # that does not let it is left as it is.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("500")
    if uid is not None:
        # After the score: a process that changed its user is no longer
        # dumpable, and its /proc files are root's.
        import grader_leftovers

        grader_leftovers.become(uid)
    grader_fork.become(
        flags={"-I"},
        script=ENTRY,
        args=[],
        cwd=request["cwd"],
        env=request["env"],
        fds=fds,
        pass_fds=(),
        new_session=True,
    )


def oom_kills():
    """How many times the container's memory cgroup's OOM killer struck."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as events:
                for line in events:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):  # noqa: S112 - the other cgroup version's file
            continue
    return 0


def clear():
    """Kills every process but init and this one, and empties the scratch
    folders, as shared.rs's CLEAR does after an exec'd job."""
    import grader_leftovers

    me = os.getpid()
    for _ in range(20):
        others = [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in (1, me)]
        if not others:
            break
        for pid in others:
            with contextlib.suppress(OSError):  # it ended since the listing
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)
    for folder in grader_leftovers.SCRATCH:
        grader_leftovers.empty(folder)


def job_uids():
    """The uids a learners' zygote gives its jobs ($GRADER_ZYGOTE_UIDS,
    `<first>:<count>`), or None for an author's zygote."""
    spec = os.environ.get("GRADER_ZYGOTE_UIDS")
    if not spec:
        return None
    first, _, count = spec.partition(":")
    first, count = int(first), int(count)
    if first < 1000 or count < 1:
        raise SystemExit("grader-zygote: GRADER_ZYGOTE_UIDS must be <first>:<count>, first >= 1000")
    return range(first, first + count)


def listen(address):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(4)
    return listener


def reach_grader():
    """A connection to the grader's socket in its folder, on which the
    grader hands over its next job; None if the grader gave no folder, or
    cannot be reached there."""
    folder = os.environ.get("GRADER_ZYGOTE_DIR")
    if not folder:
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(os.path.join(folder, GRADER_SOCKET))
        return connection
    except OSError as error:
        connection.close()
        sys.stderr.write("grader-zygote: the grader's socket cannot be reached: %s\n" % error)
        return None


def serve(uids=None):
    """Serves jobs until the container stops; with `uids`, a learners'
    zygote (see the module's documentation)."""
    import gc

    # Listening first: a job that comes while the imports go on waits in
    # the backlog. A learners' zygote, root, takes no exec'd job: only the
    # grader's.
    listener = listen(ADDRESS) if uids is None else None
    grader = reach_grader()
    if uids is not None and grader is None:
        raise SystemExit("grader-zygote: a learners' zygote needs the grader's socket")
    container_env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("GRADER_ZYGOTE_DIR", "GRADER_ZYGOTE_UIDS")
    }
    base = list(sys.path)
    sys.path.insert(0, HARNESS)
    import grader_fork
    import grader_leftovers

    grader_fork.BASE_PATH = base
    grader_fork.set_name("grader-zygote")
    preload(os.environ.get("GRADER_PRELOAD"))
    # What was imported stays put: no collection in a fork writes to it.
    gc.freeze()
    used = set()
    while True:
        waiting = [each for each in (listener, grader) if each is not None]
        if not waiting:
            raise SystemExit("grader-zygote: the grader's socket is gone")
        ready, _, _ = select.select(waiting, [], [])
        if ready[0] is listener:
            connection, _ = listener.accept()
        else:
            # The grader's; the next job comes on a new one.
            connection, grader = grader, reach_grader()
        with connection:
            try:
                request, fds = receive(connection)
            except (OSError, ValueError) as error:
                sys.stderr.write("grader-zygote: a job's request was refused: %s\n" % error)
                continue
            # Only the grader's own socket may ask for the clearing.
            owned = ready[0] is not listener and request.get("direct") is True
            uid = request.get("uid") if uids is not None else None
            # A learners' job comes only from the grader, always to be
            # cleared after, as a uid of the range never used before.
            if uids is not None and (
                not owned or type(uid) is not int or uid not in uids or uid in used
            ):
                for fd in fds:
                    os.close(fd)
                sys.stderr.write("grader-zygote: a learners' job was refused (uid %r)\n" % (uid,))
                with contextlib.suppress(OSError):
                    connection.sendall(b"refused\n")
                continue
            used.add(uid)
            if owned:
                # What an exec would get: the container's environment
                # under the job's own.
                request["env"] = dict(container_env, **request["env"])
                before = oom_kills()
                pids_before = grader_leftovers.pids_refused()
                if uid is None:
                    # If it cannot be made, the fork says so, failing to enter it.
                    with contextlib.suppress(OSError):
                        os.makedirs(request["cwd"], exist_ok=True)
            pid = os.fork()
            if pid == 0:
                if listener is not None:
                    listener.close()
                if grader is not None:
                    grader.close()
                connection.close()
                run_job(request, fds, uid)
            for fd in fds:
                os.close(fd)
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            reply = b"%d" % (128 - code if code < 0 else code)
            if owned:
                retire = grader_leftovers.limits_hit(pids_before)
                if uid is None:
                    clear()
                else:
                    if grader_leftovers.clear_user(uid):
                        retire += grader_leftovers.leftovers({1, os.getpid()})
                    else:
                        retire.append("clearing")
                reply += b" %d %d %s" % (before, oom_kills(), ",".join(retire).encode() or b"-")
            # A job that was stopped took its client with it: no one to tell.
            with contextlib.suppress(OSError):
                connection.sendall(reply + b"\n")


def connect():
    """A connection to the zygote, which may not listen yet when the
    container's first job comes; None after START_WAIT."""
    deadline = time.monotonic() + START_WAIT
    while True:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(ADDRESS)
            return connection
        except OSError:
            connection.close()
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


def job():
    connection = connect()
    if connection is None:
        sys.stderr.write("grader-zygote: no zygote listens in this container\n")
        sys.exit(125)
    request = json.dumps({"env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(connection, [request], [0, 1, 2])
    connection.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        data = connection.recv(64)
        if not data:
            break
        reply += data
    try:
        code = int(reply)
    except ValueError:
        sys.stderr.write("grader-zygote: the container's zygote ended during the job\n")
        code = 125
    sys.exit(code)


if __name__ == "__main__":
    if sys.argv[1:] == ["--job"]:
        job()
    else:
        # The container's first process, root until now (grader_user.py).
        # An author's zygote becomes the job's user; a learners' stays
        # root, and each of its forks becomes a user of its own. The
        # harness's folder leaves sys.path again: forks start from this
        # process's, as a fresh interpreter would have it.
        sys.path.insert(0, HARNESS)
        import grader_user

        sys.path.pop(0)
        learners = job_uids()
        if learners is None:
            grader_user.drop()
        serve(learners)
