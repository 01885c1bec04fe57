"""common/grader_fork.py and common/grader_zygote.py: forks that stand in
for fresh interpreters in a shared container, and the zygote's requests."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

import grader_fork
import grader_zygote

IMAGES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([sys.executable, "-I", "-u", "/h/s.py", "1", "-x"], ({"-I", "-u"}, "/h/s.py", ["1", "-x"])),
        ([sys.executable, "/h/s.py"], (set(), "/h/s.py", [])),
        ([sys.executable, "-B", "-I", "s.py"], ({"-B", "-I"}, "s.py", [])),
        (["/usr/bin/other-python", "/h/s.py"], None),
        ([sys.executable, "-m", "pytest"], None),
        ([sys.executable, "-c", "print(1)"], None),
        ([sys.executable, "-I", "-S", "/h/s.py"], None),
        ([sys.executable, "/h/script"], None),
        ([sys.executable, "-I"], None),
        ([sys.executable], None),
        ([], None),
    ],
)
def test_only_a_script_with_known_flags_can_be_forked(argv, expected):
    assert grader_fork.split(argv) == expected


def test_outside_a_zygotes_job_a_start_is_a_plain_popen(tmp_path):
    process = grader_fork.start([sys.executable, "-c", "print('fresh')"], stdout=subprocess.PIPE)
    assert isinstance(process, subprocess.Popen)
    assert process.communicate()[0] == b"fresh\n"


def test_pipe_ends():
    assert grader_fork.pipe_ends(None, reading=True) == (None, None, False)
    assert grader_fork.pipe_ends(5, reading=False) == (5, None, False)
    child, ours, made = grader_fork.pipe_ends(subprocess.DEVNULL, reading=True)
    assert ours is None and made
    os.close(child)
    child, ours, made = grader_fork.pipe_ends(subprocess.PIPE, reading=True)
    os.write(ours, b"to the child")
    assert os.read(child, 100) == b"to the child"
    os.close(child)
    os.close(ours)


SCRIPT = """\
import json, os, sys
print(json.dumps({
    "argv": sys.argv,
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "env": dict(os.environ),
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    "main": __name__,
    "sid": os.getsid(0) == os.getpid(),
    "dont_write_bytecode": sys.dont_write_bytecode,
}))
sys.exit(int(sys.argv[1]))
"""


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setattr(grader_fork, "ENABLED", True)
    assert threading.active_count() == 1, "a process with threads is never forked"


def test_a_fork_looks_to_its_script_as_a_fresh_interpreter_would(tmp_path, forking):
    script = tmp_path / "bin" / "job.py"
    script.parent.mkdir()
    script.write_text(SCRIPT)
    work = tmp_path / "work"
    work.mkdir()
    stray = os.open(os.devnull, os.O_RDONLY)
    try:
        process = grader_fork.start([sys.executable, "-B", str(script), "3"], cwd=str(work),
                                    env={"ONLY": "this"}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    start_new_session=True)
        assert isinstance(process, grader_fork.Forked)
        out = process.stdout.read()
        assert process.wait(timeout=30) == 3
    finally:
        os.close(stray)
    facts = json.loads(out)
    assert facts["argv"] == [str(script), "3"]
    # Without -I, the script's folder goes first, as python3 SCRIPT does.
    assert facts["path0"] == str(script.parent)
    assert facts["cwd"] == str(work)
    assert facts["env"] == {"ONLY": "this"}
    assert stray not in facts["fds"]
    assert facts["fds"][:3] == [0, 1, 2]
    assert facts["main"] == "__main__"
    assert facts["sid"] is True
    assert facts["dont_write_bytecode"] is True


def test_a_forks_exit_is_the_interpreters(tmp_path, forking):
    cases = {
        "raise SystemExit('bye')": (1, b"bye\n"),
        "raise SystemExit(None)": (0, b""),
        "raise ValueError('boom')": (1, b"ValueError: boom\n"),
        "import sys; sys.exit(256 + 7)": (7, b""),
    }
    for source, (code, err_end) in cases.items():
        script = tmp_path / "exit.py"
        script.write_text(source + "\n")
        process = grader_fork.start([sys.executable, "-I", str(script)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
        err = process.stderr.read()
        assert process.wait(timeout=30) == code, source
        assert err.endswith(err_end), (source, err)


def test_waiting_on_a_fork_times_out(tmp_path, forking):
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(30)\n")
    process = grader_fork.start([sys.executable, "-I", str(script)])
    try:
        assert process.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)
    finally:
        process.kill()
    assert process.wait(timeout=30) == -9


# -- the zygote's requests ---------------------------------------------------------------


def send_request(payload, fds):
    ours, theirs = socket.socketpair()
    socket.send_fds(theirs, [payload], fds)
    theirs.shutdown(socket.SHUT_WR)
    return ours, theirs


def open_fds(count):
    return [os.open(os.devnull, os.O_RDONLY) for _ in range(count)]


def is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_a_request_is_its_json_and_three_streams():
    fds = open_fds(3)
    ours, theirs = send_request(json.dumps({"env": {"A": "1"}, "cwd": "/work"}).encode(), fds)
    try:
        request, received = grader_zygote.receive(ours)
        assert request == {"env": {"A": "1"}, "cwd": "/work"}
        assert len(received) == 3
        for fd in received + fds:
            os.close(fd)
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize(("payload", "count"), [(b'{"env": {}}', 2), (b"not json", 3), (b"", 3)])
def test_a_malformed_request_is_refused_and_its_descriptors_closed(payload, count, monkeypatch):
    fds = open_fds(count)
    ours, theirs = send_request(payload or b" ", fds)
    received = []
    real = socket.recv_fds

    def recording(*args):
        data, got, flags, address = real(*args)
        received.extend(got)
        return data, got, flags, address

    monkeypatch.setattr(socket, "recv_fds", recording)
    try:
        with pytest.raises(ValueError):
            grader_zygote.receive(ours)
        assert received and not any(is_open(fd) for fd in received)
    finally:
        for fd in fds:
            os.close(fd)
        ours.close()
        theirs.close()


def test_every_preloaded_module_is_a_harness_module():
    harness = set()
    for folder in ("common", "python/harness", "sql/harness", "api/harness"):
        harness |= {name[:-3] for name in os.listdir(os.path.join(IMAGES, folder)) if name.endswith(".py")}
    for kind, names in grader_zygote.PRELOAD.items():
        assert set(names) <= harness, kind


def test_a_job_without_a_zygote_gives_up_with_125(tmp_path):
    script = textwrap.dedent("""
        import sys; sys.path.insert(0, %r)
        import grader_zygote
        grader_zygote.ADDRESS = "\\0grader-zygote-test-nobody-%d"
        grader_zygote.START_WAIT = 0.05
        grader_zygote.job()
    """) % (os.path.join(IMAGES, "common"), os.getpid())
    done = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, timeout=30)
    assert done.returncode == 125
    assert b"no zygote listens" in done.stderr
