"""The learner's frames, stood in for in the test process.

A test double may look at who calls it: Exercism's paasio suite patches
`super` in the learner's module with an object that returns itself when
`inspect.stack()` shows an `__init__` of `paasio.py` among its callers. In
one process the learner's frames are there; across the boundary they are
in the other process. So a call from the learner's code to a test's object
brings the names of the learner's frames (file and function, innermost
first; grader_learner.calling_frames), and the call runs here under one
frame of each name. They are frames of a two-line function of ours, renamed:
no code of the learner's runs, their source is never read (linecache holds
an empty entry for each file, so nothing here opens a file the learner can
write), and pytest hides them from tracebacks.
"""

import linecache
import types

__tracebackhide__ = True

# Most frames stood in for; the rest (the outermost) are left out.
MAX_FRAMES = 40
# Renamed code objects kept, by (file, function).
MAX_KEPT = 4096
_codes = {}
_TEMPLATE = compile(
    "def frame(calls):\n    __tracebackhide__ = True\n    return calls.pop()(calls)\n",
    "<frame>",
    "exec",
)
_CODE = next(const for const in _TEMPLATE.co_consts if isinstance(const, types.CodeType))


def _code(filename, name):
    key = (filename, name)
    code = _codes.get(key)
    if code is None:
        code = _CODE.replace(co_filename=filename, co_name=name, co_qualname=name)
        if len(_codes) < MAX_KEPT:
            _codes[key] = code
        if filename not in linecache.cache:
            # An entry without a modification time is never checked
            # against the disk: the learner's file is not read here.
            linecache.cache[filename] = (0, None, [], filename)
    return code


def run(frames, call):
    """`call()` under frames named as `frames` ([file, function] pairs,
    innermost first)."""
    calls = [lambda _: call()]
    for entry in frames[:MAX_FRAMES]:
        if type(entry) is not list or len(entry) != 2 or not all(type(part) is str for part in entry):
            continue
        filename, name = entry[0][:300], entry[1][:100]
        calls.append(types.FunctionType(_code(filename, name), {"__tracebackhide__": True}))
    return calls.pop()(calls)
