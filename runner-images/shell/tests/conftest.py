"""The shell image's harness, imported as the image lays it out: its
`harness/` and `../common/` are both /opt/grader there, both on sys.path
here. These tests run on the host's python3 (ci/harness-tests); bats, the
broker's users and the container's rules are left to the Rust tests, which
run the image on the real engine."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.dirname(os.path.dirname(HERE))

for folder in (
    os.path.join(IMAGES, "testing"),
    os.path.join(IMAGES, "common"),
    os.path.join(IMAGES, "shell", "harness"),
):
    if folder not in sys.path:
        sys.path.insert(0, folder)


# Each test under a time limit (harness_testing.TIME_LIMIT).
from harness_testing import time_limit  # noqa: E402, F401 - an autouse fixture: imported is used
