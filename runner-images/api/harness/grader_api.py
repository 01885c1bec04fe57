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

Only this process writes frames. The app's stdin is /dev/null and its
stdout and stderr both go to this process's stderr, which the grader keeps
(capped) as the app's log: whatever the app prints never enters the frame
stream. This process makes itself not dumpable before the app starts, so
the app, which runs as the same user, cannot open /proc/<this>/fd/1 nor
ptrace it. (It can still reach the container's stdout through pid 1,
docker-init, which shares its user: the grader reads the stream as
untrusted, and a forged frame can say only what the app could answer
itself.)

When stdin ends the grader is done: every other process in the container
is killed and the job ends. Nothing here waits on the app without a bound:
a write to a connection the app does not read gives up, and a thread that
cannot start (the app used up the pids limit) fails its connection only.
"""

import ctypes
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
PR_SET_DUMPABLE = 4
# Longest a write to the app's socket may block before the connection is
# given up: the app is not reading it.
SEND_TIMEOUT = struct.pack("ll", 2, 0)


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


def not_dumpable():
    """Closes /proc/<this>/fd, /proc/<this>/mem and ptrace to processes of
    the same user, i.e. to the app."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except OSError as error:
        sys.stderr.write("grader-api: could not make the harness not dumpable: %s\n" % error)


def start_thread(target, *args):
    """Starts a daemon thread; False when none can start (pids exhausted)."""
    try:
        threading.Thread(target=target, args=args, daemon=True).start()
        return True
    except RuntimeError:
        return False


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
    sock.close()
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


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    sock.settimeout(None)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, SEND_TIMEOUT)
    return sock


def kill_the_rest(app):
    """Kills every process but this one and pid 1: the app, and whatever it
    started, in its process group or out of it."""
    # kill(-1) reaches every process this user may signal in this pid
    # namespace: only when it is the container's own (this process is
    # init's child, or init) is that the app and nothing else.
    own_namespace = os.getppid() in (0, 1)
    try:
        if own_namespace:
            os.kill(-1, signal.SIGKILL)
        elif app is not None:
            os.killpg(app.pid, signal.SIGKILL)
    except OSError:
        pass
    if app is not None:
        app.wait()


def run(work, job, stdin):
    not_dumpable()
    frames = Frames()
    app = start_app(work, job)
    if app is None:
        frames.send(EXIT, 0, b"127")
    else:

        def watch():
            code = app.wait()
            frames.send(EXIT, 0, str(code).encode())

        if not start_thread(watch):
            sys.stderr.write("grader-api: could not watch the app\n")

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
                sock = connect(job["port"])
            except OSError:
                frames.send(CLOSE, conn)
                continue
            if not start_thread(pump, frames, conn, sock):
                sock.close()
                frames.send(CLOSE, conn)
                continue
            conns[conn] = sock
        elif kind == DATA:
            sock = conns.get(conn)
            if sock is None:
                continue
            try:
                sock.sendall(payload)
            except OSError:
                # Wakes the pump, which closes the socket and sends CLOSE.
                conns.pop(conn, None)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        elif kind == CLOSE:
            sock = conns.pop(conn, None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

    kill_the_rest(app)
    return 0
