"""The api image's harness, imported as the image lays it out: its
`harness/` and `../common/` are both /opt/grader there, both on sys.path
here. The image has no pytest: these tests run on the host's python3
(ci/harness-tests). The services (PostgreSQL, Redis) are left to the Rust
tests, which run them in the image."""

import os
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(IMAGES, "api", "harness")
COMMON = os.path.join(IMAGES, "common")

for folder in (os.path.join(IMAGES, "testing"), COMMON, HARNESS):
    if folder not in sys.path:
        sys.path.insert(0, folder)


# Each test under a time limit (harness_testing.TIME_LIMIT).
from harness_testing import time_limit  # noqa: E402, F401 - an autouse fixture: imported is used
