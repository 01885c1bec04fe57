import re

UNITS = {"h": 3600, "m": 60, "s": 1}
TOKEN = re.compile(r"(\d+)([hms])")


def parse_duration(text):
    """The seconds in a duration such as `1h30m`, `45s` or `2h5s`."""
    if not text:
        raise ValueError("an empty duration")
    total = 0
    seen = set()
    position = 0
    for match in TOKEN.finditer(text):
        if match.start() != position:
            break
        number, unit = match.groups()
        if unit in seen:
            raise ValueError(f"the unit {unit!r} is given twice")
        seen.add(unit)
        total += int(number) * UNITS[unit]
        position = match.end()
    if position != len(text):
        raise ValueError(f"unexpected text at {position}: {text[position:]!r}")
    return total
