"""The learner's process: imports the submission and does what the tests ask.

Started by the test process (grader_pytest.py) from a fresh interpreter,
with a clean environment, stdin on /dev/null, stdout and stderr on pipes the
test process reads (so what the code prints is attached to the test that
caused it), and one more file descriptor: its end of the wire (see
grader_wire.py). It holds nothing of the test process: not its key, not the
tests, not its report channel.

Everything here is at the mercy of the learner's code once it is imported:
the test process trusts nothing it sends beyond its shape.
"""

import builtins
import importlib
import operator
import threading
import os
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grader_wire

sys.path.pop(0)
HARNESS = os.path.dirname(os.path.abspath(__file__)) + os.sep

BINARY = {
    name: getattr(operator, name)
    for name in (
        "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
        "lshift", "rshift", "and_", "or_", "xor", "lt", "le", "gt", "ge", "eq", "ne",
    )
}
UNARY = {
    "neg": operator.neg, "pos": operator.pos, "abs": abs, "invert": operator.invert,
    "index": operator.index, "int": int, "float": float, "complex": complex,
    "len": len, "iter": iter, "next": next, "bool": bool, "hash": hash,
    "repr": repr, "str": str, "dir": lambda value: [str(name) for name in dir(value)],
    "reversed": reversed,
}
# The test process's exceptions arrive as instances of these, one class per
# builtin base: `except ValueError` works in the learner's code, and the same
# object goes back if it is not caught.
TEST_ERRORS = {}


def test_error_class(base):
    cls = TEST_ERRORS.get(base)
    if cls is None:
        cls = type(base.__name__, (base,), {"__module__": "builtins"})
        TEST_ERRORS[base] = cls
    return cls


class TestObject:
    """An object of the test process, passed into the learner's code: it
    can be called, iterated, indexed, compared, computed with, used in a
    `with` block and its public attributes read, each through the wire;
    never changed."""

    __slots__ = ("_g_ref", "_g_count", "__weakref__")

    @classmethod
    def _new(cls, ref):
        proxy = object.__new__(cls)
        object.__setattr__(proxy, "_g_ref", ref)
        object.__setattr__(proxy, "_g_count", 0)
        return proxy

    def __init__(self, *args, **kwargs):
        # `obj.__init__(...)` in the learner's code (a mocked `super()`):
        # the test's object's own `__init__`.
        WORKER.request("callattr", self, "__init__", list(args), kwargs)

    def __del__(self):
        try:
            WORKER.dropped.append([self._g_ref, self._g_count])
        except Exception:  # noqa: BLE001, S110 - a finalizer must not raise (at exit, WORKER is gone)
            pass

    def __getattr__(self, name):
        return WORKER.request("getattr", self, name)

    def __setattr__(self, name, value):
        raise AttributeError("objects the tests pass in cannot be changed")

    def __call__(self, *args, **kwargs):
        return WORKER.request("call", self, list(args), kwargs, WORKER.calling_frames())

    def __len__(self):
        return WORKER.request("unary", "len", self)

    def __iter__(self):
        return WORKER.request("unary", "iter", self)

    def __next__(self):
        return WORKER.request("unary", "next", self)

    def __bool__(self):
        return WORKER.request("unary", "bool", self)

    def __hash__(self):
        return WORKER.request("unary", "hash", self)

    def __repr__(self):
        return WORKER.request("unary", "repr", self)

    def __str__(self):
        return WORKER.request("unary", "str", self)

    def __getitem__(self, key):
        return WORKER.request("getitem", self, key)

    def __setitem__(self, key, value):
        raise TypeError("objects the tests pass in cannot be changed")

    def __contains__(self, item):
        return WORKER.request("contains", self, item)

    def __eq__(self, other):
        return WORKER.request("binary", "eq", self, other)

    def __ne__(self, other):
        return WORKER.request("binary", "ne", self, other)

    def __lt__(self, other):
        return WORKER.request("binary", "lt", self, other)

    def __le__(self, other):
        return WORKER.request("binary", "le", self, other)

    def __gt__(self, other):
        return WORKER.request("binary", "gt", self, other)

    def __ge__(self, other):
        return WORKER.request("binary", "ge", self, other)

    def __enter__(self):
        return WORKER.request("enter", self)

    def __exit__(self, kind, error, traceback):
        return WORKER.request("exit", self, error)

    def __format__(self, spec):
        return WORKER.request("format", self, spec)


def _unary(name):
    def unary(self):
        return WORKER.request("unary", name, self)

    return unary


def _binary(name):
    def forward(self, other):
        return WORKER.request("binary", name, self, other)

    def reflected(self, other):
        return WORKER.request("binary", "r" + name, self, other)

    return forward, reflected


for _name in ("reversed", "neg", "pos", "abs", "invert", "index", "int", "float", "complex"):
    setattr(TestObject, "__%s__" % _name, _unary(_name))
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
              "lshift", "rshift", "and", "or", "xor"):
    _forward, _reflected = _binary(_name + "_" if _name in ("and", "or") else _name)
    setattr(TestObject, "__%s__" % _name, _forward)
    setattr(TestObject, "__r%s__" % _name, _reflected)


class Worker(grader_wire.Codec):
    def __init__(self, sock):
        self.sock = sock
        self.reader = grader_wire.FrameReader()
        self.exports = grader_wire.Exports()
        self.proxies = {}
        self.dropped = []

    # -- values --------------------------------------------------------------

    def export(self, value):
        if isinstance(value, TestObject):
            return ["y", value._g_ref]
        if isinstance(value, type) and issubclass(value, BaseException):
            return ["o", self.exports.export(value), exception_class(value)]
        return ["o", self.exports.export(value)]

    def imported(self, ref, extra):
        proxy = self.proxies.get(ref)
        if proxy is None:
            proxy = TestObject._new(ref)
            self.proxies[ref] = proxy
        object.__setattr__(proxy, "_g_count", proxy._g_count + 1)
        return proxy

    def own(self, ref):
        return self.exports.get(ref)

    def exception_out(self, error):
        ref = getattr(error, "_grader_test_ref", None)
        if isinstance(ref, int) and type(error) in TEST_ERRORS.values():
            return {"own": ref}
        base, chain = exception_class(type(error))
        try:
            text = str(error)
        except BaseException:  # noqa: BLE001 - the learner's __str__ may raise anything
            text = "<unprintable %s>" % type(error).__name__
        try:
            args = [self.encode(arg) for arg in error.args]
        except BaseException:  # noqa: BLE001 - nor need its args be values that cross
            args = [text]
        return {
            "base": base,
            "chain": chain,
            "args": args,
            "str": text[:65536],
            "ref": self.exports.export(error),
            "traceback": self.traceback_of(error),
        }

    def traceback_of(self, error):
        return learner_traceback(error)

    def calling_frames(self):
        return calling_frames()

    def operation(self, op):
        """What a request's `op` does here."""
        return OPS[op]

    def error_in(self, data):
        if "own" in data:
            return self.own(data["own"])
        base = getattr(builtins, str(data.get("base")), None)
        if not (isinstance(base, type) and issubclass(base, Exception)):
            base = Exception
        error = test_error_class(base)(*[self.decode(arg) for arg in data.get("args", [])])
        error._grader_test_ref = data.get("ref")
        return error

    # -- the conversation ------------------------------------------------------

    def send(self, message):
        if self.dropped:
            dropped, self.dropped = self.dropped, []
            self.sock.sendall(grader_wire.frame(["d"] + dropped))
        self.sock.sendall(grader_wire.frame(message))

    def receive(self):
        while True:
            message = self.reader.next_frame()
            if message is not None:
                return message
            data = self.sock.recv(1 << 16)
            if not data:
                os._exit(0)
            self.reader.feed(data)

    def request(self, op, *args):
        """Asks the test process to do `op` on one of its objects."""
        if threading.get_ident() != MAIN_THREAD:
            raise RuntimeError("objects of the tests can be used only from the main thread")
        self.send(["q", op] + [self.encode(arg) for arg in args])
        return self.wait()

    def wait(self):
        while True:
            message = self.receive()
            kind = message[0]
            if kind == "r":
                return self.decode(message[1])
            if kind == "x":
                raise self.decode(message[1])
            if kind == "q":
                self.serve(message)
            elif kind == "d":
                for ref, count in message[1:]:
                    self.exports.drop(ref, count)

    def serve(self, message):
        reply = None
        try:
            op = message[1]
            args = [self.decode(arg) for arg in message[2:]]
            value = self.operation(op)(*args)
        except BaseException as error:  # noqa: BLE001 - the learner's, whatever it is
            try:
                reply = ["x", ["e", self.exception_out(error)]]
            except BaseException:  # noqa: BLE001 - even reading it may raise
                reply = ["x", ["e", {"base": "RuntimeError", "chain": [], "args": ["an unreadable exception"],
                                     "str": "an unreadable exception", "ref": None, "traceback": ""}]]
        if reply is None:
            try:
                reply = ["r", self.encode(value)]
            except Exception as error:  # noqa: BLE001 - whatever encoding it raised
                # The value itself cannot cross: the boundary's failure,
                # which the tests must not read as the learner's exception.
                reply = ["x", ["e", {"boundary": str(error)}]]
        flush()
        try:
            self.send(reply)
        except ValueError as error:  # too large to send
            self.send(["x", ["e", {"boundary": str(error)}]])

    def run(self):
        self.wait()


# Most of the learner's frames sent with a call.
MAX_FRAMES = 40


def calling_frames():
    """The learner's code on the stack, innermost first, as (file, function):
    the test's object called runs under frames of these names, so a test
    double that inspects its callers (`inspect.stack()`) sees the learner's
    code calling it, as in one process."""
    frames = []
    frame = sys._getframe(1)
    while frame is not None and len(frames) < MAX_FRAMES:
        code = frame.f_code
        if not code.co_filename.startswith(HARNESS):
            frames.append([code.co_filename[:300], code.co_name[:100]])
        frame = frame.f_back
    return frames


def flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 - the learner's code may have closed or replaced its streams
            pass


def exception_class(cls):
    """The builtin class a learner exception class derives from, and the
    classes between, most derived first, as (module, qualname)."""
    chain = []
    for klass in cls.__mro__:
        if klass.__module__ == "builtins":
            return klass.__name__, chain
        chain.append([str(klass.__module__), str(klass.__qualname__)])
    return "Exception", chain


def learner_traceback(error):
    try:
        frames = [
            frame for frame in traceback.extract_tb(error.__traceback__)
            if not frame.filename.startswith((HARNESS, "<frozen importlib"))
            and not frame.filename.endswith("/importlib/__init__.py")
        ]
        text = "".join(traceback.format_list(frames))
        text += "".join(traceback.format_exception_only(type(error), error))
        return text.replace(os.getcwd() + os.sep, "")[-8192:]
    except BaseException:  # noqa: BLE001 - the learner's objects may raise anything: no traceback then
        return ""


def compile_files(names):
    """The first syntax error among the submission's files, before any of
    its code runs."""
    for name in names:
        try:
            with open(name, "rb") as source:
                compile(source.read(), name, "exec", dont_inherit=True)
        except SyntaxError as error:
            return {
                "file": name,
                "line": error.lineno,
                "column": error.offset,
                "message": str(error.msg),
                "text": (error.text or "").rstrip("\n"),
            }
        except (OSError, ValueError, RecursionError, MemoryError) as error:
            return {"file": name, "line": None, "column": None, "message": str(error), "text": ""}
    return None


def subclass(base, name, methods):
    """`class Name(LearnerClass)` written in a test: the class is made here,
    its methods call back into the test process."""
    namespace = {}
    for key, value in methods.items():
        namespace[key] = _method(value) if isinstance(value, TestObject) else value
    return type(name, (base,), namespace)


def _method(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    return method


def exit_context(value, error):
    if error is None:
        return type(value).__exit__(value, None, None, None)
    return type(value).__exit__(value, type(error), error, None)


# The builtins before the tests replaced any (see `set_builtins`).
ORIGINAL_BUILTINS = dict(vars(builtins))


def set_builtins(patched, restored):
    """The test process's builtins that its tests replaced, here too: the
    learner's code looks them up in this process."""
    for name, value in patched.items():
        if name in ORIGINAL_BUILTINS:
            setattr(builtins, name, value)
    for name in restored:
        if name in ORIGINAL_BUILTINS:
            setattr(builtins, name, ORIGINAL_BUILTINS[name])


OPS = {
    "builtins": set_builtins,
    "compile": compile_files,
    "import": importlib.import_module,
    "getattr": getattr,
    "setattr": setattr,
    "delattr": delattr,
    "call": lambda function, args, kwargs: function(*args, **kwargs),
    "callattr": lambda value, name, args, kwargs: getattr(value, name)(*args, **kwargs),
    "unary": lambda name, value: UNARY[name](value),
    "binary": lambda name, left, right: BINARY[name](left, right),
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "contains": lambda container, item: item in container,
    "isinstance": isinstance,
    "issubclass": issubclass,
    "enter": lambda value: type(value).__enter__(value),
    "exit": exit_context,
    "format": format,
    "subclass": subclass,
}


def main():
    fd = int(sys.argv[1])
    sock = socket.socket(fileno=fd)
    os.chdir(os.environ.get("GRADER_WORKDIR", "/work"))
    sys.path.insert(0, os.getcwd())
    global WORKER
    WORKER = Worker(sock)
    WORKER.run()


WORKER = None
MAIN_THREAD = threading.get_ident()

if __name__ == "__main__":
    main()
