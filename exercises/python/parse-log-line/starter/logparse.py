LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def parse_log_line(line: str) -> dict[str, str]:
    """Parse 'YYYY-MM-DD HH:MM:SS LEVEL [component] message' into a dict
    with the keys date, time, level, component and message.

    A trailing newline is ignored. Raises ValueError for a malformed line.
    """
    raise NotImplementedError
