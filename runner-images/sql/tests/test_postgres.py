"""common/grader_postgres.py, the one PostgreSQL start-up of the sql and api
images: its settings, and how it fails. Starting a real server is left to
the Rust tests, which run both images."""

import subprocess
import sys
import tarfile
import time

import grader_postgres
import pytest


def test_every_jobs_server_caps_temporary_files_and_keeps_nothing():
    # The sql and api servers had drifted apart (the api's had no
    # temp_file_limit): both now start from SETTINGS.
    assert grader_postgres.SETTINGS["temp_file_limit"] == "64MB"
    assert grader_postgres.SETTINGS["fsync"] == "off"
    assert grader_postgres.SETTINGS["jit"] == "off"


def test_the_callers_settings_win_and_every_setting_is_passed(tmp_path, monkeypatch):
    started = {}
    real = subprocess.Popen

    def popen(argv, **kwargs):
        started["argv"] = argv
        return real([sys.executable, "-c", ""], **kwargs)

    monkeypatch.setattr(grader_postgres.subprocess, "Popen", popen)
    grader_postgres.start(str(tmp_path / "data"), str(tmp_path / "log"),
                          {"max_connections": "8", "shared_buffers": "8MB"}).wait()
    argv = started["argv"]
    assert argv[:3] == [grader_postgres.PG_BIN + "/postgres", "-D", str(tmp_path / "data")]
    pairs = dict(value.split("=", 1) for flag, value in zip(argv[3::2], argv[4::2], strict=True) if flag == "-c")
    assert pairs["max_connections"] == "8"
    assert pairs["shared_buffers"] == "8MB"
    assert pairs["temp_file_limit"] == "64MB"
    assert len(pairs) == len(grader_postgres.SETTINGS) + 1


def test_a_server_that_exits_fails_with_the_end_of_its_log(tmp_path):
    log = tmp_path / "server.log"
    log.write_bytes(b"x" * 5000 + b"FATAL: the data directory is broken\n")
    server = subprocess.Popen([sys.executable, "-c", ""])
    server.wait()

    def refuse():
        raise ConnectionRefusedError

    with pytest.raises(grader_postgres.Failed) as failed:
        grader_postgres.ready(server, refuse, ConnectionRefusedError, str(log), time.monotonic() + 5, 0.001)
    message = str(failed.value)
    assert message.startswith("postgres did not start:\n")
    assert message.endswith("FATAL: the data directory is broken\n")
    assert len(message) < 2100


def test_a_server_not_ready_by_the_deadline_fails(tmp_path):
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(grader_postgres.Failed):
            grader_postgres.ready(server, lambda: (_ for _ in ()).throw(OSError()), OSError,
                                  str(tmp_path / "none.log"), time.monotonic() + 0.05, 0.01)
    finally:
        server.kill()
        server.wait()


def test_the_first_connection_the_server_takes_is_returned():
    attempts = []

    def connect():
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("starting up")
        return "connection"

    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert grader_postgres.ready(server, connect, OSError, "/nonexistent", time.monotonic() + 5, 0) == "connection"
    finally:
        server.kill()
        server.wait()
    assert len(attempts) == 3


def test_the_template_is_unpacked_into_the_data_folder(tmp_path, monkeypatch):
    source = tmp_path / "source" / "template"
    source.mkdir(parents=True)
    (source / "PG_VERSION").write_text("15\n")
    archive = tmp_path / "template.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(source, arcname="template")
    monkeypatch.setattr(grader_postgres, "PG_TEMPLATE", str(archive))
    folder = tmp_path / "job"
    folder.mkdir()
    data = folder / "data"
    grader_postgres.unpacked(grader_postgres.unpack(str(folder)), str(folder), str(data))
    assert (data / "PG_VERSION").read_text() == "15\n"
    assert data.stat().st_mode & 0o777 == 0o700


def test_a_template_that_cannot_be_unpacked_fails_with_tars_words(tmp_path, monkeypatch):
    monkeypatch.setattr(grader_postgres, "PG_TEMPLATE", str(tmp_path / "missing.tar"))
    with pytest.raises(grader_postgres.Failed, match="could not be unpacked: .*missing.tar"):
        grader_postgres.unpacked(grader_postgres.unpack(str(tmp_path)), str(tmp_path), str(tmp_path / "data"))
