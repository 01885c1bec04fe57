LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_log_line(line):
    parts = line.strip().split(" ", 4)
    if len(parts) != 5:
        raise ValueError("malformed log line")
    date, time, level, component, message = parts
    if len(date) != 10 or len(time) != 8:
        raise ValueError("bad date or time")
    if level not in LEVELS:
        raise ValueError("unknown level")
    if not (component.startswith("[") and component.endswith("]")):
        raise ValueError("component must be in brackets")
    return {
        "date": date,
        "time": time,
        "level": level,
        "component": component[1:-1],
        "message": message.strip(),
    }
