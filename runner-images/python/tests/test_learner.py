"""python/harness/grader_learner.py: the learner's process's end of the
wire, whose answers the test process reads as untrusted."""

import builtins
import os
import socket
import threading

import pytest

import grader_learner
import grader_wire
from grader_learner import Worker

# Not under its own name: pytest would try to collect a class named Test*.
ProxyOfTests = grader_learner.TestObject


@pytest.fixture
def worker():
    ours, theirs = socket.socketpair()
    end = Worker(ours)
    end.peer = theirs
    yield end
    ours.close()
    theirs.close()


def answer(worker, *message):
    """The learner process's reply to one request of the test process."""
    worker.serve(["q", *message])
    reader = grader_wire.FrameReader()
    while True:
        reply = reader.next_frame()
        if reply is not None:
            return reply
        reader.feed(worker.peer.recv(1 << 20))


def own(worker, value):
    return ["y", worker.exports.export(value)]


def test_an_operation_is_answered_with_its_value(worker):
    assert answer(worker, "binary", "add", 2, 3) == ["r", 5]
    assert answer(worker, "getattr", own(worker, "text"), "upper")[1][0] == "o"


def test_whatever_the_learners_code_raises_is_an_answer_not_an_end(worker):
    def leave():
        raise SystemExit(3)

    reply = answer(worker, "call", own(worker, leave), ["l", []], ["d", []])
    assert reply[0] == "x"
    data = reply[1][1]
    assert data["base"] == "SystemExit"
    assert data["args"] == [3]
    assert "SystemExit: 3" in data["traceback"]


def test_an_exception_that_cannot_be_printed_still_answers(worker):
    class Unprintable(ValueError):
        def __str__(self):
            raise RuntimeError("no")

    def fail():
        raise Unprintable()

    data = answer(worker, "call", own(worker, fail), ["l", []], ["d", []])[1][1]
    assert data["str"] == "<unprintable Unprintable>"
    assert data["chain"] == [[__name__, "test_an_exception_that_cannot_be_printed_still_answers.<locals>.Unprintable"]]
    assert data["base"] == "ValueError"


def test_an_exception_whose_arguments_cannot_cross_sends_its_text(worker):
    deep = []
    for _ in range(200):
        deep = [deep]

    def fail():
        raise ValueError(deep)

    data = answer(worker, "call", own(worker, fail), ["l", []], ["d", []])[1][1]
    assert data["args"] == [data["str"]]


def test_a_message_is_capped(worker):
    def fail():
        raise ValueError("x" * 100_000)

    data = answer(worker, "call", own(worker, fail), ["l", []], ["d", []])[1][1]
    assert len(data["str"]) == 65536


def test_a_value_that_cannot_cross_is_the_boundarys_failure_not_an_exception(worker):
    def deep():
        value = []
        for _ in range(200):
            value = [value]
        return value

    reply = answer(worker, "call", own(worker, deep), ["l", []], ["d", []])
    assert reply[0] == "x"
    assert "boundary" in reply[1][1]
    assert "nested more than" in reply[1][1]["boundary"]


def test_a_tests_exception_goes_back_as_itself(worker):
    error = worker.error_in({"base": "KeyError", "args": ["k"], "ref": 17})
    assert isinstance(error, KeyError)
    assert type(error).__module__ == "builtins"
    assert worker.exception_out(error) == {"own": 17}


def test_a_tests_exception_of_a_base_that_is_not_an_exception_is_an_exception(worker):
    for base in ("SystemExit", "KeyboardInterrupt", "object", "open", None):
        error = worker.error_in({"base": base, "args": [], "ref": 1})
        assert type(error).__mro__[1] is Exception, base


def test_one_class_per_builtin_base_is_made_for_the_tests_exceptions():
    assert grader_learner.test_error_class(ValueError) is grader_learner.test_error_class(ValueError)
    assert grader_learner.test_error_class(ValueError).__name__ == "ValueError"
    assert issubclass(grader_learner.test_error_class(ValueError), ValueError)


def test_an_exception_class_goes_out_with_its_builtin_base_and_chain(worker):
    class BankError(Exception):
        pass

    class Short(BankError, ValueError):
        pass

    data = worker.encode(Short)
    assert data[0] == "o"
    base, chain = data[2]
    # The first builtin class in its method resolution order.
    assert base == "ValueError"
    assert [qualname.rsplit(".", 1)[-1] for _, qualname in chain] == ["Short", "BankError"]
    assert grader_learner.exception_class(KeyError) == ("KeyError", [])


def test_the_tests_objects_cannot_be_changed_here():
    proxy = ProxyOfTests._new(5)
    with pytest.raises(AttributeError, match="cannot be changed"):
        proxy.anything = 1
    with pytest.raises(TypeError, match="cannot be changed"):
        proxy["key"] = 1


def test_the_tests_objects_are_used_from_the_main_thread_only(worker, monkeypatch):
    monkeypatch.setattr(grader_learner, "WORKER", worker)
    errors = []

    def use():
        try:
            worker.request("unary", "len", ProxyOfTests._new(1))
        except RuntimeError as error:
            errors.append(str(error))

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert errors == ["objects of the tests can be used only from the main thread"]


# -- compile, tracebacks, frames ------------------------------------------------------------


def test_the_first_syntax_error_is_reported_with_its_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_text("x = 1\ndef f(:\n    pass\n")
    assert grader_learner.compile_files(["good.py"]) is None
    error = grader_learner.compile_files(["good.py", "bad.py"])
    assert error["file"] == "bad.py"
    assert error["line"] == 2
    assert error["column"] == 7
    assert error["text"] == "def f(:"
    assert isinstance(error["message"], str) and error["message"]


def test_compiling_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "side.py").write_text("open('ran', 'w').close()\n")
    assert grader_learner.compile_files(["side.py"]) is None
    assert not (tmp_path / "ran").exists()


def test_a_file_that_cannot_be_read_or_compiled_says_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nul.py").write_bytes(b"x = 1\0\n")
    missing = grader_learner.compile_files(["missing.py"])
    assert missing["file"] == "missing.py" and missing["line"] is None and "No such file" in missing["message"]
    nul = grader_learner.compile_files(["nul.py"])
    assert nul["file"] == "nul.py" and nul["line"] is None


def test_a_learner_traceback_has_only_the_learners_frames(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    harness_file = os.path.join(grader_learner.HARNESS, "grader_fake.py")
    learner_file = os.path.join(str(tmp_path), "cart.py")
    namespace = {}
    exec(compile("def total():\n    raise ValueError('bad total')\n", learner_file, "exec"), namespace)
    exec(compile("def call(f):\n    return f()\n", harness_file, "exec"), namespace)
    try:
        namespace["call"](namespace["total"])
    except ValueError as error:
        text = grader_learner.learner_traceback(error)
    assert 'File "cart.py", line 2, in total' in text
    assert "grader_fake" not in text
    assert str(tmp_path) not in text
    assert text.endswith("ValueError: bad total\n")


def test_a_long_traceback_keeps_its_end(tmp_path):
    error = ValueError("v" * 20000)
    text = grader_learner.learner_traceback(error)
    assert len(text) == 8192 and text.endswith("v\n")


def test_calling_frames_name_the_learners_code_only(tmp_path):
    namespace = {"calling_frames": grader_learner.calling_frames}
    learner_file = os.path.join(str(tmp_path), "paasio.py")
    harness_file = os.path.join(grader_learner.HARNESS, "grader_fake.py")
    exec(compile("def inner():\n    return calling_frames()\n", harness_file, "exec"), namespace)
    exec(compile("def __init__():\n    return inner()\n", learner_file, "exec"), namespace)
    frames = namespace["__init__"]()
    assert frames[0] == [learner_file, "__init__"]
    assert all(not path.startswith(grader_learner.HARNESS) for path, _ in frames)
    assert len(frames) <= grader_learner.MAX_FRAMES


# -- builtins a test replaced ---------------------------------------------------------


def test_a_replaced_builtin_is_replaced_here_and_put_back(monkeypatch):
    original = builtins.input
    monkeypatch.setattr(builtins, "input", original)

    def fake(prompt=""):
        return "typed"

    grader_learner.set_builtins({"input": fake, "not_a_builtin": fake}, [])
    assert builtins.input is fake
    assert not hasattr(builtins, "not_a_builtin")
    grader_learner.set_builtins({}, ["input", "not_a_builtin"])
    assert builtins.input is original
    assert not hasattr(builtins, "not_a_builtin")
