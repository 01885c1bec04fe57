"""The report channel: how a harness tells the grader what happened.

Each event is one line on stdout (or stderr), authenticated:

  @@grader:<seq>:<mac> <json>

`seq` counts the job's lines from 0; `mac` is the first 32 hex digits of
HMAC-SHA256 over "<seq> <json>" keyed with the job's key, which came in the
job manifest and lives only in this process's memory. Learner code is kept
off the container's stdout (docker-init, pid 1, is root's; this process is
not dumpable), and were it to reach it, it could destroy report lines,
never forge one.
The grader checks every mac and the order of `seq`, and a missing line is
the learner's doing.

Every string in an event is made valid Unicode first (`valid`): learner
code's text is in these lines, and a lone surrogate in it must not make a
line the grader rejects.

Each line is written with one write(2) of at most PIPE_BUF bytes where it
can be, and starts with a newline, so bytes another process leaves on the
pipe without one cannot run into it.
"""

import hashlib
import hmac
import json
import os
import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text):
    """`text` as valid Unicode: each lone surrogate (which Python strings
    and JSON escapes can hold, but no UTF-8 reader accepts) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def valid(value):
    """An event with every string in it made valid Unicode: text from the
    learner (a message, a repr, a test's output) never makes a line the
    grader cannot read."""
    if type(value) is str:
        return valid_text(value)
    if type(value) is dict:
        return {valid(key): valid(item) for key, item in value.items()}
    if type(value) in (list, tuple):
        return [valid(item) for item in value]
    return value


class Channel:
    def __init__(self, fd, key):
        self.fd = fd
        self.key = key.encode("ascii")
        self.seq = 0

    def emit(self, event):
        payload = json.dumps(valid(event), ensure_ascii=True, separators=(",", ":"))
        signed = "%d %s" % (self.seq, payload)
        mac = hmac.new(self.key, signed.encode("ascii"), hashlib.sha256).hexdigest()[:32]
        data = ("\n@@grader:%d:%s %s\n" % (self.seq, mac, payload)).encode("ascii")
        self.seq += 1
        while data:
            written = os.write(self.fd, data)
            data = data[written:]
