import re
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

PATTERN = re.compile(
    r"(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (\w+) \[([^\[\]\s]+)\] (.*)"
)


def parse_log_line(line):
    match = PATTERN.fullmatch(line.rstrip("\r\n"))
    if not match:
        raise ValueError("malformed log line")
    date, time, level, component, message = match.groups()
    level = level.upper()
    if level not in LEVELS:
        raise ValueError("unknown level")
    datetime.strptime(date + " " + time, "%Y-%m-%d %H:%M:%S")
    message = message.strip()
    if not message:
        raise ValueError("empty message")
    return {"date": date, "time": time, "level": level, "component": component, "message": message}
