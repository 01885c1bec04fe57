"""Standard-library values that cross the wire as values, not proxies.

A test compares, hashes and computes with what the learner's code returns
(a `date`, a `Decimal`, a named tuple…), and passes such values in: each
crosses as `["v", kind, field, ...]` and is rebuilt on the other side as a
value of its own type, so `date(2013, 5, 13) == date(2013, 5, 13)` holds
across the boundary as it does in one process.

Rules, for both ends (the learner's end is hostile):
- only exact types are values: a subclass may override what its fields
  say, so it stays an object (a proxy);
- fields are read with the base type's own code (`date.isoformat(value)`),
  never through a method the object could replace;
- a rebuild is a constructor on checked scalars: no code of the sender's
  runs, and nothing costs more than reading the frame did (Python refuses
  integers over 4,300 digits; a named tuple has at most MAX_FIELDS fields).
"""

import base64
import collections
import datetime
import decimal
import fractions
import keyword
import pathlib
import uuid
import zoneinfo

# Largest named tuple rebuilt; a longer one is refused.
MAX_FIELDS = 64
# Named tuple classes made for the other side's, by (module, qualname, fields).
_made = {}
MAX_MADE = 256
# defaultdict factories that cross by name.
FACTORIES = {factory.__name__: factory for factory in (list, dict, set, int, float, str, tuple, frozenset, bool)}
PATHS = {cls.__name__: cls for cls in (pathlib.PurePosixPath, pathlib.PosixPath)}
PATHS["PurePath"] = pathlib.PurePosixPath
PATHS["Path"] = pathlib.PosixPath


class Refused(ValueError):
    """A value's fields that do not make one."""


def _zone(tz):
    """A time zone as data, or Refused (then the value is a proxy)."""
    if tz is None:
        return None
    if type(tz) is datetime.timezone:
        offset = datetime.timezone.utcoffset(tz, None)
        name = datetime.timezone.tzname(tz, None)
        default = datetime.timezone(offset).tzname(None)
        return ["fixed", offset.days * 86400 + offset.seconds, offset.microseconds,
                None if name == default else name]
    if type(tz) is zoneinfo.ZoneInfo and isinstance(tz.key, str):
        return ["zone", tz.key]
    raise Refused("a time zone of its own")


def encode(value, encode_item):
    """`value` as wire data, or None when it is not one of these values."""
    kind = type(value)
    if kind is datetime.datetime:
        return ["v", "datetime", datetime.datetime.isoformat(value.replace(tzinfo=None)),
                _zone(datetime.datetime.tzinfo.__get__(value)), datetime.datetime.fold.__get__(value)]
    if kind is datetime.date:
        return ["v", "date", datetime.date.isoformat(value)]
    if kind is datetime.time:
        return ["v", "time", datetime.time.isoformat(value.replace(tzinfo=None)),
                _zone(datetime.time.tzinfo.__get__(value)), datetime.time.fold.__get__(value)]
    if kind is datetime.timedelta:
        return ["v", "timedelta", value.days, value.seconds, value.microseconds]
    if kind is datetime.timezone:
        return ["v", "timezone", _zone(value)]
    if kind is decimal.Decimal:
        return ["v", "Decimal", decimal.Decimal.__str__(value)]
    if kind is fractions.Fraction:
        return ["v", "Fraction", str(value.numerator), str(value.denominator)]
    if kind is uuid.UUID:
        return ["v", "UUID", uuid.UUID.__str__(value)]
    if kind in (pathlib.PurePosixPath, pathlib.PosixPath):
        return ["v", "path", kind.__name__, pathlib.PurePath.__str__(value)]
    if kind is bytearray:
        return ["v", "bytearray", base64.b64encode(bytes(value)).decode("ascii")]
    if kind is slice:
        return ["v", "slice", encode_item(value.start), encode_item(value.stop), encode_item(value.step)]
    if kind is collections.OrderedDict:
        return ["v", "OrderedDict",
                [[encode_item(k), encode_item(dict.__getitem__(value, k))] for k in dict.__iter__(value)]]
    if kind is collections.Counter:
        return ["v", "Counter",
                [[encode_item(k), encode_item(dict.__getitem__(value, k))] for k in dict.__iter__(value)]]
    if kind is collections.defaultdict:
        factory = value.default_factory
        name = factory.__name__ if factory in FACTORIES.values() else None
        if factory is not None and name is None:
            return None
        return ["v", "defaultdict", name,
                [[encode_item(k), encode_item(dict.__getitem__(value, k))] for k in dict.__iter__(value)]]
    if kind is collections.deque:
        return ["v", "deque", [encode_item(item) for item in collections.deque.__iter__(value)], value.maxlen]
    if isinstance(value, tuple) and tuple in kind.__bases__:
        fields = kind.__dict__.get("_fields")
        if (type(fields) is tuple and len(fields) == tuple.__len__(value) <= MAX_FIELDS
                and all(type(field) is str for field in fields)):
            return ["v", "namedtuple", str(kind.__module__), str(kind.__qualname__), list(fields),
                    [encode_item(item) for item in tuple.__iter__(value)]]
    return None


def _text(value, limit=1000):
    if type(value) is not str or len(value) > limit:
        raise Refused("expected a string")
    return value


def _int(value):
    if type(value) is not int:
        raise Refused("expected an integer")
    return value


def _tz(data):
    if data is None:
        return None
    if type(data) is not list or not data:
        raise Refused("a time zone that is not one")
    if data[0] == "fixed" and len(data) == 4:
        offset = datetime.timedelta(seconds=_int(data[1]), microseconds=_int(data[2]))
        if data[3] is None:
            return datetime.timezone(offset)
        return datetime.timezone(offset, _text(data[3], 100))
    if data[0] == "zone" and len(data) == 2:
        key = _text(data[1], 100)
        try:
            return zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise Refused("no time zone %r here" % key) from error
    raise Refused("a time zone that is not one")


def _pairs(data, decode_item):
    if type(data) is not list:
        raise Refused("expected pairs")
    out = []
    for pair in data:
        if type(pair) is not list or len(pair) != 2:
            raise Refused("expected pairs")
        out.append((decode_item(pair[0]), decode_item(pair[1])))
    return out


def decode(data, decode_item, named_tuple_class):
    """The value `["v", kind, ...]` stands for. `named_tuple_class(module,
    qualname, fields)` is the receiver's own class of that name, or None."""
    kind = data[1]
    args = data[2:]
    if kind == "date":
        return datetime.date.fromisoformat(_text(args[0], 40))
    if kind == "datetime":
        value = datetime.datetime.fromisoformat(_text(args[0], 40))
        return value.replace(tzinfo=_tz(args[1]), fold=_int(args[2]))
    if kind == "time":
        value = datetime.time.fromisoformat(_text(args[0], 40))
        return value.replace(tzinfo=_tz(args[1]), fold=_int(args[2]))
    if kind == "timedelta":
        return datetime.timedelta(days=_int(args[0]), seconds=_int(args[1]), microseconds=_int(args[2]))
    if kind == "timezone":
        return _tz(args[0])
    if kind == "Decimal":
        return decimal.Decimal(_text(args[0], 5000))
    if kind == "Fraction":
        return fractions.Fraction(int(_text(args[0], 5000)), int(_text(args[1], 5000)))
    if kind == "UUID":
        return uuid.UUID(_text(args[0], 40))
    if kind == "path":
        cls = PATHS.get(_text(args[0], 20))
        if cls is None:
            raise Refused("an unknown kind of path")
        return cls(_text(args[1], 1 << 16))
    if kind == "bytearray":
        return bytearray(base64.b64decode(_text(args[0], 1 << 26), validate=True))
    if kind == "slice":
        return slice(decode_item(args[0]), decode_item(args[1]), decode_item(args[2]))
    if kind == "OrderedDict":
        return collections.OrderedDict(_pairs(args[0], decode_item))
    if kind == "Counter":
        return collections.Counter(dict(_pairs(args[0], decode_item)))
    if kind == "defaultdict":
        factory = None if args[0] is None else FACTORIES.get(_text(args[0], 20))
        if args[0] is not None and factory is None:
            raise Refused("an unknown default factory")
        return collections.defaultdict(factory, _pairs(args[1], decode_item))
    if kind == "deque":
        if type(args[0]) is not list:
            raise Refused("expected items")
        maxlen = None if args[1] is None else _int(args[1])
        return collections.deque((decode_item(item) for item in args[0]), maxlen)
    if kind == "namedtuple":
        module, qualname = _text(args[0], 200), _text(args[1], 200)
        fields = args[2]
        if (type(fields) is not list or len(fields) > MAX_FIELDS
                or not all(type(f) is str and f.isidentifier() and not keyword.iskeyword(f)
                           and not f.startswith("_") for f in fields)
                or len(set(fields)) != len(fields)):
            raise Refused("a named tuple's fields that are not names")
        if type(args[3]) is not list or len(args[3]) != len(fields):
            raise Refused("a named tuple's values that do not match its fields")
        items = [decode_item(item) for item in args[3]]
        cls = named_tuple_class(module, qualname, tuple(fields)) or made_class(module, qualname, tuple(fields))
        if cls is None:
            return tuple(items)
        return tuple.__new__(cls, items)
    raise Refused("an unknown kind of value")


def made_class(module, qualname, fields):
    """A named tuple class standing for the other side's, made once."""
    key = (module, qualname, fields)
    cls = _made.get(key)
    if cls is None:
        if len(_made) >= MAX_MADE:
            return None
        name = qualname.rsplit(".", 1)[-1]
        if not name.isidentifier() or keyword.iskeyword(name):
            name = "NamedTuple"
        cls = collections.namedtuple(name, fields, module=module)
        # Its instances go back under the other side's names.
        cls.__qualname__ = qualname
        _made[key] = cls
    return cls
