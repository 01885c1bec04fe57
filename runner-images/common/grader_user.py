"""The job's user, taken on at once by the container's first process.

A container starts as root with every capability dropped but SETUID and
SETGID (and no-new-privileges): so docker-init, pid 1, which holds the
container's stdout (the report channel) and stdin, is root's, and a
learner's process cannot open `/proc/1/fd/*`, read `/proc/1/environ` or
signal it. The command init starts (entry.py, or the zygote of a shared
container) calls `drop()` before anything else: it becomes the job's user
(uid and gid 1000, no supplementary groups), which clears both
capabilities and leaves it not dumpable. Nothing of the job's ever runs as
root; an exec'd job is started as the job's user by the engine.
"""

import os

JOB_UID = 1000
JOB_GID = 1000


def drop():
    """Becomes the job's user, if this process is still root."""
    if os.getuid() != 0 and os.geteuid() != 0:
        return
    os.setgroups([])
    os.setresgid(JOB_GID, JOB_GID, JOB_GID)
    os.setresuid(JOB_UID, JOB_UID, JOB_UID)
    if os.getresuid() != (JOB_UID,) * 3 or os.getresgid() != (JOB_GID,) * 3:
        raise SystemExit("grader: could not become the job's user")
