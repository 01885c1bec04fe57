"""What a learner's job leaves in a learners' container, and its removal.

A learners' container (crates/grader-sandbox/src/forks.rs) runs one job
after another, each under a uid of its own (grader_zygote.py). Between two
jobs nothing of the first may reach the second. After a job:

- `clear_user(uid)` forks a process that becomes the job's user and, as
  that user, kills every process of it (`kill(-1, SIGKILL)` until none is
  left: a stopped process dies too), removes every System V shared memory
  segment, semaphore set and message queue it created or owns, and empties
  the scratch folders of what it owns (POSIX shared memory and semaphores
  are files in /dev/shm; POSIX message queues, files in /dev/mqueue).
  Running as the job's user, it can remove what the job made unreadable to
  others (a folder without rights is given its rights back first), and
  nothing more.
- `leftovers()`, run by the zygote itself, then looks for anything still
  there: a process other than init and the zygote, an entry in a scratch
  folder, an IPC object. Each is a reason to retire the container.
- `limits_hit(before)` says which limits the job ran into: the cgroup's
  process limit (pids.events) and a scratch folder filled to the brim.
  A container that saw either is retired too, whatever was cleared.

Kernel keyrings, the other thing a uid keeps beyond its processes, are
closed to jobs by the engine's seccomp profile (keyctl, add_key and
request_key are refused), and each job's uid is its own anyway.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import time

SCRATCH = ("/work", "/tmp", "/dev/shm", "/dev/mqueue")
# Below this much room a scratch folder counts as filled by the job.
FULL = 64 * 1024
IPC_RMID = 0
SYSV = {
    # /proc/sysvipc file: the id column's name
    "shm": "shmid",
    "sem": "semid",
    "msg": "msqid",
}
PIDS_EVENTS = ("/sys/fs/cgroup/pids.events", "/sys/fs/cgroup/pids/pids.events")


def become(uid):
    """Becomes user and group `uid` with no supplementary groups; with that
    the capabilities go and the process is no longer dumpable."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (uid,) * 3:
        raise SystemExit("grader: could not become user %d" % uid)


def clear_user(uid):
    """Kills and removes, as user `uid`, everything of that user's (see the
    module's documentation); whether the fork that did it ended well."""
    try:
        pid = os.fork()
    except OSError:
        # The process limit, reached by what the job left: the container
        # goes.
        return False
    if pid == 0:
        code = 1
        try:
            become(uid)
            kill_all()
            remove_ipc(uid)
            for folder in SCRATCH:
                empty(folder)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def kill_all():
    """Sends SIGKILL to every process this one may signal (its user's, in
    this container's pid namespace) until none of its user's is left.
    (`kill(-1)` does not say when there is none: it succeeds while any
    other process exists, signalled or not.)"""
    deadline = time.monotonic() + 2.0
    while True:
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        if not processes({os.getpid()}, os.getuid()) or time.monotonic() > deadline:
            return
        # A fork under way when the signal went may have brought a child.
        time.sleep(0.001)


def sysv_objects(text, id_column):
    """The (id, uid, cuid) of each object in a /proc/sysvipc file's text."""
    lines = text.splitlines()
    if not lines:
        return []
    header = lines[0].split()
    try:
        at = {name: header.index(name) for name in (id_column, "uid", "cuid")}
    except ValueError:
        return []
    objects = []
    for line in lines[1:]:
        fields = line.split()
        try:
            objects.append(tuple(int(fields[at[name]]) for name in (id_column, "uid", "cuid")))
        except (IndexError, ValueError):  # noqa: S112 - a line not of the table's shape
            continue
    return objects


def read_sysv(kind):
    try:
        with open("/proc/sysvipc/" + kind) as listing:
            return sysv_objects(listing.read(), SYSV[kind])
    except OSError:
        return []


def remove_ipc(uid):
    """Removes the System V IPC objects user `uid` created or owns."""
    libc = ctypes.CDLL(None, use_errno=True)
    remove = {
        "shm": lambda ident: libc.shmctl(ident, IPC_RMID, None),
        "sem": lambda ident: libc.semctl(ident, 0, IPC_RMID),
        "msg": lambda ident: libc.msgctl(ident, IPC_RMID, None),
    }
    for kind in SYSV:
        for ident, owner, creator in read_sysv(kind):
            if uid in (owner, creator):
                remove[kind](ident)


def empty(folder):
    """Removes what is in `folder`, as far as this process may."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for name in entries:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
            if os.path.lexists(path):
                # A folder the job took its own rights from.
                loosen(path)
                shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):  # gone already, or not ours
                os.unlink(path)


def loosen(folder):
    """Gives the owner back every right on `folder` and the folders in it."""
    try:
        os.chmod(folder, 0o700)
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            loosen(entry.path)


def processes(spared, uid=None):
    """The processes in this pid namespace but `spared` (of user `uid`
    only, if given), zombies left out (init reaps them)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in spared:
            continue
        try:
            with open("/proc/%s/stat" % name) as stat:
                state = stat.read().rpartition(")")[2].split()[0]
            owner = real_uid(name) if uid is not None else None
        except (OSError, IndexError, ValueError):  # noqa: S112 - ended since the listing
            continue
        if state != "Z" and owner == uid:
            found.append(int(name))
    return found


def real_uid(pid):
    """The real uid of process `pid` (its /proc folder is root's once it
    changed its user: it is no longer dumpable)."""
    with open("/proc/%s/status" % pid) as status:
        for line in status:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise ValueError("no Uid line")


def leftovers(spared):
    """What is still there after the clearing: "processes", "files" and
    "ipc", each at most once."""
    found = []
    deadline = time.monotonic() + 1.0
    while processes(spared):
        if time.monotonic() > deadline:
            found.append("processes")
            break
        time.sleep(0.002)
    for folder in SCRATCH:
        try:
            if os.listdir(folder):
                found.append("files")
                break
        except FileNotFoundError:  # noqa: S112 - a scratch folder this container lacks
            continue
        except OSError:
            found.append("files")
            break
    if any(read_sysv(kind) for kind in SYSV):
        found.append("ipc")
    return found


def pids_max_events(text):
    """The `max` count of a pids.events file's text."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "max":
            with contextlib.suppress(ValueError):
                return int(value)
    return 0


def pids_refused():
    """How many forks the container's process limit refused so far."""
    for path in PIDS_EVENTS:
        try:
            with open(path) as events:
                return pids_max_events(events.read())
        except OSError:  # noqa: S112 - the other cgroup version's file
            continue
    return 0


def full_folders():
    """The scratch folders with less than FULL bytes of room left."""
    full = []
    for folder in SCRATCH:
        try:
            room = os.statvfs(folder)
        except OSError:  # noqa: S112 - a scratch folder this container lacks
            continue
        if room.f_blocks and room.f_bavail * room.f_frsize < FULL:
            full.append(folder)
    return full


def limits_hit(pids_before):
    """The limits the job ran into, by name: "pids", "disk"."""
    hit = []
    if pids_refused() > pids_before:
        hit.append("pids")
    if full_folders():
        hit.append("disk")
    return hit
