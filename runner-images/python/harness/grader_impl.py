"""The pytest kind's implementation, in processes the learner's tests reach
only by calls.

A learner's test that shares a process with the implementation can read
it (its source, its bytecode, its line numbers) and tell the correct one
from a bug without testing anything: fail once with a fingerprint in the
message, then assert it. So the implementation lives here, and the tests
hold proxies (grader_remote.py, the python kind's proxies with the roles
turned round): what they learn of it is what its functions return and
raise, which is what testing is.

    python3 -I -B grader_impl.py <control fd> <ready fd>   sources as JSON on stdin

This process is the zygote: it makes itself not dumpable before it reads
the implementation's sources (so neither /proc/<pid>/mem nor ptrace shows
them to a process of the same user), keeps them in memory only, and
writes one byte on its ready pipe when it is ready. Each byte it
reads there afterwards asks for a fresh implementation process: it forks
(a fork stays not dumpable), and hands the learner's child the fork's
pid, its end of a socketpair and the read ends of its stdout and stderr
(SCM_RIGHTS). The fork imports the implementation's modules from memory
on first use and serves requests (grader_learner.Worker), under rules
meant for a client that is hostile:

- only the implementation's modules can be imported;
- only public names are read, set or deleted (and `__name__`,
  `__qualname__`, `__module__`, `__class__` read);
- an object leaves by reference only if it is the implementation's: one of
  its modules, classes, functions, methods, instances or generators, an
  exception, or an iterator of the builtins; anything else — a stdlib
  module, `os.open`, a code object — is refused, so nothing reachable
  reads this process's memory or files for the tests;
- an exception goes out without its traceback, and no repr, str, format
  or hash shows an address (an object without its own repr reads
  `<module.Class object>`, its default hash is a number per object): line
  numbers and memory layout differ between the correct implementation and
  a bug even where behaviour does not;
- tests cannot make classes here.

Warnings and unraisable errors are printed without a file and line.
"""

import ctypes
import importlib
import importlib.abc
import importlib.util
import json
import os
import signal
import socket
import struct
import sys
import types
import warnings

PR_SET_DUMPABLE = 4
# Fresh implementation processes one run may ask for.
MAX_STARTS = 25

HARNESS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HARNESS)
import grader_learner  # noqa: E402

sys.path.pop(0)

# Iterators of the builtins: they offer `next` and nothing else.
BUILTIN_ITERATORS = frozenset(
    {type(iter(empty)) for empty in ([], (), {}, set(), "", b"", bytearray(), range(0))}
    | {type(iter(view)) for view in ({}.keys(), {}.values(), {}.items())}
    | {enumerate, zip, map, filter, reversed, type(reversed([]))}
)
# Double-underscore names a test may read.
READABLE_DUNDERS = frozenset({"__name__", "__qualname__", "__module__", "__class__"})


def not_dumpable():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        sys.stderr.write("grader-impl: prctl(PR_SET_DUMPABLE) failed\n")
        os._exit(1)


class Sources(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The implementation's modules, from memory. No `get_source` and no
    file: nothing in this process can quote their lines."""

    def __init__(self, sources):
        self.files = {name[: -len(".py")]: (name, text) for name, text in sources.items()}

    def find_spec(self, fullname, path, target=None):
        if fullname in self.files:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        filename, text = self.files[module.__name__]
        exec(compile(text, filename, "exec", dont_inherit=True), module.__dict__)


class Policy:
    def __init__(self, modules, files):
        self.modules = frozenset(modules)
        self.files = frozenset(files)

    def reachable(self, value, depth=0):
        """Whether `value` may be handed to the tests by reference."""
        if depth > 5:
            return False
        if isinstance(value, types.ModuleType):
            return value.__name__ in self.modules
        if isinstance(value, BaseException):
            return True
        if isinstance(value, type):
            return value.__module__ in self.modules
        kind = type(value)
        if kind is types.FunctionType:
            return value.__module__ in self.modules
        if kind is types.MethodType:
            return self.reachable(value.__self__, depth + 1) and self.reachable(value.__func__, depth + 1)
        if kind is types.BuiltinMethodType:
            owner = value.__self__
            return owner is not None and not isinstance(owner, types.ModuleType) and self.reachable(owner, depth + 1)
        if kind in (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType):
            code = getattr(value, "gi_code", None) or getattr(value, "cr_code", None) or getattr(value, "ag_code", None)
            return code is not None and code.co_filename in self.files
        if kind in BUILTIN_ITERATORS:
            return True
        if kind.__module__ in self.modules:
            return True
        # A decorated function (functools.lru_cache, wraps): what it wraps.
        wrapped = getattr(value, "__wrapped__", None)
        return wrapped is not None and self.reachable(wrapped, depth + 1)

    def shown(self, value, text):
        """The repr or str of `value` as the tests see it: never an address,
        whose offsets between objects follow what the implementation
        allocated."""
        if isinstance(value, types.ModuleType):
            return "<module %r>" % value.__name__
        if isinstance(value, type):
            return "<class %r>" % ("%s.%s" % (value.__module__, value.__qualname__))
        if isinstance(value, (types.FunctionType, types.MethodType, types.BuiltinMethodType)):
            return "<function %s>" % getattr(value, "__qualname__", "?")
        kind = type(value)
        if kind.__repr__ is object.__repr__ and kind.__str__ is object.__str__:
            return "<%s.%s object>" % (kind.__module__, kind.__qualname__)
        return text()


def readable(name):
    if type(name) is not str or (name.startswith("_") and name not in READABLE_DUNDERS):
        raise AttributeError("%r cannot be read by tests: only the implementation's public names can" % (name,))
    return name


def settable(name):
    if type(name) is not str or name.startswith("_"):
        raise AttributeError("%r cannot be set by tests: only the implementation's public names can" % (name,))
    return name


class Server(grader_learner.Worker):
    """One implementation process's end of the wire."""

    def __init__(self, sock, policy):
        super().__init__(sock)
        self.policy = policy
        self.ops = dict(
            grader_learner.OPS,
            compile=refused("compile"),
            # A learner's test that replaces a builtin replaces it for its
            # own code only: the implementation's builtins would call back
            # into the test with the implementation's inner values, which
            # is not what calling it shows.
            builtins=lambda patched, restored: None,
            subclass=refused("making a class from the implementation's"),
            getattr=lambda value, name: getattr(value, readable(name)),
            setattr=lambda value, name, new: setattr(value, settable(name), new),
            delattr=lambda value, name: delattr(value, settable(name)),
            callattr=lambda value, name, args, kwargs: getattr(value, readable(name))(*args, **kwargs),
            unary=self.unary,
        )
        self.ops["import"] = self.import_module
        self.ops["format"] = self.format
        # Objects hashed by address, kept so that no other takes their id.
        self.hashes = {}

    def import_module(self, name):
        if name not in self.policy.modules:
            raise ModuleNotFoundError("No module named %r" % (name,))
        return importlib.import_module(name)

    def unary(self, name, value):
        if name in ("repr", "str"):
            return self.policy.shown(value, lambda: grader_learner.UNARY[name](value))
        if name == "dir":
            return [entry for entry in grader_learner.UNARY["dir"](value) if not entry.startswith("_")]
        if name == "hash" and type(value).__hash__ is object.__hash__:
            # The default hash is the address: a number per object instead,
            # in the order the tests first hashed them.
            return self.hashes.setdefault(id(value), (value, len(self.hashes) + 1))[1]
        return grader_learner.UNARY[name](value)

    def format(self, value, spec):
        if type(value).__format__ is object.__format__ and not spec:
            return self.policy.shown(value, lambda: format(value, spec))
        return format(value, spec)

    def operation(self, op):
        return self.ops[op]

    def export(self, value):
        if not isinstance(value, grader_learner.TestObject) and not self.policy.reachable(value):
            raise PermissionError(
                "the implementation's %s objects cannot be handed to tests" % type(value).__name__
            )
        return super().export(value)

    def traceback_of(self, error):
        return ""

    def calling_frames(self):
        # The implementation's frames are its own: a bug's may differ.
        return []


def refused(what):
    def refuse(*args):
        raise PermissionError("%s is not something tests can do here" % what)

    return refuse


def quiet_warning(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write("%s: %s\n" % (category.__name__, message))


def quiet_unraisable(unraisable):
    sys.stderr.write("Exception ignored: %s: %s\n" % (type(unraisable.exc_value).__name__, unraisable.exc_value))


def serve(sock, policy):
    """A fresh implementation process: fd 1 and 2 are its pipes."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    warnings.showwarning = quiet_warning
    sys.unraisablehook = quiet_unraisable
    grader_learner.WORKER = Server(sock, policy)
    grader_learner.WORKER.run()


def main():
    not_dumpable()
    control = socket.socket(fileno=int(sys.argv[1]))
    sources = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    finder = Sources(sources)
    sys.meta_path.insert(0, finder)
    policy = Policy(finder.files, sources)
    # Forks end on their own; nobody waits for them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    os.write(int(sys.argv[2]), b"r")
    os.close(int(sys.argv[2]))
    starts = 0
    while control.recv(1):
        if starts >= MAX_STARTS:
            break
        starts += 1
        ours, theirs = socket.socketpair()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            control.close()
            theirs.close()
            os.close(out_read)
            os.close(err_read)
            os.dup2(out_write, 1)
            os.dup2(err_write, 2)
            os.close(out_write)
            os.close(err_write)
            try:
                serve(ours, policy)
            finally:
                os._exit(0)
        ours.close()
        os.close(out_write)
        os.close(err_write)
        socket.send_fds(control, [struct.pack(">I", pid)], [theirs.fileno(), out_read, err_read])
        theirs.close()
        os.close(out_read)
        os.close(err_read)
    os._exit(0)


if __name__ == "__main__":
    main()
