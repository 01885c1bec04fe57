"""api/harness: the frames between the grader and the harness, the app's
environment and launcher, and a whole job relaying one connection."""

import hashlib
import hmac
import json
import os
import select
import socket
import struct
import subprocess
import sys
import textwrap
import time

import pytest

import grader_api
import grader_launch
import grader_services

HEADER = struct.Struct(">BII")


# -- frames ------------------------------------------------------------------------------


def test_a_frame_is_a_nine_byte_header_and_its_payload(capfdbinary):
    frames = grader_api.Frames()
    frames.send(grader_api.DATA, 7, b"hello")
    frames.send(grader_api.CLOSE, 7)
    frames.send(grader_api.EXIT, 0, b"3")
    out = capfdbinary.readouterr().out
    assert out == (HEADER.pack(2, 7, 5) + b"hello" + HEADER.pack(3, 7, 0) + HEADER.pack(4, 0, 1) + b"3")


def test_read_exact_is_all_or_nothing():
    class Stream:
        def __init__(self, data):
            self.data = data

        def read(self, size):
            chunk, self.data = self.data[:size], self.data[size:]
            return chunk

    assert grader_api.read_exact(Stream(b"abcdef"), 4) == b"abcd"
    assert grader_api.read_exact(Stream(b"ab"), 4) is None
    assert grader_api.read_exact(Stream(b""), 1) is None


# -- the app's environment and command -------------------------------------------------------


def test_the_app_gets_its_port_its_secret_the_exercises_env_and_the_services():
    env = grader_api.app_env("/work", {"port": 8000, "jwt_secret": "s", "env": {"MODE": "test"}},
                             {"DATABASE_URL": "postgresql://app@127.0.0.1:5432/app"})
    assert env == {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/work", "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "PORT": "8000", "JWT_SECRET": "s",
        "MODE": "test", "DATABASE_URL": "postgresql://app@127.0.0.1:5432/app",
    }
    assert "key" not in " ".join(env).lower()


def test_a_command_gets_its_port_and_a_missing_one_is_said(tmp_path, capfd):
    env = {"PORT": "8123", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    process = grader_api.start_process("the app", ["sh", "-c", "echo $0", "{port}"], str(tmp_path), env)
    assert process.wait(timeout=30) == 0
    assert grader_api.start_process("the worker", ["/nonexistent/worker"], str(tmp_path), env) is None
    err = capfd.readouterr().err
    assert "8123" in err
    assert "could not start" in err and "/nonexistent/worker" in err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-m", "uvicorn", "app:app"], ("module", "uvicorn", ["app:app"])),
        (["app.py", "--port", "1"], ("path", "app.py", ["--port", "1"])),
        (["-c", "print(1)"], None),
        (["-m"], None),
        (["-m", "-x"], None),
        (["-I", "app.py"], None),
        ([], None),
    ],
)
def test_a_python3_command_runs_in_the_launcher(args, expected):
    assert grader_launch.plan([sys.executable] + args) == expected


def test_another_program_or_python_is_execd():
    assert grader_launch.plan(["gunicorn", "app:app"]) is None
    assert grader_launch.plan(["/bin/sh", "app.py"]) is None
    assert grader_launch.plan(["python3-nonexistent-xyz", "app.py"]) is None


def test_listening_writes_a_byte_on_the_notify_pipe():
    read_end, write_end = os.pipe()
    original = socket.socket.listen
    try:
        grader_launch.hook_listen(write_end)
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
        assert select.select([read_end], [], [], 5)[0], "no byte on the pipe"
        assert os.read(read_end, 10) == b"L"
        os.close(write_end)
        grader_launch.hook_listen(write_end)
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            # A closed pipe does not stop the app from listening.
            server.listen()
    finally:
        socket.socket.listen = original
        os.close(read_end)


# -- services ----------------------------------------------------------------------------


def test_no_services_is_an_empty_environment(tmp_path):
    assert grader_services.start(str(tmp_path), [], None) == {}
    assert not (tmp_path / ".services").exists()


def test_an_unknown_service_fails(tmp_path):
    with pytest.raises(grader_services.ServiceFailed, match="unknown service 'mysql'"):
        grader_services.start(str(tmp_path), ["mysql"], None)


def test_a_missing_log_is_an_empty_tail(tmp_path):
    assert grader_services.tail(str(tmp_path / "none.log")) == ""
    (tmp_path / "x.log").write_bytes(b"a" * 3000 + b"\xff")
    assert grader_services.tail(str(tmp_path / "x.log")) == "a" * 1999 + "\ufffd"


def test_a_service_that_does_not_start_ends_the_job_with_a_signed_line(tmp_path, capfd, monkeypatch):
    monkeypatch.setattr(grader_api, "not_dumpable", lambda: None)
    key = "a" * 64
    code = grader_api.run(str(tmp_path), {"services": ["mysql"], "start": ["true"], "port": 1, "jwt_secret": "s"},
                          None, key)
    assert code == grader_api.EXIT_INFRA
    lines = [line for line in capfd.readouterr().err.split("\n") if line.startswith("@@grader:")]
    assert len(lines) == 1
    head, payload = lines[0].split(" ", 1)
    seq, mac = head[len("@@grader:"):].split(":")
    assert mac == hmac.new(key.encode(), ("%s %s" % (seq, payload)).encode(), hashlib.sha256).hexdigest()[:32]
    assert json.loads(payload) == {"event": "infra", "reason": "a service did not start: unknown service 'mysql'"}


# -- a whole job, in a fresh interpreter ---------------------------------------------------------

APP = """\
import os, socket, sys
print("app argv", sys.argv, "path0", sys.path[0], "name", __name__, flush=True)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(os.environ["PORT"])))
server.listen()
while True:
    conn, _ = server.accept()
    request = b""
    while b"\\r\\n\\r\\n" not in request:
        chunk = conn.recv(1024)
        if not chunk:
            break
        request += chunk
    answer = os.environ["JWT_SECRET"] + " pid " + str(os.getpid())
    conn.sendall(b"HTTP/1.0 200 OK\\r\\n\\r\\n" + answer.encode())
    conn.close()
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Job:
    """grader_api.run in a fresh interpreter; frames in on its stdin, out
    on its stdout."""

    def __init__(self, work, job):
        self.work = work
        harness = os.path.dirname(grader_api.__file__)
        common = os.path.dirname(sys.modules["grader_channel"].__file__)
        script = ("import json, sys; sys.path[:0] = [%r, %r]; import grader_api\n"
                  "sys.exit(grader_api.run(%r, json.loads(sys.argv[1]), sys.stdin.buffer, %r))\n"
                  % (harness, common, str(work), "k" * 64))
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", script, json.dumps(job)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(work),
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        self.buffer = b""

    def send(self, kind, conn, payload=b""):
        self.process.stdin.write(HEADER.pack(kind, conn, len(payload)) + payload)
        self.process.stdin.flush()

    def frame(self, timeout=20):
        deadline = time.monotonic() + timeout
        while len(self.buffer) < HEADER.size or len(self.buffer) < HEADER.size + HEADER.unpack(
                self.buffer[:HEADER.size])[2]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no frame in time"
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                assert chunk, "the harness ended"
                self.buffer += chunk
        kind, conn, length = HEADER.unpack(self.buffer[:HEADER.size])
        payload = self.buffer[HEADER.size:HEADER.size + length]
        self.buffer = self.buffer[HEADER.size + length:]
        return kind, conn, payload

    def response(self, conn):
        """Everything the app answered on `conn`, up to its CLOSE."""
        data = b""
        while True:
            kind, number, payload = self.frame()
            if (kind, number) == (grader_api.DATA, conn):
                data += payload
            elif (kind, number) == (grader_api.CLOSE, conn):
                return data

    def end(self):
        self.process.stdin.close()
        code = self.process.wait(timeout=30)
        return code, self.process.stderr.read().decode()


@pytest.fixture
def app_job(tmp_path):
    if os.getpid() == 1:
        pytest.skip("the harness kills every process of its namespace when its parent is init")
    (tmp_path / "app.py").write_text(APP)
    port = free_port()
    job = Job(tmp_path, {"start": [sys.executable, "app.py"], "port": port, "jwt_secret": "the-secret"})
    yield job
    if job.process.poll() is None:
        job.process.kill()
        job.process.wait()


def test_a_connection_is_relayed_to_the_app_and_back(app_job):
    app_job.send(grader_api.OPEN, 1)
    app_job.send(grader_api.DATA, 1, b"GET / HTTP/1.0\r\n\r\n")
    answer = app_job.response(1)
    assert answer.startswith(b"HTTP/1.0 200 OK\r\n\r\nthe-secret pid ")
    code, log = app_job.end()
    assert code == 0
    # The app ran in the launcher as `python3 app.py` would run it; what it
    # printed is in the log, never in the frames.
    assert "app argv ['app.py'] path0 %s name __main__" % app_job.work in log
    assert b"app argv" not in answer


def test_a_restart_starts_the_app_again_without_an_exit(app_job):
    app_job.send(grader_api.OPEN, 1)
    app_job.send(grader_api.DATA, 1, b"GET / HTTP/1.0\r\n\r\n")
    first = app_job.response(1).rsplit(b" ", 1)[1]
    app_job.send(grader_api.RESTART, 0)
    app_job.send(grader_api.OPEN, 2)
    app_job.send(grader_api.DATA, 2, b"GET / HTTP/1.0\r\n\r\n")
    second = app_job.response(2).rsplit(b" ", 1)[1]
    assert first != second
    code, log = app_job.end()
    assert code == 0
    assert "restarting the app" in log


def test_a_connection_the_app_refuses_is_closed(tmp_path):
    if os.getpid() == 1:
        pytest.skip("the harness kills every process of its namespace when its parent is init")
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import sys
        sys.exit(4)
    """))
    job = Job(tmp_path, {"start": [sys.executable, "app.py"], "port": free_port(), "jwt_secret": "s"})
    try:
        frames = [job.frame()]
        job.send(grader_api.OPEN, 5)
        frames.append(job.frame())
        # The app's exit, with its code; then the connection closed.
        assert sorted(frames) == [(grader_api.CLOSE, 5, b""), (grader_api.EXIT, 0, b"4")]
        assert job.end()[0] == 0
    finally:
        if job.process.poll() is None:
            job.process.kill()
            job.process.wait()


def test_a_command_that_cannot_start_exits_with_127(tmp_path):
    if os.getpid() == 1:
        pytest.skip("the harness kills every process of its namespace when its parent is init")
    job = Job(tmp_path, {"start": ["/nonexistent/app"], "port": free_port(), "jwt_secret": "s"})
    try:
        assert job.frame() == (grader_api.EXIT, 0, b"127")
        code, log = job.end()
        assert code == 0
        assert "could not start" in log and "/nonexistent/app" in log
    finally:
        if job.process.poll() is None:
            job.process.kill()
            job.process.wait()
