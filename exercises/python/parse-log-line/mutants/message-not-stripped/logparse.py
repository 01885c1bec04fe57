import re
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

PATTERN = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2}) "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) \[(?P<component>[^\]]+)\] (?P<message>.+)$"
)


def parse_log_line(line):
    match = PATTERN.match(line)
    if match is None:
        raise ValueError("malformed log line")
    datetime.strptime(match["date"], "%Y-%m-%d")
    datetime.strptime(match["time"], "%H:%M:%S")
    return match.groupdict()
