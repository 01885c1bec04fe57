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
  RESTART (5, 0)            stop the app and start it again (a case step
                            that checks what survives a restart); no EXIT
                            is sent for the app stopped this way

Before the app, the exercise's services start (`grader_services.py`:
PostgreSQL, Redis, on loopback, fresh per job), then its queue worker if it
has one (`worker`, run like the app, with the same environment, and not
restarted with it). A service that does not start is the exercise's or the
image's failure, never the learner's (no learner code has run yet): it is
said on stderr, signed with the job's key (`{"event": "infra"}`, see
grader_channel.py), and the job ends with code 125 before any app starts.

The app starts from a launcher (grader_launch.py): in a warm container one
waits with the web frameworks imported, made by `prestart` before the job
existed. A connection the grader opens before the app listens waits for it
(at most LISTEN_WAIT) rather than being refused, so readiness needs no
polling.

Only this process writes frames. The app's stdin is /dev/null and its
stdout and stderr both go to this process's stderr, which the grader keeps
(capped) as the app's log: whatever the app prints never enters the frame
stream. This process makes itself not dumpable before the app starts, so
the app, which runs as the same user, cannot open /proc/<this>/fd/1 nor
ptrace it; nor can it reach the container's stdout through pid 1,
docker-init, which is root's (grader_user.py). The grader reads the
stream as untrusted all the same: a forged frame could say only what the
app could answer itself.

When stdin ends the grader is done: every other process in the container
is killed and the job ends. Nothing here waits on the app without a bound:
a write to a connection the app does not read gives up, and a thread that
cannot start (the app used up the pids limit) fails its connection only.
"""

import contextlib
import ctypes
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

import grader_fork
import grader_launch
from grader_channel import Channel

OPEN, DATA, CLOSE, EXIT, RESTART = 1, 2, 3, 4, 5
# The exit code of a job whose services did not start (with a signed line
# that says so: the code alone proves nothing).
EXIT_INFRA = 125
# How long a restarted app has to stop after SIGTERM.
STOP_GRACE = 2.0
HEADER = struct.Struct(">BII")
CHUNK = 65536
PR_SET_DUMPABLE = 4
# Longest a connection to an app that has not listened yet waits for it.
LISTEN_WAIT = 1.5
HARNESS = os.path.dirname(os.path.abspath(__file__))
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
    except OSError:  # noqa: S110 - a connection reset ends as a closed one does: CLOSE below
        pass
    sock.close()
    frames.send(CLOSE, conn)


def app_env(work, job, extra):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": work,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PORT": str(job["port"]),
        "JWT_SECRET": job["jwt_secret"],
    }
    # The exercise's own (api.env), which never names the ones above.
    env.update(job.get("env") or {})
    env.update(extra)
    return env


def start_process(what, argv, work, env):
    argv = [arg.replace("{port}", env["PORT"]) for arg in argv]
    sys.stderr.write("grader-api: starting %s: %s\n" % (what, " ".join(argv)))
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
        sys.stderr.write("grader-api: could not start %s: %s\n" % (what, error))
        return None


class Launcher:
    """A launcher process (grader_launch.py) waiting for the app's command,
    and the pipe on which it says that the app listens."""

    def __init__(self, preload, services=False):
        self.notify, notify_w = os.pipe()
        try:
            argv = [sys.executable, os.path.join(HARNESS, "grader_launch.py"), str(notify_w)]
            if preload:
                argv.append("--preload-services" if services else "--preload")
            self.process = grader_fork.start(
                argv,
                stdin=subprocess.PIPE,
                stdout=2,
                stderr=2,
                pass_fds=(notify_w,),
                start_new_session=True,
            )
        finally:
            os.close(notify_w)

    def launch(self, argv, work, env):
        """Sends the app's command; the process becomes the app."""
        line = json.dumps({"argv": argv, "cwd": work, "env": env}).encode() + b"\n"
        try:
            self.process.stdin.write(line)
            self.process.stdin.close()
        except OSError as error:
            sys.stderr.write("grader-api: could not start the app: %s\n" % error)
        return self.process

    def discard(self):
        # A launcher that ended already: its pipe is closed all the same.
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        os.close(self.notify)


def prestart(services=False):
    """A launcher with the web frameworks imported (and, for an exercise
    with services, their clients), made before the job exists (entry.py,
    when the container is made for an api job)."""
    try:
        return Launcher(preload=True, services=services)
    except OSError as error:
        sys.stderr.write("grader-api: could not start the launcher: %s\n" % error)
        return None


class App:
    """The learner's app: started, watched, restarted. EXIT goes out only
    for the app of the current generation.

    An app whose command runs in a launcher (a `python3` command, see
    grader_launch.plan) says when a socket of it listens: until then, or
    until it exits or LISTEN_WAIT passes, a connection to it waits rather
    than being refused, so the grader's first readiness probe is answered
    as soon as the app can, without polling."""

    def __init__(self, frames, work, job, env, launcher=None):
        self.frames = frames
        self.work = work
        self.job = job
        self.env = env
        self.lock = threading.Lock()
        self.generation = 0
        self.process = None
        self.launcher = launcher
        self.listening = threading.Event()
        self.listening.set()

    def start(self):
        argv = [arg.replace("{port}", self.env["PORT"]) for arg in self.job["start"]]
        launcher, self.launcher = self.launcher, None
        if launcher is not None and launcher.process.poll() is not None:
            # It died while it waited: not the app's doing.
            sys.stderr.write("grader-api: the waiting launcher had ended\n")
            launcher.discard()
            launcher = None
        hooked = grader_launch.plan(argv) is not None
        if hooked and launcher is None:
            # A restart: a launcher of its own, importing only what the app
            # imports, as a plain start would.
            try:
                launcher = Launcher(preload=False)
            except OSError as error:
                sys.stderr.write("grader-api: could not start the launcher: %s\n" % error)
                hooked = False
        listening = threading.Event()
        with self.lock:
            self.generation += 1
            generation = self.generation
            self.listening = listening if hooked else self.listening
            if hooked:
                sys.stderr.write("grader-api: starting the app: %s\n" % " ".join(argv))
                sys.stderr.flush()
                self.process = launcher.launch(argv, self.work, self.env)
            else:
                if launcher is not None:
                    launcher.discard()
                self.listening.set()
                self.process = start_process("the app", self.job["start"], self.work, self.env)
            process = self.process
        if process is None:
            self.frames.send(EXIT, 0, b"127")
            return
        if hooked and not start_thread(hear_listening, launcher.notify, listening):
            listening.set()

        def watch():
            code = process.wait()
            listening.set()
            with self.lock:
                current = generation == self.generation
            if current:
                self.frames.send(EXIT, 0, str(code).encode())

        if not start_thread(watch):
            sys.stderr.write("grader-api: could not watch the app\n")

    def wait_listening(self):
        """Until the app listens, exits, or LISTEN_WAIT passes; after a
        wait that timed out, no connection waits again."""
        with self.lock:
            listening = self.listening
        if not listening.wait(LISTEN_WAIT):
            listening.set()

    def restart(self):
        with self.lock:
            # The old app's end is not an exit to report.
            self.generation += 1
            process = self.process
        if process is not None:
            # An app whose process group is gone has nothing left to stop.
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        sys.stderr.write("grader-api: restarting the app\n")
        self.start()


class NotServed(Exception):
    """The exercise's own app could not be served: the author's to mend."""


def serve_held(work, app, sources):
    """The exercise's own app (correct, or one of its bugs) for the
    learner's tests (grader_tests.py): its services on Unix sockets only
    (grader_services.py, `private`), then the app from a launcher in held
    mode (grader_launch.py: its modules from memory, not dumpable), ready
    once GET `ready_path` answers below 500. Returns the services'
    environment (where the learner's tests' data is reset) and the app's
    process. Raises NotServed."""
    import http.client
    import time

    import grader_services

    try:
        extra = grader_services.start(work, app.get("services") or [], app.get("schema"),
                                      private=True)
    except Exception as error:  # noqa: BLE001 - said by the caller
        raise NotServed("a service did not start: %s" % error) from None
    env = app_env(work, app, extra)
    argv = [arg.replace("{port}", env["PORT"]) for arg in app["start"]]
    notify, notify_w = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-B", os.path.join(HARNESS, "grader_launch.py"), str(notify_w),
             "--held"],
            stdin=subprocess.PIPE, stdout=2, stderr=2, pass_fds=(notify_w,),
            start_new_session=True, close_fds=True,
        )
    finally:
        os.close(notify_w)
    os.close(notify)
    modules = {name[: -len(".py")]: text for name, text in sources.items()}
    line = json.dumps({"argv": argv, "cwd": "/", "env": env, "modules": modules}).encode() + b"\n"
    with contextlib.suppress(OSError):
        process.stdin.write(line)
        process.stdin.close()
    deadline = time.monotonic() + float(app.get("ready_deadline") or 10)
    while True:
        if process.poll() is not None:
            raise NotServed("the exercise's app stopped (exit code %s) before it answered GET %s"
                            % (process.returncode, app["ready_path"]))
        try:
            probe = http.client.HTTPConnection("127.0.0.1", app["port"], timeout=2)
            probe.request("GET", app["ready_path"])
            if probe.getresponse().status < 500:
                probe.close()
                return extra, process
            probe.close()
        except OSError:  # noqa: S110 - not listening yet
            pass
        if time.monotonic() > deadline:
            raise NotServed("the exercise's app did not answer GET %s in time" % app["ready_path"])
        time.sleep(0.05)


def hear_listening(notify, listening):
    """Sets `listening` at the launcher's first byte, or when its pipe
    closes (the app ended, or closed it)."""
    # A pipe that fails has ended: the app is taken as listening (the
    # grader's probe tells), and nothing more is read from it.
    with contextlib.suppress(OSError):
        os.read(notify, 1)
    listening.set()
    with contextlib.suppress(OSError):
        while os.read(notify, 4096):
            pass
    os.close(notify)


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
    except OSError:  # noqa: S110 - nothing left to kill
        pass
    if app is not None:
        app.wait()


def run(work, job, stdin, key, launcher=None):
    not_dumpable()
    frames = Frames()
    try:
        import grader_services

        extra = grader_services.start(work, job.get("services") or [], job.get("schema"))
    except Exception as error:  # noqa: BLE001 - said, then the job ends
        reason = "a service did not start: %s" % error
        sys.stderr.write("grader-api: %s\n" % reason)
        Channel(2, key).emit({"event": "infra", "reason": reason})
        if launcher is not None:
            launcher.discard()
        return EXIT_INFRA
    env = app_env(work, job, extra)
    if job.get("worker"):
        start_process("the worker", job["worker"], work, env)
    app = App(frames, work, job, env, launcher)
    app.start()

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
            app.wait_listening()
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
                with contextlib.suppress(OSError):  # the app's side is gone already
                    sock.shutdown(socket.SHUT_RDWR)
        elif kind == RESTART:
            app.restart()
        elif kind == CLOSE:
            sock = conns.pop(conn, None)
            if sock is not None:
                with contextlib.suppress(OSError):  # the app closed it first
                    sock.shutdown(socket.SHUT_WR)

    kill_the_rest(app.process)
    return 0
