"""The api image's harness, imported as the image lays it out: its
`harness/` and `../common/` are both /opt/grader there, both on sys.path
here. The image has no pytest: these tests run on the host's python3
(ci/harness-tests). The services (PostgreSQL, Redis) are left to the Rust
tests, which run them in the image."""

import os
import signal
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(IMAGES, "api", "harness")
COMMON = os.path.join(IMAGES, "common")

for folder in (COMMON, HARNESS):
    if folder not in sys.path:
        sys.path.insert(0, folder)


# Longest a test may take: one that hangs (a harness loop waiting for
# what never comes) fails instead of holding up the run.
TIME_LIMIT = 60


class Hung(BaseException):
    """A test past TIME_LIMIT. Not an Exception: no `except Exception` in
    the harness takes it for its own."""


@pytest.fixture(autouse=True)
def time_limit():
    def expire(signum, frame):
        raise Hung("this test ran past %ds" % TIME_LIMIT)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
