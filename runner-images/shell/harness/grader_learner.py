"""The tests' side of the shell kind's broker (grader_broker.py): what the
`learner` and `as_learner` commands of grader.bash run.

  grader_learner.py run <submitted file> [arg…]   the learner's script
  grader_learner.py as <command> [arg…]           any command, as the learner

Either runs as the learner's user, in the current folder (a play folder),
with this process's stdin, stdout and stderr, and the variables the test
set (not bats's own, nor the grader's), under the call's time limit
(GRADER_CALL_TIMEOUT seconds); this process exits with its status.
"""

import array
import json
import os
import socket
import sys

ADDRESS = "\0grader-shell-learner"
SUBMISSION = "/work/submission"
# Exit status when the broker cannot be reached: the harness sees the
# broker gone and says so (grader_shell.py).
NO_BROKER = 125
# Variables of the test's that are not passed on: the shell's, bats's and
# the grader's own, and those the broker sets.
KEPT_BACK = {
    "PWD", "OLDPWD", "SHLVL", "_", "PATH", "HOME", "TMPDIR", "IFS", "PS4",
    "SHELLOPTS", "BASHOPTS", "USER", "LOGNAME", "SHELL",
}
KEPT_BACK_PREFIXES = ("BATS_", "BASH", "GRADER_")


def passed_on(environ):
    return {
        name: value
        for name, value in environ.items()
        if name not in KEPT_BACK and not name.startswith(KEPT_BACK_PREFIXES) and name[:1].isupper()
    }


def command(argv):
    """The command to run for `argv` (this script's arguments), or exit."""
    if len(argv) < 2 or argv[0] not in ("run", "as"):
        sys.stderr.write("usage: learner <submitted file> [arg…] | as_learner <command> [arg…]\n")
        sys.exit(2)
    if argv[0] == "as":
        return argv[1:]
    name = argv[1].removeprefix("./")
    submitted = sorted(os.listdir(SUBMISSION)) if os.path.isdir(SUBMISSION) else []
    if name not in submitted:
        sys.stderr.write(
            "learner: %s is not a file of the submission (it has: %s)\n" % (name, ", ".join(submitted) or "none")
        )
        sys.exit(2)
    path = os.path.join(SUBMISSION, name)
    return interpreter(path) + [path] + argv[2:]


def interpreter(path):
    """The command that runs the script at `path`, from its `#!` line as the
    kernel reads it (the interpreter, then at most one argument), or bash
    without one. The job's folders are mounted noexec: a script is never
    executed itself, always read by its interpreter."""
    with open(path, "rb") as script:
        first = script.readline(256)
    if not first.startswith(b"#!"):
        return ["/bin/bash"]
    # As the kernel: the interpreter up to a blank (space or tab), then the
    # rest as one argument.
    parts = first[2:].decode("utf-8", "replace").strip().split(None, 1)
    if not parts:
        return ["/bin/bash"]
    return parts


def main(argv):
    request = {
        "argv": command(argv),
        "cwd": os.getcwd(),
        "env": passed_on(os.environ),
        "timeout": float(os.environ.get("GRADER_CALL_TIMEOUT", "10")),
    }
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        connection.connect(ADDRESS)
        fds = array.array("i", [0, 1, 2])
        connection.sendmsg([json.dumps(request).encode()], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        answer = json.loads(connection.recv(65536) or b"{}")
    except (OSError, ValueError) as error:
        sys.stderr.write("grader: the learner's broker cannot be reached (%s)\n" % error)
        return NO_BROKER
    status = answer.get("status")
    if not isinstance(status, int):
        sys.stderr.write("grader: the learner's broker did not answer\n")
        return NO_BROKER
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
