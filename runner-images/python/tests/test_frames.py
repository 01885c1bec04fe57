"""python/harness/grader_frames.py: a call run under frames named as the
learner's callers, without reading or running anything of theirs."""

import inspect
import linecache

import grader_frames


def stack_names():
    """The learner's frames (named /learner/...) on the stack, innermost first."""
    return [(frame.filename, frame.function) for frame in inspect.stack(context=0)
            if frame.filename.startswith("/learner/")]


def test_a_call_runs_under_the_named_frames_innermost_first():
    frames = [["/learner/paasio.py", "__init__"], ["/learner/main.py", "<module>"]]
    names = grader_frames.run(frames, stack_names)
    assert names == [("/learner/paasio.py", "__init__"), ("/learner/main.py", "<module>")]


def test_its_value_and_its_exception_come_through():
    assert grader_frames.run([["/learner/a.py", "f"]], lambda: 42) == 42
    try:
        grader_frames.run([["/learner/a.py", "f"]], lambda: 1 / 0)
    except ZeroDivisionError as error:
        assert error.__traceback__ is not None
    else:
        raise AssertionError("no exception")


def test_entries_that_are_not_file_and_function_are_left_out():
    frames = [["/learner/a.py"], "text", None, ["/learner/b.py", 5], [1, 2], ["/learner/c.py", "g", "extra"],
              ["/learner/ok.py", "ok"]]
    names = grader_frames.run(frames, stack_names)
    assert names == [("/learner/ok.py", "ok")]


def test_names_and_the_number_of_frames_are_capped():
    frames = [["/learner/%d.py" % n + "x" * 400, "f" * 200] for n in range(100)]
    ours = grader_frames.run(frames, stack_names)
    assert len(ours) == grader_frames.MAX_FRAMES
    assert all(len(name) == 300 and len(function) == 100 for name, function in ours)


def test_the_learners_file_is_never_read(tmp_path):
    path = tmp_path / "learner.py"
    path.write_text("SECRET = 'from the disk'\n" * 3)
    linecache.cache.pop(str(path), None)
    try:
        lines = grader_frames.run([[str(path), "f"]], lambda: linecache.getline(str(path), 1))
        assert lines == ""
        linecache.checkcache(str(path))
        assert linecache.getline(str(path), 1) == ""
    finally:
        linecache.cache.pop(str(path), None)


def test_frames_are_hidden_from_pytest_tracebacks():
    seen = grader_frames.run([["/learner/a.py", "f"]], lambda: inspect.stack(context=0)[1].frame.f_globals)
    assert seen["__tracebackhide__"] is True
