import re
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_LINE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}) "
    r"(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}) "
    r"(?P<level>[A-Z]+) "
    r"\[(?P<component>[^\[\]\s]+)\]"
    r"(?: (?P<message>.*))?"
)


def parse_log_line(line: str) -> dict[str, str]:
    """Parse 'YYYY-MM-DD HH:MM:SS LEVEL [component] message' into a dict
    with the keys date, time, level, component and message.

    A trailing newline is ignored. Raises ValueError for a malformed line.
    """
    if line.endswith("\r\n"):
        line = line[:-2]
    elif line.endswith("\n"):
        line = line[:-1]
    match = _LINE.fullmatch(line)
    if match is None:
        raise ValueError(f"malformed log line: {line!r}")
    if match["level"] not in LEVELS:
        raise ValueError(f"unknown log level: {match['level']!r}")
    # strptime raises ValueError for dates and times that do not exist.
    datetime.strptime(match["date"], "%Y-%m-%d")
    datetime.strptime(match["time"], "%H:%M:%S")
    message = (match["message"] or "").strip()
    if not message:
        raise ValueError(f"log line has no message: {line!r}")
    return {
        "date": match["date"],
        "time": match["time"],
        "level": match["level"],
        "component": match["component"],
        "message": message,
    }
