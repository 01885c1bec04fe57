"""common/entry.py: the job's tar on stdin, unpacked only if every entry is
a regular file with a plain relative name, the manifest first.

entry.py becomes the job's user and makes itself not dumpable as it is
imported, so it runs here in a fresh interpreter, with grader_user's
`drop` left out (the tests may run as root; the image's user is not)."""

import io
import json
import os
import subprocess
import sys
import tarfile

import pytest

import test_channel

COMMON = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "common")
ENTRY = os.path.join(COMMON, "entry.py")
KEY = "e" * 64
PLACEHOLDER = b"# The grader holds this test file in memory; it is never on disk.\n"


class Special:
    """A tar entry of another type than a regular file."""

    def __init__(self, kind):
        self.kind = kind


def job_tar(entries):
    """A tar of (name, bytes or Special) entries, in order."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w|") as archive:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            if isinstance(content, Special):
                info.type = content.kind
                info.linkname = "/etc/passwd"
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return data.getvalue()


def manifest(**job):
    return (".grader/job.json", json.dumps(dict({"key": KEY}, **job)).encode())


def run_entry(work, entries):
    script = (
        "import sys, types; sys.modules['grader_user'] = types.SimpleNamespace(drop=lambda: None)\n"
        "import runpy; runpy.run_path(%r, run_name='__main__')\n" % ENTRY
    )
    return subprocess.run(
        [sys.executable, "-I", "-B", "-c", script], input=job_tar(entries), capture_output=True, timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GRADER_WORKDIR": str(work)},
    )


def refusal(done):
    """The reason in the signed refusal line on stderr, if any."""
    for line in done.stderr.decode().split("\n"):
        found = test_channel.verify(line, KEY)
        if found is not None:
            event = json.loads(found[1])
            assert event["event"] == "refused"
            return event["reason"]
    return None


def test_a_job_is_unpacked_and_its_command_run_in_the_work_folder(tmp_path):
    done = run_entry(tmp_path, [
        manifest(command=["sh", "-c", "cat a/b.txt; pwd"]),
        ("a/b.txt", b"hello\n"),
    ])
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "hello\n%s\n" % tmp_path
    assert (tmp_path / "a" / "b.txt").stat().st_mode & 0o777 == 0o644
    assert not (tmp_path / ".grader").exists()


@pytest.mark.parametrize("name", ["/etc/x", "../x", "a/../../x", "a//b", "./a", "a/.", "a\\b", "a/"])
def test_a_name_that_is_not_plain_and_relative_is_refused_before_anything_runs(tmp_path, name):
    work = tmp_path / "work"
    work.mkdir()
    done = run_entry(work, [manifest(command=["touch", "ran"]), (name, b"x")])
    assert done.returncode == 125
    assert "not a plain relative name" in refusal(done)
    assert list(work.iterdir()) == []
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE, tarfile.CHRTYPE])
def test_anything_but_a_regular_file_is_refused(tmp_path, kind):
    done = run_entry(tmp_path, [manifest(command=["touch", "ran"]), ("link", Special(kind))])
    assert done.returncode == 125
    assert "not a regular file" in refusal(done)
    assert list(tmp_path.iterdir()) == []


def test_the_manifest_comes_first(tmp_path):
    done = run_entry(tmp_path, [("a.txt", b"x"), manifest(command=["touch", "ran"])])
    assert done.returncode == 125
    # No key yet: said on stderr, unsigned (exit code 125 alone proves nothing).
    assert refusal(done) is None
    assert b"first entry is not .grader/job.json" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_second_manifest_or_a_reserved_name_is_refused(tmp_path):
    done = run_entry(tmp_path, [manifest(command=["true"]), manifest(command=["touch", "ran"])])
    assert done.returncode == 125 and "two manifests" in refusal(done)
    done = run_entry(tmp_path, [manifest(command=["touch", "ran"]), (".grader/other", b"x")])
    assert done.returncode == 125 and "reserved name" in refusal(done)
    assert not (tmp_path / "ran").exists()


def test_a_job_without_a_manifest_is_refused(tmp_path):
    done = run_entry(tmp_path, [])
    assert done.returncode == 125
    assert b"the job has no .grader/job.json" in done.stderr


def test_a_file_is_never_written_through_what_exists(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("untouched")
    work = tmp_path / "work"
    work.mkdir()
    os.symlink(target, work / "a.txt")
    done = run_entry(work, [manifest(command=["true"]), ("a.txt", b"overwritten")])
    assert done.returncode != 0
    assert target.read_text() == "untouched"


def test_a_python_jobs_test_files_stay_in_memory(tmp_path):
    done = run_entry(tmp_path, [
        manifest(pytest={"tests_dir": "tests"}, command=["cat", "tests/test_a.py", "tests/data.txt", "cart.py"]),
        ("tests/test_a.py", b"SECRET_TEST = 1\n"),
        ("tests/data.txt", b"data\n"),
        ("cart.py", b"learner = 1\n"),
    ])
    assert done.returncode == 0, done.stderr
    assert done.stdout == PLACEHOLDER + b"data\nlearner = 1\n"


def test_a_pytest_kind_jobs_implementation_never_touches_the_disk(tmp_path):
    done = run_entry(tmp_path, [
        manifest(tests={"implementation": ["slug.py"]}, command=["ls"]),
        ("slug.py", b"def slugify(): pass\n"),
        ("test_slug.py", b"def test(): pass\n"),
    ])
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"test_slug.py\n"


def test_a_manifest_without_a_command_is_refused(tmp_path):
    done = run_entry(tmp_path, [manifest(nothing={})])
    assert done.returncode == 125
    assert "names no command" in refusal(done)


def test_the_job_gets_dev_null_for_stdin(tmp_path):
    done = run_entry(tmp_path, [manifest(command=["sh", "-c", "cat; echo end"])])
    assert done.stdout == b"end\n"
