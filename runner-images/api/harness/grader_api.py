"""The api kind's harness: starts the learner's web app and relays the
grader's HTTP connections to it.

The container has no network at all. The app listens on the loopback
interface of its own network namespace, and the grader reaches it through
this process: after the job's files, stdin carries frames from the grader,
and stdout carries frames back. A frame is a 9-byte header (kind: u8,
connection: u32, length: u32, big-endian) and `length` bytes:

  OPEN  (1, conn)           connect to the app; CLOSE comes back if it fails
  DATA  (2, conn, bytes)    bytes of one connection, either way
  CLOSE (3, conn)           the sender is done with the connection
  EXIT  (4, 0, code)        the app's process ended, with this exit code

The app's own stdout and stderr go to this process's stderr, which the
grader keeps (capped) to show when the app does not start. When stdin ends
the grader is done: the app's process group is killed and the job ends.
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import threading

OPEN, DATA, CLOSE, EXIT = 1, 2, 3, 4
HEADER = struct.Struct(">BII")
CHUNK = 65536


class Frames:
    """Writes frames to fd 1 from many threads, each frame whole."""

    def __init__(self):
        self.lock = threading.Lock()

    def send(self, kind, conn, payload=b""):
        data = HEADER.pack(kind, conn, len(payload)) + payload
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(1, view)
                view = view[written:]


def read_exact(stream, size):
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


def pump(frames, conn, sock):
    """App → grader, until the app closes its side."""
    try:
        while True:
            data = sock.recv(CHUNK)
            if not data:
                break
            frames.send(DATA, conn, data)
    except OSError:
        pass
    frames.send(CLOSE, conn)


def start_app(work, job):
    port = str(job["port"])
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": work,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PORT": port,
        "JWT_SECRET": job["jwt_secret"],
    }
    argv = [arg.replace("{port}", port) for arg in job["start"]]
    sys.stderr.write("grader-api: starting %s\n" % " ".join(argv))
    sys.stderr.flush()
    try:
        return subprocess.Popen(
            argv,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=2,
            stderr=2,
            start_new_session=True,
        )
    except OSError as error:
        sys.stderr.write("grader-api: could not start the app: %s\n" % error)
        return None


def run(work, job, stdin):
    frames = Frames()
    app = start_app(work, job)
    if app is None:
        frames.send(EXIT, 0, b"127")
    else:

        def watch():
            code = app.wait()
            frames.send(EXIT, 0, str(code).encode())

        threading.Thread(target=watch, daemon=True).start()

    conns = {}
    while True:
        header = read_exact(stdin, HEADER.size)
        if header is None:
            break
        kind, conn, length = HEADER.unpack(header)
        payload = read_exact(stdin, length) if length else b""
        if payload is None:
            break
        if kind == OPEN:
            try:
                sock = socket.create_connection(("127.0.0.1", job["port"]), timeout=2)
                sock.settimeout(None)
            except OSError:
                frames.send(CLOSE, conn)
                continue
            conns[conn] = sock
            threading.Thread(target=pump, args=(frames, conn, sock), daemon=True).start()
        elif kind == DATA:
            sock = conns.get(conn)
            if sock is None:
                continue
            try:
                sock.sendall(payload)
            except OSError:
                conns.pop(conn, None)
                sock.close()
        elif kind == CLOSE:
            sock = conns.pop(conn, None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    if app is not None and app.poll() is None:
        try:
            os.killpg(app.pid, signal.SIGKILL)
        except OSError:
            pass
        app.wait()
    return 0
