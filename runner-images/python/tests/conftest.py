"""The python image's harness, imported as the image lays it out.

In the image, `harness/` and `../common/` are both copied to /opt/grader;
here both folders go on sys.path instead. `harness_dir` is a folder laid
out as /opt/grader is (links to both folders' files), for the tests that
start a harness script in a fresh interpreter, which finds its siblings
next to itself only.

pytest-subtests is in the image (python3-pytest-subtests) but may not be
on the machine that runs these tests: grader_pytest imports it, and only
names from it that these tests do not exercise without it, so a stand-in
with those names takes its place when it is missing.
"""

import os
import sys
import types

import pytest
from _pytest.reports import TestReport

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(IMAGES, "python", "harness")
COMMON = os.path.join(IMAGES, "common")

for folder in (os.path.join(IMAGES, "testing"), COMMON, HARNESS):
    if folder not in sys.path:
        sys.path.insert(0, folder)

try:
    import pytest_subtests  # noqa: F401
except ImportError:
    stand_in = types.ModuleType("pytest_subtests")

    class SubTestReport(TestReport):
        pass

    class SubTestContext:
        def __init__(self, msg, kwargs):
            self.msg = msg
            self.kwargs = kwargs

    def make_call_info(*args, **kwargs):
        raise NotImplementedError("pytest-subtests is not installed")

    stand_in.SubTestReport = SubTestReport
    stand_in.SubTestContext = SubTestContext
    stand_in.make_call_info = make_call_info
    stand_in.STAND_IN = True
    sys.modules["pytest_subtests"] = stand_in


@pytest.fixture(scope="session")
def harness_dir(tmp_path_factory):
    """/opt/grader as the image has it: the harness's and common's files."""
    folder = tmp_path_factory.mktemp("opt-grader")
    for source in (COMMON, HARNESS):
        for name in os.listdir(source):
            if name.endswith((".py", ".ini")):
                os.symlink(os.path.join(source, name), folder / name)
    return str(folder)


# Each test under a time limit (harness_testing.TIME_LIMIT).
from harness_testing import time_limit  # noqa: E402, F401 - an autouse fixture: imported is used
