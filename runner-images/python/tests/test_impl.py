"""python/harness/grader_impl.py: what the pytest kind's learner tests may
reach of the implementation (the rules for a hostile client)."""

import os
import socket
import sys
import types

import pytest

import grader_impl
import grader_learner
import grader_wire
from grader_impl import Policy, Server

SOURCE = '''\
import functools
import os


class Slug:
    def __init__(self, text):
        self.text = text
        self._secret = "internal"

    def words(self):
        return iter(self.text.split())


class Shown:
    def __repr__(self):
        return "Shown()"


def slugify(text):
    return "-".join(text.lower().split())


def pairs(text):
    for word in text.split():
        yield word


@functools.lru_cache(maxsize=None)
def cached(text):
    return text


helper = os.path.join
'''


@pytest.fixture
def impl(monkeypatch):
    """The implementation module `slugs`, loaded from memory."""
    finder = grader_impl.Sources({"slugs.py": SOURCE})
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    sys.modules.pop("slugs", None)
    module = __import__("slugs")
    yield module, Policy(finder.files, {"slugs.py": SOURCE})
    sys.modules.pop("slugs", None)


def test_the_implementation_and_what_it_makes_are_reachable(impl):
    slugs, policy = impl
    slug = slugs.Slug("a b")
    for value in (slugs, slugs.Slug, slugs.slugify, slug, slug.words, slugs.pairs("a b"), slug.words(),
                  slugs.cached, ValueError("x")):
        assert policy.reachable(value), value


def test_nothing_else_in_the_process_is_reachable(impl):
    slugs, policy = impl
    for value in (os, sys, os.open, open, slugs.helper, slugs.slugify.__code__, slugs.slugify.__globals__,
                  grader_impl, grader_impl.Policy, print, types.SimpleNamespace(), object(), sys.modules,
                  (x for x in ()), len):
        assert not policy.reachable(value), value


def test_a_module_in_sys_modules_is_not_the_implementation_unless_it_is_named(impl):
    _, policy = impl
    assert not policy.reachable(types.ModuleType("elsewhere"))


def test_reprs_never_show_an_address(impl):
    slugs, policy = impl
    slug = slugs.Slug("a")
    text = lambda: repr(slug)  # noqa: E731
    assert policy.shown(slug, text) == "<slugs.Slug object>"
    assert policy.shown(slugs.slugify, text) == "<function slugify>"
    assert policy.shown(slug.words, text) == "<function Slug.words>"
    assert policy.shown(slugs, text) == "<module 'slugs'>"
    assert policy.shown(slugs.Slug, text) == "<class 'slugs.Slug'>"
    assert policy.shown(slugs.Shown(), lambda: "Shown()") == "Shown()"


@pytest.mark.parametrize("name", ["_secret", "__dict__", "__globals__", "__code__", "__init__", "__wrapped__", 5])
def test_private_names_cannot_be_read(name):
    with pytest.raises(AttributeError, match="cannot be read"):
        grader_impl.readable(name)


@pytest.mark.parametrize("name", ["__name__", "__qualname__", "__module__", "__class__", "text", "words"])
def test_public_names_and_a_few_dunders_can_be_read(name):
    assert grader_impl.readable(name) == name


@pytest.mark.parametrize("name", ["_secret", "__class__", "__name__", None])
def test_private_names_cannot_be_set(name):
    with pytest.raises(AttributeError, match="cannot be set"):
        grader_impl.settable(name)


@pytest.fixture
def server(impl):
    ours, theirs = socket.socketpair()
    end = Server(ours, impl[1])
    end.peer = theirs
    yield end
    ours.close()
    theirs.close()


def answer(server, *message):
    server.serve(["q", *message])
    reader = grader_wire.FrameReader()
    while True:
        reply = reader.next_frame()
        if reply is not None:
            return reply
        reader.feed(server.peer.recv(1 << 20))


def test_only_the_implementations_modules_can_be_imported(server):
    assert answer(server, "import", "slugs")[0] == "r"
    for name in ("os", "grader_impl", "sys", "builtins"):
        reply = answer(server, "import", name)
        assert reply[0] == "x" and reply[1][1]["base"] == "ModuleNotFoundError", name


def test_a_stdlib_object_is_refused_not_handed_over(server):
    module = server.own(answer(server, "import", "slugs")[1][1])
    ref = ["y", server.exports.export(module)]
    reply = answer(server, "getattr", ref, "helper")
    assert reply[0] == "x"
    assert "boundary" in reply[1][1]
    assert "cannot be handed to tests" in reply[1][1]["boundary"]


def test_private_attributes_of_the_implementation_are_refused(server, impl):
    slug = impl[0].Slug("a")
    ref = ["y", server.exports.export(slug)]
    assert answer(server, "getattr", ref, "text") == ["r", "a"]
    reply = answer(server, "getattr", ref, "_secret")
    assert reply[0] == "x" and reply[1][1]["base"] == "AttributeError"
    reply = answer(server, "setattr", ref, "_secret", "changed")
    assert reply[0] == "x"
    assert slug._secret == "internal"
    assert answer(server, "setattr", ref, "text", "b") == ["r", None]
    assert slug.text == "b"


@pytest.mark.parametrize("op", ["compile", "subclass"])
def test_tests_cannot_compile_or_make_classes_here(server, op):
    reply = answer(server, op, ["l", []], "x", ["d", []])
    assert reply[0] == "x" and reply[1][1]["base"] == "PermissionError"


def test_a_tests_builtins_are_not_the_implementations(server):
    before = dict(vars(__import__("builtins")))
    assert answer(server, "builtins", ["d", [["len", 1]]], ["l", []]) == ["r", None]
    assert dict(vars(__import__("builtins"))) == before


def test_an_exception_leaves_without_its_traceback(server, impl):
    ref = ["y", server.exports.export(impl[0].slugify)]
    reply = answer(server, "call", ref, ["l", [5]], ["d", []])
    assert reply[0] == "x"
    assert reply[1][1]["base"] == "AttributeError"
    assert reply[1][1]["traceback"] == ""


def test_a_default_hash_is_a_number_in_the_order_first_hashed(server, impl):
    first, second = impl[0].Slug("a"), impl[0].Slug("b")
    refs = [["y", server.exports.export(value)] for value in (first, second)]
    assert answer(server, "unary", "hash", refs[1]) == ["r", 1]
    assert answer(server, "unary", "hash", refs[0]) == ["r", 2]
    assert answer(server, "unary", "hash", refs[1]) == ["r", 1]
    assert answer(server, "unary", "hash", ["y", server.exports.export("text")]) == ["r", hash("text")]


def test_dir_lists_public_names_only(server, impl):
    reply = answer(server, "unary", "dir", ["y", server.exports.export(impl[0].Slug("a"))])
    assert reply[0] == "r"
    names = reply[1][1]
    assert "words" in names and "text" in names
    assert not any(name.startswith("_") for name in names)


def test_repr_and_format_show_no_address(server, impl):
    ref = ["y", server.exports.export(impl[0].Slug("a"))]
    assert answer(server, "unary", "repr", ref) == ["r", "<slugs.Slug object>"]
    assert answer(server, "unary", "str", ref) == ["r", "<slugs.Slug object>"]
    assert answer(server, "format", ref, "") == ["r", "<slugs.Slug object>"]


def test_the_implementations_frames_are_not_sent(server):
    assert server.calling_frames() == []


def test_every_learner_operation_is_overridden_or_kept_deliberately():
    # A new operation in grader_learner.OPS reaches the implementation as
    # it is unless grader_impl decides otherwise: this lists the ones kept.
    kept = {"call", "unary", "binary", "getitem", "setitem", "delitem", "contains", "isinstance",
            "issubclass", "enter", "exit"}
    overridden = {"compile", "builtins", "subclass", "getattr", "setattr", "delattr", "callattr", "import",
                  "format"}
    assert set(grader_learner.OPS) == kept | overridden
    ours, theirs = socket.socketpair()
    try:
        server = Server(ours, Policy({}, {}))
        for op in overridden:
            assert server.operation(op) is not grader_learner.OPS[op], op
    finally:
        ours.close()
        theirs.close()
