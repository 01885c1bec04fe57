import pytest

from logparse import parse_log_line


def test_parses_example():
    assert parse_log_line("2024-03-01 12:00:01 ERROR [auth] Login failed for user=bob") == {
        "date": "2024-03-01",
        "time": "12:00:01",
        "level": "ERROR",
        "component": "auth",
        "message": "Login failed for user=bob",
    }


@pytest.mark.parametrize(
    "level", ["DEBUG", "INFO", "WARNING", "CRITICAL"], ids=["debug", "info", "warning", "critical"]
)
def test_all_levels(level):
    result = parse_log_line(f"2024-03-01 08:15:00 {level} [cron] Job started")
    assert result["level"] == level


def test_message_keeps_inner_spaces_and_brackets():
    result = parse_log_line("2024-03-01 12:00:02 INFO [db] Query took  12 ms [slow]")
    assert result["component"] == "db"
    assert result["message"] == "Query took  12 ms [slow]", f"the message must be kept as it is, got {result['message']!r}"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "just some text",
        "2024-03-01 12:00:01 ERROR auth Login failed",
        "2024-03-01 ERROR [auth] Login failed",
    ],
    ids=["empty", "plain-text", "no-brackets", "missing-time"],
)
def test_malformed_lines_raise(line):
    with pytest.raises(ValueError):
        parse_log_line(line)


def test_trailing_newline_is_ignored():
    result = parse_log_line("2024-03-01 12:00:01 WARNING [disk] 91% full\n")
    assert result["message"] == "91% full", f"the newline is not part of the message, got {result['message']!r}"
