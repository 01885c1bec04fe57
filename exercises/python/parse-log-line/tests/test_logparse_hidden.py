import pytest

from logparse import parse_log_line


@pytest.mark.parametrize(
    "date, time",
    [("2024-02-30", "12:00:00"), ("2024-13-01", "12:00:00"), ("2024-03-01", "24:00:00"), ("2024-03-01", "12:60:00")],
    ids=["feb-30", "month-13", "hour-24", "minute-60"],
)
def test_impossible_date_or_time_raises(date, time):
    with pytest.raises(ValueError):
        parse_log_line(f"{date} {time} INFO [app] Started")


def test_leap_day_is_valid():
    assert parse_log_line("2024-02-29 23:59:59 INFO [app] Leap day")["date"] == "2024-02-29"


@pytest.mark.parametrize(
    "level", ["error", "Info", "FATAL"], ids=["lowercase", "mixed-case", "unknown"]
)
def test_invalid_level_raises(level):
    with pytest.raises(ValueError):
        parse_log_line(f"2024-03-01 12:00:01 {level} [auth] Login failed")


@pytest.mark.parametrize(
    "line",
    ["2024-03-01 12:00:01 INFO [auth]", "2024-03-01 12:00:01 INFO [auth]    "],
    ids=["nothing", "only-spaces"],
)
def test_empty_message_raises(line):
    with pytest.raises(ValueError):
        parse_log_line(line)


def test_empty_component_raises():
    with pytest.raises(ValueError):
        parse_log_line("2024-03-01 12:00:01 INFO [] Started")


def test_component_with_dots_and_dashes():
    assert parse_log_line("2024-03-01 12:00:01 DEBUG [api.v2-gateway] ok")["component"] == "api.v2-gateway"


def test_message_keeps_symbols():
    message = "user=bob: retry 2/3 (timeout=5s)"
    assert parse_log_line(f"2024-03-01 12:00:01 WARNING [auth] {message}")["message"] == message


def test_windows_line_ending_is_ignored():
    result = parse_log_line("2024-03-01 12:00:01 ERROR [auth] Login failed\r\n")
    assert result["message"] == "Login failed", f"'\\r\\n' is not part of the message, got {result['message']!r}"


def test_returns_exactly_five_string_fields():
    result = parse_log_line("2024-03-01 12:00:01 INFO [app] Started")
    assert set(result) == {"date", "time", "level", "component", "message"}, f"unexpected keys: {sorted(result)}"
    assert all(isinstance(value, str) for value in result.values()), f"all values must be str: {result!r}"
