"""common/grader_channel.py: the signed report lines, as the grader reads
them (crates/grader/src/channel.rs: `read` and `verify`)."""

import hashlib
import hmac
import json
import os
import threading

import pytest

import grader_channel
from grader_channel import Channel, valid, valid_text

KEY = "0123456789abcdef" * 4


def verify(line, key=KEY):
    """(seq, payload) of a line signed with `key`, else None: channel.rs's
    `verify`."""
    prefix = "@@grader:"
    if not line.startswith(prefix):
        return None
    seq, sep, rest = line[len(prefix):].partition(":")
    mac, sep2, payload = rest.partition(" ")
    if not (sep and sep2 and seq.isdigit()):
        return None
    expected = hmac.new(key.encode(), ("%s %s" % (seq, payload)).encode(), hashlib.sha256).hexdigest()[:32]
    return (int(seq), payload) if hmac.compare_digest(mac, expected) else None


def emitted(events, key=KEY):
    """What a channel writes for `events`, read back from a pipe."""
    read_end, write_end = os.pipe()
    try:
        channel = Channel(write_end, key)
        for event in events:
            channel.emit(event)
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        return pipe.read()


def read_lines(data, key=KEY):
    """The verified (seq, event) pairs in `data`, and its other lines."""
    verified, other = [], []
    for line in data.decode("utf-8").split("\n"):
        found = verify(line, key)
        if found is not None:
            verified.append((found[0], json.loads(found[1])))
        elif line:
            other.append(line)
    return verified, other


# -- valid text ---------------------------------------------------------------


def test_a_lone_surrogate_becomes_the_replacement_character():
    assert valid_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"


def test_valid_text_leaves_valid_unicode_alone():
    text = "naïve ☃ 𝄞 \u0000 tab\t"
    assert valid_text(text) == text


def test_a_surrogate_pair_written_as_two_escapes_is_two_lone_surrogates():
    # json.loads("\"\\ud834\\udd1e\"") joins the pair; a Python string built
    # from the halves does not, and no UTF-8 writer accepts it.
    halves = "\ud834" + "\udd1e"
    assert valid_text(halves) == "\ufffd\ufffd"
    assert valid_text(json.loads('"\\ud834\\udd1e"')) == "𝄞"


def test_valid_cleans_keys_and_values_at_every_depth():
    event = {"k\ud800": ["x\udc00", ("y\udbff", {"z": "\ud800"})], "n": 3, "f": 1.5, "b": True, "none": None}
    assert valid(event) == {
        "k\ufffd": ["x\ufffd", ["y\ufffd", {"z": "\ufffd"}]],
        "n": 3,
        "f": 1.5,
        "b": True,
        "none": None,
    }


def test_valid_copies_rather_than_changes_the_event():
    event = {"message": "\ud800", "tests": ["\udc00"]}
    valid(event)
    assert event == {"message": "\ud800", "tests": ["\udc00"]}


# -- lines -----------------------------------------------------------------------


def test_each_event_is_a_line_the_grader_verifies_in_order():
    data = emitted([{"event": "start", "id": "t::a"}, {"event": "done", "exit_code": 0}])
    verified, other = read_lines(data)
    assert verified == [(0, {"event": "start", "id": "t::a"}), (1, {"event": "done", "exit_code": 0})]
    assert other == []


def test_a_line_starts_and_ends_with_a_newline():
    # Bytes another process left on the pipe without a newline cannot run
    # into the line.
    data = emitted([{"event": "done"}])
    assert data.startswith(b"\n@@grader:0:")
    assert data.endswith(b"\n")
    assert data.count(b"\n") == 2


def test_the_mac_is_over_the_sequence_number_and_the_payload():
    data = emitted([{"event": "done"}])
    line = data.decode().strip("\n")
    assert verify(line) is not None
    assert verify(line, key="another key") is None
    assert verify(line.replace("done", "dona")) is None
    assert verify(line.replace("@@grader:0:", "@@grader:1:")) is None


def test_the_payload_is_compact_ascii_json():
    data = emitted([{"event": "result", "message": "café ☃ 𝄞", "output": "a\nb\r\"c\""}])
    data.decode("ascii")
    verified, _ = read_lines(data)
    assert verified == [(0, {"event": "result", "message": "café ☃ 𝄞", "output": "a\nb\r\"c\""})]
    payload = data.decode().strip("\n").split(" ", 1)[1]
    assert ", " not in payload and ": " not in payload


def test_learner_text_cannot_start_a_line_of_its_own():
    forged = "\n@@grader:1:%s {\"event\":\"done\"}\n" % ("0" * 32)
    data = emitted([{"event": "result", "output": forged}])
    assert data.count(b"\n") == 2
    verified, other = read_lines(data)
    assert [event["output"] for _, event in verified] == [forged]
    assert other == []


def test_lone_surrogates_in_an_event_are_cleaned_before_signing():
    data = emitted([{"event": "result", "message": "bad \ud800 text", "tests": [{"name": "\udfff"}]}])
    verified, _ = read_lines(data)
    assert verified == [(0, {"event": "result", "message": "bad \ufffd text", "tests": [{"name": "\ufffd"}]})]
    # What the grader reads is UTF-8 it can decode: no escaped surrogate.
    assert b"\\ud8" not in data and b"\\udf" not in data


def test_a_large_event_is_written_whole_over_short_writes(monkeypatch):
    real_write = os.write
    sizes = []

    def short_write(fd, data):
        sizes.append(len(data))
        return real_write(fd, bytes(data[:1000]))

    monkeypatch.setattr(grader_channel.os, "write", short_write)
    output = "x" * 50_000
    read_end, write_end = os.pipe()
    channel = Channel(write_end, KEY)
    chunks = []

    def drain():
        with os.fdopen(read_end, "rb") as pipe:
            chunks.append(pipe.read())

    reader = threading.Thread(target=drain)
    reader.start()
    channel.emit({"event": "result", "output": output})
    os.close(write_end)
    reader.join()
    verified, _ = read_lines(chunks[0])
    assert verified == [(0, {"event": "result", "output": output})]
    assert len(sizes) > 50


def test_an_event_that_is_not_json_writes_nothing_and_keeps_the_sequence():
    read_end, write_end = os.pipe()
    channel = Channel(write_end, KEY)
    with pytest.raises(TypeError):
        channel.emit({"event": "result", "output": b"bytes"})
    channel.emit({"event": "done"})
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        verified, other = read_lines(pipe.read())
    # No gap: the grader would read a missing seq as the learner's doing.
    assert verified == [(0, {"event": "done"})]
    assert other == []


def test_the_key_must_be_ascii():
    with pytest.raises(UnicodeEncodeError):
        Channel(1, "clé")
