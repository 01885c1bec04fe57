"""The shell harness's own rules: the preamble keeps line numbers, TAP is
read against the tests the grader named, the broker refuses what it should
and the client passes on only the test's own variables."""

import grader_broker
import grader_learner
import grader_shell
import pytest


def test_the_preamble_shares_the_first_line_so_line_numbers_stay():
    text = "#!/usr/bin/env bats\n@test \"a\" {\n  true\n}\n"
    out = grader_shell.with_preamble(text)
    assert out.splitlines()[1:] == text.splitlines()[1:]
    assert out.startswith(grader_shell.PREAMBLE + "#!/usr/bin/env bats")


def test_a_first_line_that_is_a_test_gets_the_preamble_on_a_line_of_its_own():
    text = "@test \"a\" {\n  true\n}\n"
    assert grader_shell.with_preamble(text) == grader_shell.PREAMBLE + "\n" + text


def read(lines, names):
    tap = grader_shell.Tap(names, 200)
    for line in lines:
        tap.line(line)
    return tap


def test_tap_gives_each_named_test_its_outcome_and_message():
    tap = read(
        [
            "1..3",
            "ok 1 counts lines in 12ms",
            "not ok 2 says why in 5ms",
            "# (in test file a.bats, line 7)",
            "#   `assert_output 3' failed",
            "ok 3 later in 1ms # skip not today",
            "stray text",
        ],
        ["counts lines", "says why", "later"],
    )
    assert tap.plan == 3
    assert tap.results[1] == {"name": "counts lines", "outcome": "passed", "message": "", "ms": 12}
    assert tap.results[2]["outcome"] == "failed"
    assert "line 7" in tap.results[2]["message"]
    assert tap.results[3]["outcome"] == "skipped"
    assert tap.stray == ["stray text"]


def test_tap_lines_that_are_not_the_files_tests_count_for_nothing():
    tap = read(
        [
            "1..1",
            "ok 2 counts lines in 1ms",
            "ok 1 something else in 1ms",
            "ok 1 counts lines in 1ms # todo",
            "ok 1 counts lines",
            "not ok 1 counts lines in 3ms # skip",
            "not ok 1 counts lines in 3ms",
            "ok 1 counts lines in 1ms",
        ],
        ["counts lines"],
    )
    # The first line that is test 1 by its number and its name settles it.
    assert tap.results == {1: {"name": "counts lines", "outcome": "failed", "message": "", "ms": 3}}


def test_a_long_message_is_cut():
    tap = read(["not ok 1 a in 1ms"] + ["# " + "x" * 100] * 10, ["a"])
    assert len(tap.results[1]["message"]) == 200


@pytest.mark.parametrize(
    "request_, why",
    [
        ({"cwd": "/work/play/1", "timeout": 1}, "no command"),
        ({"argv": ["ls"], "cwd": "/work/.tests", "timeout": 1}, "play folder"),
        ({"argv": ["ls"], "cwd": "/work/play/../.tests", "timeout": 1}, "play folder"),
        ({"argv": ["ls"], "cwd": "/work/playground", "timeout": 1}, "play folder"),
        ({"argv": ["ls"], "cwd": "/work/play/1", "timeout": 0}, "time limit"),
        ({"argv": ["ls"], "cwd": "/work/play/1", "timeout": 1, "env": {"A=B": "c"}}, "environment"),
        ({"argv": ["l\0s"], "cwd": "/work/play/1", "timeout": 1}, "no command"),
    ],
)
def test_the_broker_refuses_a_request_it_cannot_run_safely(request_, why):
    with pytest.raises(ValueError, match=why):
        grader_broker.checked(request_)


def test_the_broker_runs_in_a_play_folder_with_a_clean_environment():
    argv, cwd, env, timeout = grader_broker.checked(
        {"argv": ["ls", "-l"], "cwd": "/work/play/1-2-1", "env": {"LOG": "x"}, "timeout": 3}
    )
    assert (argv, cwd, env, timeout) == (["ls", "-l"], "/work/play/1-2-1", {"LOG": "x"}, 3.0)
    full = grader_broker.learner_env(cwd, env)
    assert full["HOME"] == cwd and full["LOG"] == "x" and full["USER"] == "learner"


def test_the_client_passes_on_the_tests_variables_only():
    environ = {
        "LOG_LEVEL": "debug",
        "BATS_RUN_TMPDIR": "/work/.bats-tmp/x",
        "GRADER_CALL_TIMEOUT": "5",
        "BASH_FUNC_learner%%": "() { …; }",
        "PATH": "/bin",
        "HOME": "/work/.tests",
        "lowercase": "1",
        "PLAY": "/work/play/0-1-1",
    }
    assert grader_learner.passed_on(environ) == {"LOG_LEVEL": "debug", "PLAY": "/work/play/0-1-1"}


@pytest.mark.parametrize(
    "first_line, command",
    [
        (b"#!/usr/bin/env bash\n", ["/usr/bin/env", "bash"]),
        (b"#!/bin/sh -eu\n", ["/bin/sh", "-eu"]),
        (b"#! /bin/bash\n", ["/bin/bash"]),
        (b"#!/bin/bash\t-e\n", ["/bin/bash", "-e"]),
        (b"#!/usr/bin/env -S bash -e\n", ["/usr/bin/env", "-S bash -e"]),
        (b"echo no shebang\n", ["/bin/bash"]),
        (b"#!\n", ["/bin/bash"]),
        (b"", ["/bin/bash"]),
    ],
)
def test_a_script_is_run_by_the_interpreter_its_first_line_names(tmp_path, first_line, command):
    script = tmp_path / "a.sh"
    script.write_bytes(first_line + b"echo hi\n")
    assert grader_learner.interpreter(str(script)) == command
