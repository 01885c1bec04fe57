"""What every image's harness unit tests share (runner-images/*/tests/):
a time limit on each test, and the manifest contract. Not an image (no
packages.txt) and hashed into none: each tests/conftest.py puts this folder
on sys.path."""

import json
import os
import re
import signal

import pytest

IMAGES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Longest a test may take: one that hangs (a harness loop waiting for
# what never comes) fails instead of holding up the run.
TIME_LIMIT = 60


class Hung(BaseException):
    """A test past TIME_LIMIT. Not an Exception: no `except Exception` in
    the harness takes it for its own."""


@pytest.fixture(autouse=True)
def time_limit():
    """An autouse fixture: import it into a conftest.py."""

    def expire(signum, frame):
        raise Hung("this test ran past %ds" % TIME_LIMIT)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


# A read of the job's section: config.get("x"), job["x"], job.get("x").
READ = re.compile(r'\b(?:config|job)(?:\.get\(|\[)"([a-z_]+)"')


def golden_manifest(image, job):
    """The manifest the grader writes for `job`, kept by
    crates/grader/tests/it/manifests.rs in <image>/tests/manifests/."""
    with open(os.path.join(IMAGES, image, "tests", "manifests", job + ".json")) as text:
        return json.load(text)


def fields_read(files):
    """The fields of its job's section the harness in `files` reads."""
    found = set()
    for name in files:
        with open(os.path.join(IMAGES, name)) as source:
            found |= set(READ.findall(source.read()))
    return found


def check_manifest(image, job, files):
    """Every field the grader sends is read, and every field read is sent;
    entry.py hands the section to its harness."""
    manifest = golden_manifest(image, job)
    assert set(manifest) == {"key", job}
    sent = set(manifest[job])
    read = fields_read(files)
    assert sent - read == set(), "sent, never read"
    assert read - sent == set(), "read, never sent"
    with open(os.path.join(IMAGES, "common", "entry.py")) as source:
        entry = source.read()
    assert 'manifest["%s"]' % job in entry or 'manifest.get("%s")' % job in entry
    assert 'manifest.get("key")' in entry
