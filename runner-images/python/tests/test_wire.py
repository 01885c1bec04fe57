"""python/harness/grader_wire.py and grader_values.py: frames, and values
as data across the boundary between the tests and the learner's code."""

import collections
import datetime
import decimal
import fractions
import json
import pathlib
import struct
import uuid
import zoneinfo

import pytest

import grader_values
import grader_wire
from grader_wire import Codec, Exports, FrameReader, WireError, frame

Point = collections.namedtuple("Point", ["x", "y"])
# The runner images have no time zone database: a ZoneInfo cannot be made
# there at all (nor sent, nor received).
HAVE_ZONES = bool(zoneinfo.available_timezones())
needs_zones = pytest.mark.skipif(not HAVE_ZONES, reason="no time zone database here (as in the runner images)")


class Side(Codec):
    """A minimal end of the wire: objects go out by reference, references
    come back as markers."""

    def __init__(self):
        self.exports = Exports()

    def export(self, value):
        return ["o", self.exports.export(value)]

    def imported(self, ref, extra):
        return ("imported", ref, extra)

    def own(self, ref):
        try:
            return self.exports.get(ref)
        except LookupError as error:
            raise WireError(str(error)) from None

    def exception_out(self, error):
        return {"base": type(error).__name__, "args": list(error.args)}

    def error_in(self, data):
        return ("error", data)


def across(value, sender=None, receiver=None):
    """`value` sent by one side and read by the other, through a frame."""
    sender = sender or Side()
    receiver = receiver or Side()
    reader = FrameReader()
    reader.feed(frame(["r", sender.encode(value)]))
    message = reader.next_frame()
    assert reader.next_frame() is None
    assert message[0] == "r"
    return receiver.decode(message[1])


# -- frames ---------------------------------------------------------------------


def test_a_frame_is_a_big_endian_length_and_compact_ascii_json():
    data = frame(["q", "call", "é"])
    (size,) = struct.unpack(">I", data[:4])
    assert size == len(data) - 4
    assert data[4:] == b'["q","call","\\u00e9"]'


def test_frames_are_cut_from_a_stream_fed_byte_by_byte():
    stream = frame(["q", "a", 1]) + frame(["r", None]) + frame(["d", [1, 2]])
    reader = FrameReader()
    seen = []
    for byte in stream:
        reader.feed(bytes([byte]))
        message = reader.next_frame()
        if message is not None:
            seen.append(message)
    assert seen == [["q", "a", 1], ["r", None], ["d", [1, 2]]]
    assert reader.next_frame() is None
    assert reader.buffer == bytearray()


def test_two_frames_in_one_read_come_out_one_at_a_time():
    reader = FrameReader()
    reader.feed(frame([1]) + frame([2]))
    assert reader.next_frame() == [1]
    assert reader.next_frame() == [2]
    assert reader.next_frame() is None


def test_a_frame_announced_over_the_limit_is_refused_before_it_is_read():
    reader = FrameReader()
    reader.feed(struct.pack(">I", grader_wire.MAX_FRAME + 1))
    with pytest.raises(WireError, match="over the limit"):
        reader.next_frame()


def test_a_frame_at_the_limit_is_waited_for():
    reader = FrameReader()
    reader.feed(struct.pack(">I", grader_wire.MAX_FRAME) + b"[")
    assert reader.next_frame() is None


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[1,", b"[" * 100_000 + b"]" * 100_000])
def test_an_unreadable_frame_is_a_protocol_error(body):
    reader = FrameReader()
    reader.feed(struct.pack(">I", len(body)) + body)
    with pytest.raises(WireError, match="an unreadable frame"):
        reader.next_frame()


def test_a_message_too_large_to_send_is_refused(monkeypatch):
    monkeypatch.setattr(grader_wire, "MAX_FRAME", 100)
    frame(["r", "x" * 80])
    with pytest.raises(ValueError, match="too large to send"):
        frame(["r", "x" * 200])


# -- plain values -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None, True, False, 0, -1, 2**200, 1.5, float("inf"), "", "text ☃ 𝄞",
        [1, [2, [3]]], (1, (2,)), (), {"a": 1, 2: [3]}, {(1, 2): frozenset({3})},
        {1, "a", (2,)}, frozenset(), b"\x00\xff bytes", complex(1.5, -2), range(1, 10, 3),
        range(0), {"nested": [({1: b"x"},)]},
    ],
    ids=repr,
)
def test_data_crosses_as_a_value_of_the_same_type(value):
    out = across(value)
    assert out == value
    assert type(out) is type(value)


def test_containers_keep_the_types_of_what_they_hold():
    out = across({"t": (1, [2]), "s": {3}, "b": [b"x"]})
    assert type(out["t"]) is tuple and type(out["t"][1]) is list
    assert type(out["s"]) is set
    assert type(out["b"][0]) is bytes


def test_nan_crosses_as_nan():
    out = across(float("nan"))
    assert out != out


def test_a_value_nested_too_deep_is_not_sent():
    value = []
    for _ in range(grader_wire.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(ValueError, match="nested more than"):
        Side().encode(value)


def test_a_value_nested_too_deep_is_not_read():
    data = 0
    for _ in range(grader_wire.MAX_DEPTH + 5):
        data = ["l", [data]]
    with pytest.raises(WireError, match="nested more than"):
        Side().decode(data)


def test_nesting_up_to_the_limit_crosses():
    value = 0
    for _ in range(grader_wire.MAX_DEPTH):
        value = [value]
    assert across(value) == value


# -- text from the other side ------------------------------------------------------------


def test_a_lone_surrogate_sent_as_a_json_escape_is_read_as_the_replacement_character():
    reader = FrameReader()
    body = b'["r",["l",["a\\ud800b",["d",[["k\\udfff","v"]]]]]]'
    reader.feed(struct.pack(">I", len(body)) + body)
    message = reader.next_frame()
    assert Side().decode(message[1]) == ["a\ufffdb", {"k\ufffd": "v"}]


def test_a_string_with_a_lone_surrogate_can_be_sent_and_arrives_cleaned():
    assert across("x\ud800y") == "x\ufffdy"


def test_a_surrogate_pair_escaped_by_json_is_one_character():
    body = b'["r","\\ud834\\udd1e"]'
    reader = FrameReader()
    reader.feed(struct.pack(">I", len(body)) + body)
    assert Side().decode(reader.next_frame()[1]) == "𝄞"


# -- what the receiver refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        ["?", 1],
        [],
        ["l", "not a list"],
        ["l"],
        ["d", [[1]]],
        ["d", [[1, 2, 3]]],
        ["d", "pairs"],
        ["b", "not base64!"],
        ["b", 5],
        ["c", "1", 2],
        ["c", True, 2],
        ["R", 1, 2.5, 1],
        ["R", 1, 2, 0],
        ["R", True, 2, 1],
        ["o", "1"],
        ["y", None],
        ["e", []],
        ["s", [["l", []]]],
        ["d", [[["d", []], 1]]],
        {"l": []},
        ["v", "date", "yesterday"],
        ["v", "teapot"],
    ],
    ids=repr,
)
def test_malformed_data_is_a_protocol_error(data):
    with pytest.raises(WireError):
        Side().decode(data)


def test_references_are_left_to_the_end_that_reads_them():
    side = Side()
    assert side.decode(["o", 7]) == ("imported", 7, None)
    assert side.decode(["o", 7, ["ValueError", []]]) == ("imported", 7, ["ValueError", []])
    assert side.decode(["e", {"base": "KeyError"}]) == ("error", {"base": "KeyError"})


def test_an_own_object_comes_back_as_itself():
    side = Side()
    thing = object()
    data = side.encode(thing)
    assert data[0] == "o"
    assert side.decode(["y", data[1]]) is thing


def test_an_unknown_own_object_is_a_protocol_error():
    with pytest.raises(WireError, match="no object"):
        Side().decode(["y", 12345])


# -- what the sender refuses to send as data -----------------------------------------------------


def test_objects_that_are_not_data_go_by_reference():
    class Account:
        pass

    for value in (Account(), len, Account, iter([]), open, lambda: 1, object()):
        assert Side().encode(value)[0] == "o"


def test_subclasses_of_builtins_travel_as_the_builtin_without_their_methods():
    class Lying(int):
        def __int__(self):
            raise AssertionError("never called")

        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    class Shouty(str):
        def __str__(self):
            raise AssertionError("never called")

    class Items(list):
        def __iter__(self):
            raise AssertionError("never called")

    class Mapping(dict):
        def __getitem__(self, key):
            raise AssertionError("never called")

        def __iter__(self):
            raise AssertionError("never called")

    out = across([Lying(3), Shouty("hi"), Items([1, 2]), Mapping({"a": 1})])
    assert out == [3, "hi", [1, 2], {"a": 1}]
    assert [type(item) for item in out] == [int, str, list, dict]


def test_a_subclass_of_bool_float_bytes_tuple_and_sets_travels_as_the_builtin():
    class F(float):
        pass

    class B(bytearray):
        pass

    class T(tuple):
        pass

    class S(set):
        pass

    class FS(frozenset):
        pass

    class C(complex):
        pass

    out = across([F(1.5), B(b"ab"), T((1,)), S({2}), FS({3}), C(1, 2), memoryview(b"mv")])
    assert out == [1.5, b"ab", (1,), {2}, frozenset({3}), complex(1, 2), b"mv"]
    assert [type(item) for item in out] == [float, bytes, tuple, set, frozenset, complex, bytes]


def test_an_exception_goes_as_an_exception():
    assert Side().encode(ValueError("no"))[0] == "e"
    assert Side().encode(ValueError("no"))[1] == {"base": "ValueError", "args": ["no"]}


# -- standard-library values ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2013, 5, 13),
        datetime.datetime(2013, 5, 13, 12, 30, 1, 500),
        datetime.datetime(2013, 5, 13, 12, tzinfo=datetime.UTC),
        datetime.datetime(2013, 5, 13, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))),
        datetime.datetime(2013, 5, 13, 12, tzinfo=datetime.timezone(datetime.timedelta(hours=2), "CEST")),
        datetime.time(23, 59, 59, 999999),
        datetime.time(8, tzinfo=datetime.UTC),
        datetime.timedelta(days=-3, seconds=5, microseconds=7),
        datetime.timezone(datetime.timedelta(minutes=90)),
        decimal.Decimal("12.50"),
        decimal.Decimal("-0"),
        decimal.Decimal("NaN"),
        fractions.Fraction(-3, 7),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        pathlib.PurePosixPath("a/b.txt"),
        pathlib.PosixPath("/tmp/x"),
        bytearray(b"\x00\x01"),
        slice(1, None, -1),
        collections.OrderedDict([("b", 1), ("a", 2)]),
        collections.Counter("abracadabra"),
        collections.defaultdict(list, {"k": [1]}),
        collections.defaultdict(None, {"k": 1}),
        collections.deque([1, 2, 3], maxlen=5),
        collections.deque([]),
        Point(1, 2),
    ],
    ids=repr,
)
def test_standard_library_values_cross_as_values_of_their_own_type(value):
    out = across(value)
    assert type(out) is type(value)
    if isinstance(value, decimal.Decimal) and value.is_nan():
        assert out.is_nan()
    else:
        assert out == value
        assert str(out) == str(value)


@needs_zones
def test_time_zones_and_folds_cross_exactly():
    zone = zoneinfo.ZoneInfo("Europe/Paris")
    value = datetime.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=zone)
    out = across(value)
    assert out.tzinfo is zone
    assert out.fold == 1
    assert out.utcoffset() == value.utcoffset()
    other = across(datetime.datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=zoneinfo.ZoneInfo("America/New_York")))
    assert other.fold == 1 and other.tzinfo.key == "America/New_York"


def test_a_fixed_offset_keeps_its_name_and_fold():
    named = across(datetime.timezone(datetime.timedelta(hours=1), "CET"))
    assert named.tzname(None) == "CET"
    value = across(datetime.datetime(2021, 1, 1, fold=1, tzinfo=datetime.UTC))
    assert value.fold == 1 and value.tzinfo is datetime.UTC


def test_ordered_dicts_keep_their_order_and_defaultdicts_their_factory():
    out = across(collections.OrderedDict([("z", 1), ("a", 2)]))
    assert list(out) == ["z", "a"]
    factory = across(collections.defaultdict(int))
    assert factory.default_factory is int
    factory["missing"] += 1
    assert factory["missing"] == 1


def test_a_deque_keeps_its_maxlen():
    assert across(collections.deque([1], maxlen=3)).maxlen == 3


def test_a_named_tuple_comes_back_as_the_receivers_own_class_when_it_has_it():
    out = across(Point(3, 4))
    assert type(out) is Point
    assert out.x == 3


def test_a_named_tuple_of_a_class_the_receiver_lacks_gets_one_made_once():
    value = ["v", "namedtuple", "learner_mod", "Outer.Pair", ["left", "right"], [1, 2]]
    first = Side().decode(value)
    second = Side().decode(value)
    assert first == (1, 2)
    assert first.left == 1 and first.right == 2
    assert type(first) is type(second)
    assert type(first).__qualname__ == "Outer.Pair"
    assert type(first).__module__ == "learner_mod"
    # It goes back under the other side's names.
    assert Side().encode(first)[2:5] == ["learner_mod", "Outer.Pair", ["left", "right"]]


def test_a_class_of_the_same_name_with_other_fields_is_not_taken():
    value = ["v", "namedtuple", __name__, "Point", ["y", "x"], [1, 2]]
    out = Side().decode(value)
    assert type(out) is not Point
    assert out.y == 1


def test_a_named_tuple_is_looked_up_only_in_real_modules():
    calls = []

    class Proxy:
        def __getattr__(self, name):
            calls.append(name)
            return Point

    import sys

    sys.modules["grader_test_proxy_module"] = Proxy()
    try:
        out = Side().decode(["v", "namedtuple", "grader_test_proxy_module", "Point", ["x", "y"], [1, 2]])
    finally:
        del sys.modules["grader_test_proxy_module"]
    assert calls == []
    assert type(out) is not Point and out == (1, 2)


def test_too_many_made_classes_give_plain_tuples(monkeypatch):
    monkeypatch.setattr(grader_values, "_made", {})
    monkeypatch.setattr(grader_values, "MAX_MADE", 2)
    made = [
        Side().decode(["v", "namedtuple", "m", "T%d" % n, ["a"], [n]])
        for n in range(3)
    ]
    assert [type(value).__name__ for value in made] == ["T0", "T1", "tuple"]
    assert made[2] == (2,)


@pytest.mark.parametrize(
    "fields",
    [
        ["_private"],
        ["class"],
        ["a", "a"],
        ["not a name"],
        [1],
        ["f%d" % n for n in range(grader_values.MAX_FIELDS + 1)],
        "ab",
    ],
    ids=repr,
)
def test_named_tuple_fields_that_are_not_plain_names_are_refused(fields):
    items = [0] * (len(fields) if isinstance(fields, list) else 2)
    with pytest.raises(WireError, match="fields that are not names"):
        Side().decode(["v", "namedtuple", "m", "T", fields, items])


def test_a_named_tuple_whose_values_do_not_match_its_fields_is_refused():
    with pytest.raises(WireError, match="do not match"):
        Side().decode(["v", "namedtuple", "m", "T", ["a", "b"], [1]])


def test_a_named_tuple_with_too_many_fields_is_sent_as_a_plain_tuple():
    Big = collections.namedtuple("Big", ["f%d" % n for n in range(grader_values.MAX_FIELDS + 1)])
    value = Big(*range(grader_values.MAX_FIELDS + 1))
    assert Side().encode(value)[0] == "t"


def test_subclasses_of_standard_library_values_go_by_reference():
    class MyDate(datetime.date):
        def isoformat(self):
            raise AssertionError("never called")

    class MyDecimal(decimal.Decimal):
        pass

    for value in (MyDate(2020, 1, 1), MyDecimal("1")):
        assert Side().encode(value)[0] == "o", value


def test_a_subclass_of_a_named_tuple_class_travels_as_a_tuple():
    # Its class is not a named tuple's own (its base is not tuple): a
    # subclass of a builtin type, which travels as the builtin.
    class MyPoint(Point):
        pass

    out = across(MyPoint(1, 2))
    assert type(out) is tuple and out == (1, 2)


def test_a_value_read_through_its_base_type_not_its_methods():
    # An exact type cannot be given methods, but its tzinfo can be an
    # object of the sender's: then the value goes by reference.
    class Zone(datetime.tzinfo):
        def utcoffset(self, dt):
            return datetime.timedelta(0)

    assert Side().encode(datetime.datetime(2020, 1, 1, tzinfo=Zone()))[0] == "o"
    assert Side().encode(datetime.time(1, tzinfo=Zone()))[0] == "o"


def test_a_defaultdict_with_a_factory_of_its_own_travels_as_a_dict():
    # The factory is code of the sender's: only its items cross.
    out = across(collections.defaultdict(lambda: 5, {"a": 1}))
    assert type(out) is dict and out == {"a": 1}
    assert Side().encode(collections.defaultdict(list))[0] == "v"


@pytest.mark.parametrize(
    "data",
    [
        ["v", "date", 20130513],
        ["v", "date", "2013-05-13" + "0" * 40],
        ["v", "datetime", "2013-05-13T00:00:00", ["zone", "Nowhere/Atlantis"], 0],
        ["v", "datetime", "2013-05-13T00:00:00", ["zone", "../../etc/passwd"], 0],
        ["v", "datetime", "2013-05-13T00:00:00", ["fixed", 0, 0, None], True],
        ["v", "datetime", "2013-05-13T00:00:00", ["fixed", 86400, 0, None], 0],
        ["v", "datetime", "2013-05-13T00:00:00", ["other"], 0],
        ["v", "datetime", "2013-05-13T00:00:00", "UTC", 0],
        ["v", "timedelta", 1.5, 0, 0],
        ["v", "timedelta", 10**10, 0, 0],
        ["v", "Decimal", "1" * 5001],
        ["v", "Decimal", "one"],
        ["v", "Fraction", "1", "0"],
        ["v", "Fraction", "9" * 4400, "1"],
        ["v", "UUID", "not-a-uuid"],
        ["v", "path", "WindowsPath", "C:\\"],
        ["v", "path", "PosixPath", 5],
        ["v", "bytearray", "!!"],
        ["v", "defaultdict", "open", []],
        ["v", "defaultdict", None, [[1]]],
        ["v", "deque", "abc", None],
        ["v", "deque", [], -1],
        ["v", "deque", [], 1.5],
        ["v", "Counter", {"a": 1}],
    ],
    ids=repr,
)
def test_standard_library_values_that_are_not_one_are_protocol_errors(data):
    with pytest.raises(WireError):
        Side().decode(data)


def test_decoding_a_value_runs_nothing_of_the_senders():
    # A defaultdict's factory is one of a few builtins, named: never code.
    with pytest.raises(WireError):
        Side().decode(["v", "defaultdict", "__import__", []])
    assert Side().decode(["v", "defaultdict", "list", []]).default_factory is list


# -- references ---------------------------------------------------------------------


def test_an_object_keeps_its_id_while_the_other_side_holds_it():
    exports = Exports()
    thing = object()
    ref = exports.export(thing)
    assert exports.export(thing) == ref
    assert exports.get(ref) is thing
    exports.drop(ref, 1)
    assert exports.get(ref) is thing
    exports.drop(ref, 1)
    with pytest.raises(LookupError):
        exports.get(ref)


def test_a_dropped_object_sent_again_gets_a_new_id():
    exports = Exports()
    thing = object()
    first = exports.export(thing)
    exports.drop(first, 1)
    assert exports.export(thing) != first


def test_dropping_what_is_not_there_is_harmless():
    exports = Exports()
    exports.drop(99, 1)
    ref = exports.export("x")
    exports.drop(ref, 5)
    exports.drop(ref, 1)
    assert exports.objects == {} and exports.ids == {}


def test_an_id_reused_by_python_does_not_name_the_old_object():
    exports = Exports()
    ref = exports.export([1])
    # The list above is kept alive by exports; a stale ids entry whose
    # object changed must not be trusted.
    exports.ids[id("other")] = ref
    assert exports.export("other") != ref


def test_json_round_trip_keeps_wire_data_as_it_was():
    # What the sender builds is plain JSON (lists, not tuples, on the wire).
    data = Side().encode({"a": (1, {2})})
    assert json.loads(json.dumps(data)) == data
