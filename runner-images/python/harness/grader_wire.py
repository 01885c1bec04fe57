"""The wire between the test process and the learner's process.

Both ends speak the same small protocol over a socketpair: frames of a
4-byte big-endian length and a JSON body, never pickle. A frame is one of

  ["q", op, arg, ...]    a request: do `op` on these values, answer me
  ["r", value]           the answer to the latest request still open
  ["x", error]           the same, when `op` raised
  ["d", [id, count], …]  one-way: I dropped my proxies of these objects

Requests nest: while one side waits for its answer, the other may ask it
something (a learner function calling a callback a test passed in); each
side answers such a request before going on waiting. Nothing else runs in
parallel, so an answer always belongs to the latest open request.

Values travel as data:

  null, true, false, numbers, strings   themselves
  ["l", [...]] ["t", [...]] ["s", [...]] ["f", [...]]   list, tuple, set, frozenset
  ["d", [[k, v], ...]]                  dict
  ["b", "<base64>"]  ["c", re, im]  ["R", start, stop, step]   bytes, complex, range
  ["v", kind, ...]                      a standard-library value (below)
  ["o", id]                             an object of the sender's, by reference
  ["y", id]                             an object of the receiver's, sent back
  ["e", {...}]                          an exception (see each end)

Values a test compares or computes with cross as values of their own type,
rebuilt from their fields (grader_values.py): the
datetime family (fixed-offset and zoneinfo time zones), Decimal, Fraction,
UUID, pure and concrete POSIX paths, bytearray, slice, named tuples (a class
of the receiver's own where it has one of that module, name and fields, else
one made for it), OrderedDict, defaultdict (of a builtin factory), Counter
and deque. Only exact types cross as values (a subclass could lie about its
fields), read through the base type's own code, never the object's methods.

Any other subclass of a builtin type travels as the builtin. Decoding
builds nothing but these values, proxies and mirrors of exception classes:
no code of the sender runs in the receiver because of what it sent.
"""

import base64
import json
import struct
import sys
import types

import grader_values
from grader_channel import valid_text

HEADER = struct.Struct(">I")
# Largest frame either side accepts.
MAX_FRAME = 16 << 20
# Deepest nesting of containers in one value.
MAX_DEPTH = 100


class WireError(Exception):
    """The other side broke the protocol."""




class FrameReader:
    """Cuts a byte stream into frames."""

    def __init__(self):
        self.buffer = bytearray()

    def feed(self, data):
        self.buffer += data

    def next_frame(self):
        if len(self.buffer) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(self.buffer)
        if size > MAX_FRAME:
            raise WireError("a frame of %d bytes, over the limit of %d" % (size, MAX_FRAME))
        end = HEADER.size + size
        if len(self.buffer) < end:
            return None
        body = bytes(self.buffer[HEADER.size:end])
        del self.buffer[:end]
        try:
            return json.loads(body)
        except (ValueError, RecursionError, MemoryError) as error:
            raise WireError("an unreadable frame: %s" % type(error).__name__) from None


def frame(message):
    body = json.dumps(message, separators=(",", ":")).encode("ascii")
    if len(body) > MAX_FRAME:
        raise ValueError("a value of %d bytes is too large to send (limit %d)" % (len(body), MAX_FRAME))
    return HEADER.pack(len(body)) + body


PLAIN = (type(None), bool, int, float, str)


class Codec:
    """Values to wire form and back. An end supplies how objects that are
    not data go out (`export`) and how references come in (`imported`,
    `own`, `error_in`)."""

    def export(self, value):
        raise NotImplementedError

    def encode(self, value, depth=0):
        kind = type(value)
        if kind in PLAIN:
            return value
        if depth > MAX_DEPTH:
            raise ValueError("a value nested more than %d deep" % MAX_DEPTH)
        depth += 1
        if kind is list:
            return ["l", [self.encode(item, depth) for item in value]]
        if kind is tuple:
            return ["t", [self.encode(item, depth) for item in value]]
        if kind is dict:
            return ["d", [[self.encode(k, depth), self.encode(v, depth)] for k, v in value.items()]]
        if kind is set:
            return ["s", [self.encode(item, depth) for item in value]]
        if kind is frozenset:
            return ["f", [self.encode(item, depth) for item in value]]
        if kind is bytes:
            return ["b", base64.b64encode(value).decode("ascii")]
        if kind is complex:
            return ["c", value.real, value.imag]
        if kind is range:
            return ["R", value.start, value.stop, value.step]
        try:
            data = grader_values.encode(value, lambda item: self.encode(item, depth))
        except grader_values.Refused:
            data = None
        if data is not None:
            return data
        # Subclasses of the builtins travel as the builtin.
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int.__int__(value)
        if isinstance(value, float):
            return float.__float__(value)
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return ["b", base64.b64encode(bytes(value)).decode("ascii")]
        if isinstance(value, BaseException):
            return ["e", self.exception_out(value)]
        if isinstance(value, tuple):
            return ["t", [self.encode(item, depth) for item in tuple.__iter__(value)]]
        if isinstance(value, list):
            return ["l", [self.encode(item, depth) for item in list.__iter__(value)]]
        if isinstance(value, dict):
            return ["d", [[self.encode(k, depth), self.encode(dict.__getitem__(value, k), depth)]
                          for k in dict.__iter__(value)]]
        if isinstance(value, frozenset):
            return ["f", [self.encode(item, depth) for item in frozenset.__iter__(value)]]
        if isinstance(value, set):
            return ["s", [self.encode(item, depth) for item in set.__iter__(value)]]
        if isinstance(value, complex):
            return ["c", complex.__complex__(value).real, complex.__complex__(value).imag]
        return self.export(value)

    def decode(self, value, depth=0):
        kind = type(value)
        if kind is str:
            return valid_text(value)
        if kind in PLAIN:
            return value
        if depth > MAX_DEPTH:
            raise WireError("a value nested more than %d deep" % MAX_DEPTH)
        depth += 1
        try:
            tag = value[0]
            if tag == "l":
                return [self.decode(item, depth) for item in checked_list(value[1])]
            if tag == "t":
                return tuple(self.decode(item, depth) for item in checked_list(value[1]))
            if tag == "d":
                out = {}
                for pair in checked_list(value[1]):
                    key, item = checked_list(pair)
                    out[self.decode(key, depth)] = self.decode(item, depth)
                return out
            if tag == "s":
                return set(self.decode(item, depth) for item in checked_list(value[1]))
            if tag == "f":
                return frozenset(self.decode(item, depth) for item in checked_list(value[1]))
            if tag == "b":
                return base64.b64decode(checked(value[1], str), validate=True)
            if tag == "c":
                return complex(checked(value[1], (int, float)), checked(value[2], (int, float)))
            if tag == "R":
                return range(checked(value[1], int), checked(value[2], int), checked(value[3], int))
            if tag == "v":
                return grader_values.decode(value, lambda item: self.decode(item, depth), self.named_tuple_class)
            if tag == "o":
                return self.imported(checked(value[1], int), value[2] if len(value) > 2 else None)
            if tag == "y":
                return self.own(checked(value[1], int))
            if tag == "e":
                return self.error_in(checked(value[1], dict))
        except WireError:
            raise
        except (TypeError, ValueError, ArithmeticError, IndexError, KeyError, RecursionError) as error:
            raise WireError("an unreadable value: %s: %s" % (type(error).__name__, error)) from None
        raise WireError("an unknown value tag")

    def exception_out(self, error):
        raise NotImplementedError

    def named_tuple_class(self, module, qualname, fields):
        """This side's own named tuple class `module.qualname` with these
        fields, if it has one and can find it without running anything of
        the other side's; else None (one is made)."""
        found = sys.modules.get(module)
        if not isinstance(found, types.ModuleType):
            # The test process's proxies of the learner's modules are not
            # modules: nothing is asked of the other side while decoding.
            return None
        for name in qualname.split("."):
            found = getattr(found, name, None) if isinstance(found, (type, types.ModuleType)) else None
        if isinstance(found, type) and tuple in found.__mro__ and found.__dict__.get("_fields") == fields:
            return found
        return None

    def imported(self, ref, extra):
        raise NotImplementedError

    def own(self, ref):
        raise NotImplementedError

    def error_in(self, data):
        raise NotImplementedError


def checked(value, kinds):
    if type(value) is bool or not isinstance(value, kinds):
        raise WireError("an unreadable value: expected %s" % (kinds,))
    return value


def checked_list(value):
    if type(value) is not list:
        raise WireError("an unreadable value: expected a list")
    return value


class Exports:
    """Objects of this side that the other side holds references to: each
    has an id, and lives until the other side has dropped every reference
    it received."""

    def __init__(self):
        self.objects = {}  # id -> [object, references sent]
        self.ids = {}  # id(object) -> id
        self.next_id = 1

    def export(self, value):
        ref = self.ids.get(id(value))
        if ref is None or self.objects.get(ref, [None])[0] is not value:
            ref = self.next_id
            self.next_id += 1
            self.objects[ref] = [value, 0]
            self.ids[id(value)] = ref
        self.objects[ref][1] += 1
        return ref

    def get(self, ref):
        entry = self.objects.get(ref)
        if entry is None:
            raise LookupError("no object %r here" % (ref,))
        return entry[0]

    def drop(self, ref, count):
        entry = self.objects.get(ref)
        if entry is None:
            return
        entry[1] -= count
        if entry[1] <= 0:
            del self.objects[ref]
            if self.ids.get(id(entry[0])) == ref:
                del self.ids[id(entry[0])]
