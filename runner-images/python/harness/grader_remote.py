"""The test process's end of the wire: the learner's code, by proxy.

The tests import the submission's modules as usual; what they get is a
`Remote` standing for the module in the learner's process (see
grader_learner.py), and everything they reach through it is either plain
data, copied (see grader_wire.py), or another `Remote`. A `Remote` forwards
attribute access, calls, iteration, indexing, arithmetic and context
management. It never lets the learner's code decide a comparison with the
tests' own values: `==`, `!=`, `<`, `<=`, `>`, `>=` are forwarded only
between two of the learner's objects, so an object that claims to equal
everything equals nothing here.

An exception raised by the learner's code arrives as the same builtin type,
or as a mirror class named after the learner's own (a subclass of a mirror
of its base, down to the builtin it derives from), cached by module and
name, so `pytest.raises(InsufficientFunds)` and `issubclass` work. Its
attributes are read from the original.

The learner's process may ask this one for exactly these things, and only
about objects a test passed to it (SERVED, SAFE_UNARY, SAFE_BINARY): call
it, read a public attribute, the protocols of numbers, containers,
iterators and context managers (len, iter, next, bool, hash, repr, str,
format, reversed, items, membership, comparisons, arithmetic, `with`).
It cannot change them: no attribute or item is set from there (a test that
counts what the code looked at keeps its count).

If that process dies, breaks the protocol or overruns a test's time limit,
it is killed; the call fails with `LearnerCrashed` (or the timeout), and the
next use starts a fresh one, where module-level names are found again. A
value that cannot cross fails with `CannotCross`. Both are `BoundaryError`s,
not `Exception`s: no test expects them by accident.
"""

import builtins
import codecs
import contextlib
import operator
import os
import select
import signal
import socket
import subprocess
import sys
import weakref

import grader_fork
import grader_wire
import grader_frames

# pytest leaves this module's frames (the proxies, and what serves the
# learner's process's requests) out of a failure's traceback.
__tracebackhide__ = True

HARNESS = os.path.dirname(os.path.abspath(__file__))
BUILTIN_ERRORS = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
# The builtins as they were before any test ran: a test that replaces one
# (`mock.patch("builtins.input")`) replaces it for the learner's code too.
ORIGINAL_BUILTINS = dict(vars(builtins))
# The same values in order: one C-level list comparison (about 1 µs, where
# looking at each name costs 12) tells that nothing was replaced, on every
# request.
ORIGINAL_VALUES = list(ORIGINAL_BUILTINS.values())
# Most fresh learner processes one run may start.
MAX_STARTS = 25
# Bytes of the learner's output kept per test; the rest is dropped.
OUTPUT_BUDGET = 1 << 20


class BoundaryError(BaseException):
    """The grader's own failure between the two processes. Not an
    `Exception`: no `pytest.raises(ValueError)` nor `except Exception` in a
    test mistakes it for what the learner's code raised."""


class LearnerCrashed(BoundaryError):
    """The learner's process ended, or broke the protocol, during a call."""


class CannotCross(BoundaryError):
    """A value could not cross between the tests and the learner's code."""


class LearnerInterrupt(Exception):
    """The learner's code raised KeyboardInterrupt or GeneratorExit."""


class _Gone(Exception):
    pass


def clean_env(work):
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": work,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "GRADER_WORKDIR": work,
    }


class LearnerProcess:
    """A fresh interpreter running grader_learner.py, with nothing of ours
    but its end of a socketpair and two pipes."""

    def __init__(self, work):
        ours, theirs = socket.socketpair()
        self.process = grader_fork.start(
            [sys.executable, "-I", "-u", "-B", os.path.join(HARNESS, "grader_learner.py"), str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work,
            env=clean_env(work),
            start_new_session=True,
        )
        theirs.close()
        self.sock = ours
        self.reader = grader_wire.FrameReader()
        self.stdout = self.process.stdout.fileno()
        self.stderr = self.process.stderr.fileno()

    def kill(self):
        with contextlib.suppress(OSError):  # its process group is gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        # A process that outlives SIGKILL this long is left to the
        # container's end; its streams are closed all the same.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for stream in (self.sock, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()

    def end(self):
        """How the process ended, once its end of the wire closed."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "your code's process closed its end of the grader's connection"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            note = " (the memory limit, most likely)" if code == -signal.SIGKILL else ""
            return "your code's process was killed by %s%s" % (name, note)
        return "your code's process exited with code %d" % code


class Connection(grader_wire.Codec):
    # Whose objects the proxies stand for, in messages; what a call raises
    # when their process is gone.
    CODE = "your code"
    Crashed = LearnerCrashed

    def __init__(self, work, prestarted=None):
        self.work = work
        self.process = prestarted
        self.starts = 1 if prestarted else 0
        self.generation = 1
        self.exports = grader_wire.Exports()
        self.proxies = weakref.WeakValueDictionary()
        self.dropped = []
        self.broken = None
        self.mirrors = {}
        self.output_left = OUTPUT_BUDGET
        self.decoders = {}
        self.poll = None
        # The learner's exception raised last: a collection error names it.
        self.last_error = None
        # Requests made: whether the learner's code had a part in a failure.
        self.requests = 0
        # Builtins the tests replaced, as the learner's process has them.
        self.patched = {}

    # -- the process ----------------------------------------------------------

    def ensure(self):
        if self.process is not None and self.broken is None:
            return
        if self.process is not None:
            self.process.kill()
            self.process = None
            self.generation += 1
            self.proxies = weakref.WeakValueDictionary()
            self.exports = grader_wire.Exports()
            self.dropped = []
        if self.starts >= MAX_STARTS:
            raise self.Crashed("%s; not started again (%d starts)" % (self.broken, self.starts))
        self.process = self.start()
        self.starts += 1
        self.broken = None
        self.poll = None
        self.patched = {}

    def start(self):
        """A fresh process of the other side."""
        return LearnerProcess(self.work)

    def fail(self, reason):
        self.broken = reason
        if self.process is not None:
            self.process.kill()

    def close(self):
        if self.process is not None:
            self.process.kill()
            self.process = None

    def new_test(self):
        self.output_left = OUTPUT_BUDGET

    # -- the conversation -----------------------------------------------------

    def request(self, op, *args):
        self.requests += 1
        self.ensure()
        self.sync_builtins()
        try:
            data = self.frames(["q", op] + [self.encode(arg) for arg in args])
        except ValueError as error:
            raise CannotCross("a test's value could not be sent to %s: %s" % (self.CODE, error)) from None
        try:
            self.process.sock.sendall(data)
            kind, value = self.wait()
        except _Gone:
            self.fail(self.process.end())
            self.last_error = self.Crashed(self.broken)
            raise self.last_error from None
        except (grader_wire.WireError, OSError) as error:
            self.fail("%s's process broke the grader's protocol (%s)" % (self.CODE, error))
            self.last_error = self.Crashed(self.broken)
            raise self.last_error from None
        except BaseException:
            # The test's time limit, or a test's callback ending the test:
            # the call is abandoned half way, and its process with it.
            self.fail("%s's process was stopped while a call into it was running" % self.CODE)
            raise
        if kind == "x":
            self.last_error = value
            raise value
        return value

    def sync_builtins(self):
        """Tells the learner's process which builtins the tests replace
        now (a mock's patch of `builtins.open`), and which they put back,
        before anything of the learner's runs."""
        if not self.patched and list(vars(builtins).values()) == ORIGINAL_VALUES:
            return
        now = {
            name: value for name, value in vars(builtins).items()
            if name in ORIGINAL_BUILTINS and ORIGINAL_BUILTINS[name] is not value
        }
        if now.keys() == self.patched.keys() and all(now[name] is self.patched[name] for name in now):
            return
        restored = [name for name in self.patched if name not in now]
        self.patched = now
        self.request("builtins", now, restored)

    def frames(self, message):
        """`message` on the wire, after word of the proxies dropped."""
        data = grader_wire.frame(message)
        if self.dropped:
            dropped, self.dropped = self.dropped, []
            data = grader_wire.frame(["d"] + dropped) + data
        return data

    def wait(self):
        while True:
            message = self.receive()
            kind = message[0] if type(message) is list and message else None
            if kind == "r" and len(message) == 2:
                value = self.decode(message[1])
                self.drain()
                return "r", value
            if kind == "x" and len(message) == 2:
                error = self.decode(message[1])
                if not isinstance(error, BaseException):
                    raise grader_wire.WireError("an error that is not an exception")
                self.drain()
                return "x", error
            if kind == "q":
                self.serve(message)
            elif kind == "d":
                for pair in message[1:]:
                    ref, count = grader_wire.checked_list(pair)
                    self.exports.drop(ref, count)
            else:
                raise grader_wire.WireError("an unknown message")

    def receive(self):
        while True:
            message = self.process.reader.next_frame()
            if message is not None:
                return message
            self.pump(None)

    def pump(self, timeout):
        """Reads what is there from the wire and the learner's output."""
        process = self.process
        if self.poll is None:
            self.poll = select.poll()
            for fd in (process.sock.fileno(), process.stdout, process.stderr):
                self.poll.register(fd, select.POLLIN)
        events = self.poll.poll(timeout)
        for fd, _ in events:
            if fd == process.sock.fileno():
                data = process.sock.recv(1 << 16)
                if not data:
                    raise _Gone()
                process.reader.feed(data)
            else:
                data = os.read(fd, 1 << 16)
                if not data:
                    self.poll.unregister(fd)
                else:
                    self.output(fd == process.stderr, data)
        return bool(events)

    def drain(self):
        """What the learner's code printed before it answered (it flushes
        before answering); bounded, for code that never stops printing."""
        try:
            for _ in range(64):
                if not self.pump(0):
                    break
        except _Gone:
            self.fail(self.process.end())

    def output(self, is_stderr, data):
        if self.output_left <= 0:
            return
        keep = data[: self.output_left]
        self.output_left -= len(data)
        decoder = self.decoders.setdefault(is_stderr, codecs.getincrementaldecoder("utf-8")("replace"))
        text = decoder.decode(keep)
        if self.output_left <= 0:
            text += "\n[the grader dropped the rest of what %s printed in this test]\n" % self.CODE
        stream = sys.stderr if is_stderr else sys.stdout
        stream.write(text)

    def serve(self, message):
        """A request from the learner's process about one of our objects."""
        try:
            op = message[1]
            handler = SERVED.get(op) if type(op) is str else None
            if handler is None:
                raise PermissionError("the tests' objects do not allow %r" % (op,))
            value = handler(self, *message[2:])
            reply = ["r", self.encode(value)]
        except grader_wire.WireError:
            raise
        except Exception as error:  # noqa: BLE001 - what a test's object raised is the answer
            reply = ["x", ["e", self.exception_out(error)]]
        try:
            data = self.frames(reply)
        except ValueError as error:  # too large
            data = self.frames(["x", ["e", {"base": "ValueError", "args": [str(error)], "ref": None}]])
        self.process.sock.sendall(data)

    def target(self, raw):
        """One of our objects, named by the learner's process."""
        if type(raw) is not list or len(raw) != 2 or raw[0] != "y":
            raise PermissionError("only objects the tests passed in can be used")
        return self.own(grader_wire.checked(raw[1], int))

    # -- values ------------------------------------------------------------

    def export(self, value):
        if isinstance(value, Remote):
            return ["y", self.ref_of(value)]
        if isinstance(value, type) and isinstance(getattr(value, "_grader_mirror", None), tuple):
            generation, ref = getattr(value, "_grader_class_ref", (None, None))
            if generation == self.generation:
                return ["y", ref]
        return ["o", self.exports.export(value)]

    def ref_of(self, proxy):
        """The id of `proxy` in the current learner process, found again by
        its path if the process is new."""
        if proxy._g_gen == self.generation and proxy._g_ref is not None:
            return proxy._g_ref
        path = proxy._g_path
        if not path:
            raise self.Crashed("this object lived in an earlier process of %s, which was stopped" % self.CODE)
        found = self.request("import", path[0])
        for name in path[1:]:
            found = self.request("getattr", found, name)
        if not isinstance(found, Remote):
            raise self.Crashed("%s is no longer an object of %s" % (".".join(path), self.CODE))
        object.__setattr__(proxy, "_g_ref", found._g_ref)
        object.__setattr__(proxy, "_g_gen", self.generation)
        object.__setattr__(proxy, "_g_count", found._g_count)
        object.__setattr__(found, "_g_count", 0)
        self.proxies[found._g_ref] = proxy
        return proxy._g_ref

    def imported(self, ref, extra):
        if extra is not None:
            base, chain = grader_wire.checked_list(extra)
            mirror = self.mirror(base, grader_wire.checked_list(chain))
            if isinstance(getattr(mirror, "_grader_mirror", None), tuple):
                mirror._grader_class_ref = (self.generation, ref)
            return mirror
        proxy = self.proxies.get(ref)
        if proxy is None:
            proxy = Remote._new(self, ref)
            self.proxies[ref] = proxy
        object.__setattr__(proxy, "_g_count", proxy._g_count + 1)
        return proxy

    def own(self, ref):
        try:
            return self.exports.get(ref)
        except LookupError as error:
            raise grader_wire.WireError(str(error)) from None

    def dropped_proxy(self, proxy):
        if proxy._g_gen == self.generation and proxy._g_ref is not None and proxy._g_count:
            self.dropped.append([proxy._g_ref, proxy._g_count])

    def mirror(self, base_name, chain):
        base = BUILTIN_ERRORS.get(grader_wire.checked(base_name, str), Exception)
        if issubclass(base, (KeyboardInterrupt, GeneratorExit)):
            base = LearnerInterrupt
        cls = base
        for entry in reversed(chain[:20]):
            module, qualname = (grader_wire.checked(part, str)[:200] for part in grader_wire.checked_list(entry))
            key = (module, qualname)
            mirror = self.mirrors.get(key)
            if mirror is None:
                mirror = type(
                    qualname.rsplit(".", 1)[-1] or "Error",
                    (cls,),
                    {
                        "__module__": module,
                        "__qualname__": qualname,
                        "__str__": _mirror_str,
                        "__getattr__": _mirror_getattr,
                        "_grader_mirror": key,
                    },
                )
                self.mirrors[key] = mirror
            cls = mirror
        return cls

    def error_in(self, data):
        if "own" in data:
            error = self.own(data["own"])
            if not isinstance(error, BaseException):
                raise grader_wire.WireError("an exception that is not one")
            return error
        if "boundary" in data:
            # The learner's end could not send its answer: the boundary's
            # failure, never an exception a test could expect.
            return CannotCross("%s's answer could not be sent to the tests: %s" % (
                self.CODE, grader_wire.checked(data["boundary"], str)[:1000]))
        chain = grader_wire.checked_list(data.get("chain", []))
        cls = self.mirror(data.get("base", "Exception"), chain)
        args = tuple(self.decode(arg) for arg in grader_wire.checked_list(data.get("args", [])))
        if cls is LearnerInterrupt:
            args = ("%s raised %s" % (self.CODE, data.get("base")),)
        try:
            error = cls(*args)
        except Exception:  # noqa: BLE001 - a builtin base that will not take these args: made without them
            error = cls.__new__(cls)
            error.args = args
        if chain:
            error._grader_str = grader_wire.checked(data.get("str", ""), str)
        ref = data.get("ref")
        if type(ref) is int:
            error._grader_ref = self.imported(ref, None)
        text = data.get("traceback")
        if type(text) is str and text:
            error._grader_traceback = text[-8192:]
        return error

    def exception_out(self, error):
        ref = error.__dict__.get("_grader_ref") if hasattr(error, "__dict__") else None
        if isinstance(ref, Remote) and ref._g_gen == self.generation:
            return {"own": ref._g_ref}
        base = next(
            (klass.__name__ for klass in type(error).__mro__ if BUILTIN_ERRORS.get(klass.__name__) is klass),
            "Exception",
        )
        if isinstance(error, AssertionError):
            # A failed assert's message may quote a hidden test's source.
            args = []
        else:
            args = [arg for arg in error.args if type(arg) in grader_wire.PLAIN]
        return {"base": base, "args": args, "ref": self.exports.export(error)}


def _mirror_str(self):
    text = self.__dict__.get("_grader_str")
    if text is not None:
        return text
    for klass in type(self).__mro__:
        if BUILTIN_ERRORS.get(klass.__name__) is klass:
            return klass.__str__(self)
    return BaseException.__str__(self)


def _mirror_getattr(self, name):
    if name.startswith("_"):
        raise AttributeError(name)
    ref = self.__dict__.get("_grader_ref")
    if ref is None:
        raise AttributeError(name)
    return getattr(ref, name)


# The special methods of a test's object the learner's code may read (and
# so call), as code in one process does: `self._socket.__exit__(...)`,
# a mocked `super().__init__(...)`. Nothing here reaches a test's globals,
# its class or its code (`__globals__`, `__class__`, `__code__`, `__dict__`).
CALLABLE_DUNDERS = frozenset({
    "__init__", "__call__", "__enter__", "__exit__", "__iter__", "__next__", "__len__",
    "__contains__", "__getitem__", "__bool__", "__str__", "__repr__", "__format__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__",
    "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__",
    "__name__", "__qualname__", "__doc__", "__module__",
})


def _public(name):
    if type(name) is not str or (name.startswith("_") and name not in CALLABLE_DUNDERS):
        raise PermissionError("only public attributes of the tests' objects can be used")
    return name


def _call(conn, raw, args, kwargs, frames=None):
    target = conn.target(raw)
    args = conn.decode(args)
    kwargs = {str(k): v for k, v in conn.decode(kwargs).items()}
    frames = conn.decode(frames)
    if type(frames) is list and frames:
        return grader_frames.run(frames, lambda: target(*args, **kwargs))
    return target(*args, **kwargs)


# What the learner's code may do with a test's object, as the same code
# would in one process: the protocols of values and test doubles (numbers,
# containers, iterators, files, sockets). Nothing here sets or deletes.
SAFE_UNARY = {
    "len": len, "iter": iter, "next": next, "bool": bool, "hash": hash, "repr": repr, "str": str,
    "reversed": reversed, "neg": operator.neg, "pos": operator.pos, "abs": abs,
    "invert": operator.invert, "index": operator.index, "int": int, "float": float,
    "complex": complex,
}
SAFE_BINARY = {
    name: getattr(operator, name)
    for name in (
        "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "truediv", "floordiv",
        "mod", "pow", "matmul", "lshift", "rshift", "and_", "or_", "xor",
    )
}
# The same, with the learner's value on the left: `2 * test_value`.
SAFE_BINARY.update({
    "r" + name: (lambda op: lambda a, b: op(b, a))(SAFE_BINARY[name])
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
                 "lshift", "rshift", "and_", "or_", "xor")
})


def _unary(conn, name, raw):
    if type(name) is not str or name not in SAFE_UNARY:
        raise PermissionError("the tests' objects do not allow %r" % (name,))
    return SAFE_UNARY[name](conn.target(raw))


def _binary(conn, name, raw, other):
    if type(name) is not str or name not in SAFE_BINARY:
        raise PermissionError("the tests' objects do not allow %r" % (name,))
    return SAFE_BINARY[name](conn.target(raw), conn.decode(other))


def _exit(conn, raw, error):
    """`__exit__` of a test's object that the learner's code used in a
    `with` block (or called itself), with the exception that ended it."""
    error = conn.decode(error)
    if error is None:
        return conn.target(raw).__exit__(None, None, None)
    if not isinstance(error, BaseException):
        raise TypeError("__exit__ takes an exception")
    return conn.target(raw).__exit__(type(error), error, error.__traceback__)


SERVED = {
    "getattr": lambda conn, raw, name: getattr(conn.target(raw), _public(name)),
    "call": _call,
    "callattr": lambda conn, raw, name, args, kwargs: getattr(conn.target(raw), _public(name))(
        *conn.decode(args), **{str(k): v for k, v in conn.decode(kwargs).items()}
    ),
    "unary": _unary,
    "binary": _binary,
    "getitem": lambda conn, raw, key: conn.target(raw)[conn.decode(key)],
    "contains": lambda conn, raw, item: conn.decode(item) in conn.target(raw),
    "enter": lambda conn, raw: conn.target(raw).__enter__(),
    "exit": _exit,
    "format": lambda conn, raw, spec: format(conn.target(raw), grader_wire.checked(spec, str)),
}


def _forward_binary(name):
    def forward(self, other):
        return self._g_conn.request("binary", name, self, other)

    def reflected(self, other):
        return self._g_conn.request("binary", name, other, self)

    return forward, reflected


def _compare(name):
    def compare(self, other):
        if not isinstance(other, Remote):
            # The learner's object never judges the tests' values.
            return NotImplemented
        return self._g_conn.request("binary", name, self, other)

    return compare


def _unary_op(name):
    def unary(self):
        return self._g_conn.request("unary", name, self)

    return unary


class _SubclassMeta(type):
    """`class Triangle(Shape)` in a test, Shape being the learner's: the
    class is made in the learner's process; its methods call back here."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        if namespace.get("_grader_base"):
            return super().__new__(mcs, name, bases, namespace)
        remote_bases = [base._grader_remote for base in bases if "_grader_remote" in vars(base)]
        if len(remote_bases) != 1 or len(bases) != 1:
            raise TypeError("a class in a test may derive from one class of the submission only")
        members = {
            key: value
            for key, value in namespace.items()
            if not key.startswith("__")
            or key in ("__init__", "__repr__", "__str__", "__eq__", "__hash__", "__len__", "__iter__", "__call__")
        }
        base = remote_bases[0]
        return base._g_conn.request("subclass", base, name, members)


# The double-underscore attributes a test may read of a learner object.
READABLE_DUNDERS = frozenset({
    "__name__", "__qualname__", "__doc__", "__module__", "__dict__", "__all__",
    "__annotations__", "__bases__", "__mro__", "__path__", "__version__", "__slots__",
})


class Remote:
    """One of the learner's objects, in its process."""

    __slots__ = ("_g_conn", "_g_ref", "_g_gen", "_g_count", "_g_path", "__weakref__")

    @classmethod
    def _new(cls, conn, ref, path=None):
        proxy = object.__new__(cls)
        object.__setattr__(proxy, "_g_conn", conn)
        object.__setattr__(proxy, "_g_ref", ref)
        object.__setattr__(proxy, "_g_gen", conn.generation if ref is not None else 0)
        object.__setattr__(proxy, "_g_count", 0)
        object.__setattr__(proxy, "_g_path", path)
        return proxy

    def __del__(self):
        try:
            self._g_conn.dropped_proxy(self)
        except Exception:  # noqa: BLE001, S110 - a finalizer must not raise (at exit, the connection may be gone)
            pass

    def __getattr__(self, name):
        if name.startswith("_g_") or (name.startswith("__") and name not in READABLE_DUNDERS):
            # pytest and the import system probe objects for `__test__`,
            # `__wrapped__`, `__signature__`…: the learner's answer would
            # make its function a test, or change how one is called.
            raise AttributeError(name)
        value = self._g_conn.request("getattr", self, name)
        if isinstance(value, Remote) and value._g_path is None and self._g_path is not None:
            object.__setattr__(value, "_g_path", self._g_path + (name,))
        return value

    def __setattr__(self, name, value):
        self._g_conn.request("setattr", self, name, value)

    def __delattr__(self, name):
        self._g_conn.request("delattr", self, name)

    def __call__(self, *args, **kwargs):
        return self._g_conn.request("call", self, list(args), kwargs)

    def __getitem__(self, key):
        return self._g_conn.request("getitem", self, key)

    def __setitem__(self, key, value):
        self._g_conn.request("setitem", self, key, value)

    def __delitem__(self, key):
        self._g_conn.request("delitem", self, key)

    def __contains__(self, item):
        return self._g_conn.request("contains", self, item)

    def __instancecheck__(self, value):
        return self._g_conn.request("isinstance", value, self) is True

    def __subclasscheck__(self, cls):
        return self._g_conn.request("issubclass", cls, self) is True

    def __enter__(self):
        return self._g_conn.request("enter", self)

    def __exit__(self, kind, error, traceback):
        return self._g_conn.request("exit", self, error)

    def __format__(self, spec):
        return self._g_conn.request("format", self, spec)

    def __mro_entries__(self, bases):
        base = _SubclassMeta("SubmissionClass", (), {"_grader_base": True, "_grader_remote": self})
        return (base,)

    __len__ = _unary_op("len")
    __iter__ = _unary_op("iter")
    __next__ = _unary_op("next")
    __bool__ = _unary_op("bool")
    __hash__ = _unary_op("hash")
    __repr__ = _unary_op("repr")
    __str__ = _unary_op("str")
    __dir__ = _unary_op("dir")
    __reversed__ = _unary_op("reversed")
    __neg__ = _unary_op("neg")
    __pos__ = _unary_op("pos")
    __abs__ = _unary_op("abs")
    __invert__ = _unary_op("invert")
    __index__ = _unary_op("index")
    __int__ = _unary_op("int")
    __float__ = _unary_op("float")
    __complex__ = _unary_op("complex")

    __eq__ = _compare("eq")
    __ne__ = _compare("ne")
    __lt__ = _compare("lt")
    __le__ = _compare("le")
    __gt__ = _compare("gt")
    __ge__ = _compare("ge")

    __add__, __radd__ = _forward_binary("add")
    __sub__, __rsub__ = _forward_binary("sub")
    __mul__, __rmul__ = _forward_binary("mul")
    __truediv__, __rtruediv__ = _forward_binary("truediv")
    __floordiv__, __rfloordiv__ = _forward_binary("floordiv")
    __mod__, __rmod__ = _forward_binary("mod")
    __pow__, __rpow__ = _forward_binary("pow")
    __matmul__, __rmatmul__ = _forward_binary("matmul")
    __lshift__, __rlshift__ = _forward_binary("lshift")
    __rshift__, __rrshift__ = _forward_binary("rshift")
    __and__, __rand__ = _forward_binary("and_")
    __or__, __ror__ = _forward_binary("or_")
    __xor__, __rxor__ = _forward_binary("xor")


def module(conn, name):
    """The learner's module `name`, imported in its process on first use."""
    return Remote._new(conn, None, (name,))

