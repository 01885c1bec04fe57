"""python/harness/grader_remote.py: what a learner's code may reach of the
tests' objects, and what the tests see of the learner's.

The first half asks the test process's end directly, as a hostile learner
process could (any frame, not only what grader_learner.py sends); the
second runs a real learner process (grader_learner.py, from a folder laid
out as /opt/grader is) on a submission written for each test.
"""

import builtins
import datetime
import decimal
import socket
import sys
import textwrap
import types

import pytest

import grader_remote
import grader_wire
from grader_remote import (
    CALLABLE_DUNDERS,
    BoundaryError,
    CannotCross,
    Connection,
    LearnerCrashed,
    LearnerInterrupt,
    Remote,
)

# -- the rules, asked directly ------------------------------------------------------


class Secretive:
    visible = "public"
    _hidden = "private"

    def __init__(self):
        self.calls = []

    def method(self, value):
        self.calls.append(value)
        return value * 2

    def _private_method(self):
        raise AssertionError("never called")

    def __len__(self):
        return 3

    def __add__(self, other):
        return "added %r" % (other,)

    def __radd__(self, other):
        return "radded %r" % (other,)

    def fail(self):
        raise ValueError("from the test", 7, object())

    def assert_hidden(self):
        assert self.visible == "hidden source", "the test's secret"


def a_test_function():
    return "called"


@pytest.fixture
def conn(tmp_path):
    """A connection whose learner process is one end of a socketpair held
    by the test: what the test process answers is read from the other."""
    connection = Connection(str(tmp_path))
    ours, theirs = socket.socketpair()
    connection.process = types.SimpleNamespace(sock=ours, kill=lambda: None)
    connection.peer = theirs
    yield connection
    ours.close()
    theirs.close()


def ask(conn, *message):
    """The test process's reply to one request of the learner's process."""
    conn.serve(["q", *message])
    reader = grader_wire.FrameReader()
    while True:
        reply = reader.next_frame()
        if reply is not None:
            return reply
        reader.feed(conn.peer.recv(1 << 20))


def ref(conn, value):
    return ["y", conn.exports.export(value)]


def refused(reply, kind="PermissionError"):
    assert reply[0] == "x", reply
    assert reply[1][0] == "e"
    return reply[1][1]["base"] == kind


def test_a_public_attribute_can_be_read(conn):
    assert ask(conn, "getattr", ref(conn, Secretive()), "visible") == ["r", "public"]


@pytest.mark.parametrize(
    "name",
    ["_hidden", "_private_method", "__class__", "__dict__", "__globals__", "__code__", "__reduce__",
     "__reduce_ex__", "__subclasses__", "__getattribute__", "__setattr__", "__closure__", "__builtins__",
     "__self__", "__func__", "__wrapped__", "__getstate__", "__init_subclass__", "_Secretive__x"],
)
def test_a_private_or_special_name_cannot_be_read(conn, name):
    target = ref(conn, Secretive())
    assert refused(ask(conn, "getattr", target, name))
    assert refused(ask(conn, "callattr", target, name, ["l", []], ["d", []]))


def test_the_globals_of_a_tests_function_are_out_of_reach(conn):
    assert refused(ask(conn, "getattr", ref(conn, a_test_function), "__globals__"))
    assert refused(ask(conn, "getattr", ref(conn, a_test_function), "__code__"))


@pytest.mark.parametrize("name", ["__name__", "__qualname__", "__module__", "__doc__"])
def test_names_of_a_tests_function_can_be_read(conn, name):
    reply = ask(conn, "getattr", ref(conn, a_test_function), name)
    assert reply == ["r", getattr(a_test_function, name)]


def test_the_allowed_special_methods_can_be_called(conn):
    target = ref(conn, Secretive())
    assert ask(conn, "callattr", target, "__len__", ["l", []], ["d", []]) == ["r", 3]
    assert ask(conn, "callattr", target, "__add__", ["l", [1]], ["d", []]) == ["r", "added 1"]


def test_the_dunder_allow_list_reaches_nothing_of_a_tests_globals_class_or_code():
    for name in ("__globals__", "__class__", "__code__", "__dict__", "__closure__", "__builtins__",
                 "__subclasses__", "__reduce__", "__reduce_ex__", "__getattribute__", "__setattr__",
                 "__delattr__", "__setitem__", "__delitem__", "__get__", "__set__", "__func__", "__self__"):
        assert name not in CALLABLE_DUNDERS
    # Every name on it is a dunder: a private name never passes.
    assert all(name.startswith("__") and name.endswith("__") for name in CALLABLE_DUNDERS)


@pytest.mark.parametrize("name", [None, 1, ["visible"], b"visible"])
def test_an_attribute_name_must_be_a_string(conn, name):
    assert refused(ask(conn, "getattr", ref(conn, Secretive()), name))


def test_a_public_method_can_be_called_with_values(conn):
    thing = Secretive()
    reply = ask(conn, "callattr", ref(conn, thing), "method", ["l", [21]], ["d", []])
    assert reply == ["r", 42]
    assert thing.calls == [21]


def test_a_tests_function_can_be_called(conn):
    assert ask(conn, "call", ref(conn, a_test_function), ["l", []], ["d", []]) == ["r", "called"]


@pytest.mark.parametrize("op", ["setattr", "delattr", "setitem", "delitem", "import", "isinstance",
                                "issubclass", "subclass", "builtins", "compile", "dir", "eval", 7, None])
def test_requests_that_change_or_reach_beyond_an_object_are_refused(conn, op):
    thing = Secretive()
    reply = ask(conn, op, ref(conn, thing), "visible", "changed")
    assert refused(reply)
    assert "do not allow" in reply[1][1]["args"][0]
    assert thing.visible == "public"


def test_an_attribute_is_never_set_from_the_learners_side(conn):
    thing = Secretive()
    for op in ("setattr", "delattr"):
        ask(conn, op, ref(conn, thing), "visible", "changed")
    assert vars(thing) == {"calls": []}
    assert Secretive.visible == "public"


@pytest.mark.parametrize("name", ["dir", "vars", "type", "id", "getattr", "__import__", "format", 3])
def test_unary_operations_outside_the_safe_list_are_refused(conn, name):
    assert refused(ask(conn, "unary", name, ref(conn, Secretive())))


@pytest.mark.parametrize("name", ["setattr", "getattr", "setitem", "contains", "radd_", 3])
def test_binary_operations_outside_the_safe_list_are_refused(conn, name):
    assert refused(ask(conn, "binary", name, ref(conn, Secretive()), 1))


def test_safe_operations_work_both_ways(conn):
    thing = Secretive()
    assert ask(conn, "unary", "len", ref(conn, thing)) == ["r", 3]
    assert ask(conn, "binary", "add", ref(conn, thing), 1) == ["r", "added 1"]
    # `2 + test_value` in the learner's code: the reflected operation.
    assert ask(conn, "binary", "radd", ref(conn, thing), 2) == ["r", "radded 2"]
    assert ask(conn, "contains", ref(conn, [1, 2]), 2) == ["r", True]
    assert ask(conn, "getitem", ref(conn, {"k": "v"}), "k") == ["r", "v"]
    assert ask(conn, "format", ref(conn, 3.14159), ".2f") == ["r", "3.14"]


def test_only_objects_the_tests_passed_in_can_be_used(conn):
    thing = Secretive()
    number = conn.exports.export(thing)
    for raw in (["o", number], [number], number, ["y"], ["y", number, 1], "y"):
        assert refused(ask(conn, "getattr", raw, "visible")), raw


def test_naming_an_object_the_tests_never_passed_breaks_the_protocol(conn):
    with pytest.raises(grader_wire.WireError, match="no object"):
        ask(conn, "getattr", ["y", 424242], "visible")
    with pytest.raises(grader_wire.WireError):
        ask(conn, "getattr", ["y", True], "visible")


def test_an_exception_of_the_tests_goes_out_with_its_plain_arguments_only(conn):
    thing = Secretive()
    reply = ask(conn, "callattr", ref(conn, thing), "fail", ["l", []], ["d", []])
    assert refused(reply, "ValueError")
    data = reply[1][1]
    assert data["args"] == ["from the test", 7]
    # By reference too: the same exception goes back if it is not caught.
    assert isinstance(conn.exports.get(data["ref"]), ValueError)


def test_a_failed_assert_of_the_tests_says_nothing_of_its_source(conn):
    reply = ask(conn, "callattr", ref(conn, Secretive()), "assert_hidden", ["l", []], ["d", []])
    assert refused(reply, "AssertionError")
    assert reply[1][1]["args"] == []
    assert "secret" not in repr(reply)


def test_exit_takes_only_an_exception(conn):
    class Context:
        def __exit__(self, *exc):
            self.exc = exc

    context = Context()
    assert refused(ask(conn, "exit", ref(conn, context), "not an exception"), "TypeError")
    assert ask(conn, "exit", ref(conn, context), None) == ["r", None]
    assert context.exc == (None, None, None)


def test_an_answer_too_large_to_send_becomes_an_error(conn, monkeypatch):
    monkeypatch.setattr(grader_wire, "MAX_FRAME", 1000)
    reply = ask(conn, "getattr", ref(conn, types.SimpleNamespace(big="x" * 5000)), "big")
    assert refused(reply, "ValueError")
    assert "too large" in reply[1][1]["args"][0]


def test_an_object_that_is_not_data_is_answered_by_reference(conn):
    thing = Secretive()
    reply = ask(conn, "getattr", ref(conn, types.SimpleNamespace(inner=thing)), "inner")
    assert reply[0] == "r" and reply[1][0] == "o"
    assert conn.exports.get(reply[1][1]) is thing


# -- the test process's side of a learner object --------------------------------------


class Recording(Connection):
    """A connection that records requests instead of sending them."""

    def __init__(self, work, answer=None):
        super().__init__(work)
        self.asked = []
        self.answer = answer

    def request(self, op, *args):
        self.asked.append((op,) + args)
        return self.answer


@pytest.mark.parametrize("name", ["__test__", "__wrapped__", "__signature__", "__pytest_wrapped__",
                                  "__conftest__", "__fspath__", "__getnewargs__", "_g_ref2", "_g_anything"])
def test_probes_of_a_learner_object_are_not_asked_of_the_learner(tmp_path, name):
    # pytest and the import system probe objects for these: the learner's
    # answer would make its function a test, or change how one is called.
    conn = Recording(str(tmp_path), answer="the learner's answer")
    proxy = Remote._new(conn, 1)
    assert getattr(proxy, name, "absent") == "absent"
    assert conn.asked == []


def test_readable_dunders_and_public_names_are_asked(tmp_path):
    conn = Recording(str(tmp_path), answer="answer")
    proxy = Remote._new(conn, 1)
    assert proxy.__name__ == "answer"
    assert proxy.__version__ == "answer"
    assert proxy.balance == "answer"
    assert [entry[0] for entry in conn.asked] == ["getattr"] * 3


def test_a_learner_object_never_judges_a_tests_value(tmp_path):
    conn = Recording(str(tmp_path), answer=True)
    proxy = Remote._new(conn, 1)
    assert not proxy == 5
    assert not 5 == proxy
    assert proxy != "x"
    assert "x" != proxy
    with pytest.raises(TypeError):
        proxy < 5  # noqa: B015 - the comparison's error is the point
    assert conn.asked == []


def test_two_learner_objects_are_compared_by_the_learner(tmp_path):
    conn = Recording(str(tmp_path), answer=True)
    left, right = Remote._new(conn, 1), Remote._new(conn, 2)
    assert left == right
    assert conn.asked == [("binary", "eq", left, right)]


def test_arithmetic_with_a_tests_value_is_forwarded_with_the_value_on_its_side(tmp_path):
    conn = Recording(str(tmp_path), answer=7)
    proxy = Remote._new(conn, 1)
    assert proxy + 1 == 7
    assert 2 * proxy == 7
    assert conn.asked == [("binary", "add", proxy, 1), ("binary", "mul", 2, proxy)]


def test_a_tests_builtin_replacement_is_told_to_the_learners_process(tmp_path, monkeypatch):
    conn = Recording(str(tmp_path))
    replacement = lambda prompt="": "typed"  # noqa: E731
    monkeypatch.setattr(builtins, "input", replacement)
    conn.sync_builtins()
    assert conn.asked == [("builtins", {"input": replacement}, [])]
    conn.sync_builtins()
    assert len(conn.asked) == 1
    monkeypatch.undo()
    conn.sync_builtins()
    assert conn.asked[1] == ("builtins", {}, ["input"])


def test_untouched_builtins_cost_no_request(tmp_path):
    conn = Recording(str(tmp_path))
    conn.sync_builtins()
    assert conn.asked == []


# -- exceptions from the learner -------------------------------------------------------


def test_boundary_errors_are_not_exceptions_a_test_could_expect():
    for cls in (BoundaryError, LearnerCrashed, CannotCross):
        assert not issubclass(cls, Exception)
    assert issubclass(LearnerInterrupt, Exception)


def test_a_learner_exception_class_is_a_mirror_of_its_chain(tmp_path):
    conn = Connection(str(tmp_path))
    chain = [["bank", "InsufficientFunds"], ["bank", "BankError"]]
    mirror = conn.mirror("ValueError", chain)
    assert mirror.__name__ == "InsufficientFunds"
    assert mirror.__module__ == "bank"
    assert issubclass(mirror, ValueError)
    assert issubclass(mirror, conn.mirror("ValueError", chain[1:]))
    assert conn.mirror("ValueError", chain) is mirror


@pytest.mark.parametrize("base", ["KeyboardInterrupt", "GeneratorExit"])
def test_a_learner_interrupt_does_not_interrupt_the_tests(tmp_path, base):
    conn = Connection(str(tmp_path))
    error = conn.error_in({"base": base, "chain": [], "args": ["stop everything"]})
    assert type(error) is LearnerInterrupt
    assert str(error) == "your code raised %s" % base


def test_an_unknown_base_is_an_exception(tmp_path):
    conn = Connection(str(tmp_path))
    assert conn.mirror("NotABuiltin", []) is Exception
    assert conn.mirror("object", []) is Exception


def test_a_learner_exception_keeps_its_message_and_traceback(tmp_path):
    conn = Connection(str(tmp_path))
    error = conn.error_in({
        "base": "ValueError", "chain": [["m", "Odd"]], "args": ["x"], "str": "odd value",
        "traceback": "t" * 10000,
    })
    assert str(error) == "odd value"
    assert isinstance(error, ValueError)
    assert len(error._grader_traceback) == 8192


def test_an_answer_that_could_not_be_sent_is_the_boundarys_failure(tmp_path):
    conn = Connection(str(tmp_path))
    error = conn.error_in({"boundary": "a value of 99 bytes is too large"})
    assert isinstance(error, CannotCross)
    assert "could not be sent to the tests" in str(error)


def test_an_own_object_that_is_not_an_exception_is_a_protocol_error(tmp_path):
    conn = Connection(str(tmp_path))
    number = conn.exports.export("not an exception")
    with pytest.raises(grader_wire.WireError):
        conn.error_in({"own": number})


def test_a_mirrors_private_attributes_are_not_asked_of_the_learner(tmp_path):
    conn = Connection(str(tmp_path))
    error = conn.error_in({"base": "ValueError", "chain": [["m", "E"]], "args": []})
    with pytest.raises(AttributeError):
        error._secret  # noqa: B018
    with pytest.raises(AttributeError):
        error.public  # noqa: B018 - no reference to ask: nothing is asked


def test_the_learners_process_gets_no_environment_of_ours(tmp_path):
    env = grader_remote.clean_env(str(tmp_path))
    assert set(env) == {"PATH", "HOME", "LANG", "TMPDIR", "GRADER_WORKDIR"}
    assert env["HOME"] == env["GRADER_WORKDIR"] == str(tmp_path)


# -- a real learner process -------------------------------------------------------------------


@pytest.fixture
def learner(tmp_path, harness_dir, monkeypatch):
    """`learner(source)`: the submission module `sub` with this source, as
    the tests see it, in a learner process of its own."""
    monkeypatch.setattr(grader_remote, "HARNESS", harness_dir)
    connections = []

    def make(source, name="sub"):
        (tmp_path / (name + ".py")).write_text(textwrap.dedent(source))
        connection = Connection(str(tmp_path))
        connections.append(connection)
        return grader_remote.module(connection, name), connection

    yield make
    for connection in connections:
        connection.close()


def test_values_cross_both_ways(learner):
    sub, _ = learner("""
        import datetime, decimal
        def later(day, by):
            return day + datetime.timedelta(days=by), decimal.Decimal("1.10") * by
    """)
    day, price = sub.later(datetime.date(2024, 2, 28), 2)
    assert day == datetime.date(2024, 3, 1)
    assert price == decimal.Decimal("2.20")
    assert type(day) is datetime.date


def test_an_object_that_equals_everything_equals_no_tests_value(learner):
    sub, _ = learner("""
        class Liar:
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return False
            __hash__ = object.__hash__
    """)
    liar = sub.Liar()
    assert not liar == 5
    assert not liar == "anything"
    assert liar != None  # noqa: E711
    assert liar == sub.Liar()


def test_the_learners_code_cannot_read_a_tests_private_attribute(learner):
    sub, _ = learner("""
        def peek(thing):
            return thing._hidden
        def peek_dunder(thing):
            return thing.__dict__
    """)
    with pytest.raises(PermissionError, match="only public attributes"):
        sub.peek(Secretive())
    with pytest.raises(PermissionError):
        sub.peek_dunder(Secretive())


def test_the_learners_code_cannot_reach_a_tests_globals(learner):
    sub, _ = learner("""
        def globals_of(function):
            return function.__globals__["__builtins__"]
        def name_of(function):
            return function.__name__
    """)
    with pytest.raises(PermissionError):
        sub.globals_of(a_test_function)
    assert sub.name_of(a_test_function) == "a_test_function"


def test_the_learners_code_cannot_change_a_tests_object(learner):
    sub, _ = learner("""
        def change(thing):
            thing.visible = "changed"
        def change_item(thing):
            thing["k"] = "changed"
    """)
    thing = Secretive()
    with pytest.raises(AttributeError, match="cannot be changed"):
        sub.change(thing)
    assert thing.visible == "public" and "visible" not in vars(thing)

    class Shelf:
        def __init__(self):
            self.items = {"k": "v"}

        def __getitem__(self, key):
            return self.items[key]

        def __setitem__(self, key, value):
            raise AssertionError("never called")

    shelf = Shelf()
    with pytest.raises(TypeError, match="cannot be changed"):
        sub.change_item(shelf)
    assert shelf.items == {"k": "v"}


def test_the_learners_code_calls_back_into_a_tests_object(learner):
    sub, _ = learner("""
        def use(thing, callback):
            return thing.method(5) + len(thing), callback(1)
    """)
    thing = Secretive()
    assert sub.use(thing, lambda value: value + 1) == (13, 2)
    assert thing.calls == [5]


def test_a_learner_exception_is_raised_as_its_class_and_its_builtin_base(learner):
    sub, _ = learner("""
        class BankError(Exception):
            pass
        class InsufficientFunds(BankError, ValueError):
            pass
        def withdraw(amount):
            raise InsufficientFunds("short by %d" % amount)
    """)
    with pytest.raises(sub.InsufficientFunds, match="short by 5") as caught:
        sub.withdraw(5)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, sub.BankError)
    assert "withdraw" in caught.value._grader_traceback


def test_a_tests_exception_raised_through_the_learners_code_comes_back_as_itself(learner):
    sub, _ = learner("""
        def call(function):
            return function()
    """)
    error = KeyError("the test's")

    def raising():
        raise error

    with pytest.raises(KeyError) as caught:
        sub.call(raising)
    assert caught.value is error


def test_a_learner_keyboard_interrupt_is_an_ordinary_failure(learner):
    sub, _ = learner("""
        def stop():
            raise KeyboardInterrupt
    """)
    with pytest.raises(LearnerInterrupt):
        sub.stop()


def test_a_crashed_learner_process_fails_the_call_and_is_started_again(learner):
    sub, connection = learner("""
        import os
        started = os.getpid()
        def crash():
            os._exit(3)
        def pid():
            return started
    """)
    first = sub.pid()
    with pytest.raises(LearnerCrashed, match="exited with code 3"):
        sub.crash()
    # Module-level names are found again in the fresh process.
    assert sub.pid() != first
    assert connection.starts == 2


def test_an_object_of_a_stopped_process_is_gone(learner):
    sub, _ = learner("""
        import os
        class Box:
            pass
        def crash():
            os._exit(1)
    """)
    box = sub.Box()
    with pytest.raises(LearnerCrashed):
        sub.crash()
    with pytest.raises(LearnerCrashed, match="earlier process"):
        sub.Box() == box  # noqa: B015


def test_a_tests_value_too_large_to_send_cannot_cross(learner, monkeypatch):
    sub, _ = learner("""
        def size(value):
            return len(value)
    """)
    assert sub.size("x" * 100) == 100
    monkeypatch.setattr(grader_wire, "MAX_FRAME", 1000)
    with pytest.raises(CannotCross, match="could not be sent"):
        sub.size("x" * 5000)


def test_what_the_learners_code_prints_is_the_tests_output(learner, capsys):
    sub, _ = learner("""
        import sys
        def talk():
            print("to stdout")
            print("to stderr", file=sys.stderr)
            return 1
    """)
    assert sub.talk() == 1
    out, err = capsys.readouterr()
    assert "to stdout" in out
    assert "to stderr" in err


def test_printing_past_the_budget_is_cut(learner, capsys, monkeypatch):
    monkeypatch.setattr(grader_remote, "OUTPUT_BUDGET", 100)
    sub, connection = learner("""
        def talk():
            print("y" * 1000)
    """)
    connection.new_test()
    sub.talk()
    out, _ = capsys.readouterr()
    assert out == "y" * 100 + "\n[the grader dropped the rest of what your code printed in this test]\n"


def test_a_test_module_can_derive_a_class_from_the_learners(learner):
    sub, _ = learner("""
        class Shape:
            def area(self):
                return self.side() ** 2
    """)

    class Square(sub.Shape):
        def side(self):
            return 3

    assert Square().area() == 9


def test_isinstance_with_a_learner_class_asks_the_learner(learner):
    sub, _ = learner("""
        class Account:
            pass
        def make():
            return Account()
    """)
    assert isinstance(sub.make(), sub.Account)
    assert not isinstance(5, sub.Account)


def test_a_learner_module_that_does_not_import_fails_in_the_test(learner):
    sub, _ = learner("""
        raise RuntimeError("broken at import")
    """)
    with pytest.raises(RuntimeError, match="broken at import"):
        sub.anything  # noqa: B018


def test_a_value_the_learner_cannot_send_is_the_boundarys_failure(learner):
    sub, _ = learner("""
        def deep():
            value = []
            for _ in range(1000):
                value = [value]
            return value
    """)
    with pytest.raises(CannotCross, match="nested more than"):
        sub.deep()


def test_the_learners_process_is_a_fresh_isolated_interpreter(learner, tmp_path):
    sub, _ = learner("""
        import os, sys
        def facts():
            return sorted(os.environ), sys.flags.isolated, os.getcwd(), "grader_remote" in sys.modules
    """)
    names, isolated, cwd, has_remote = sub.facts()
    assert names == sorted(grader_remote.clean_env(str(tmp_path)))
    assert isolated == 1
    assert cwd == str(tmp_path)
    assert has_remote is False
    assert sys.modules["grader_remote"] is grader_remote
