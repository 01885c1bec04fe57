import pytest

from durations import parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [("45s", 45), ("2m", 120), ("1h", 3600), ("1h30m", 5400), ("2h5s", 7205), ("0s", 0)],
)
def test_parses_each_unit_and_their_sums(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "h", "1x", "1h 30m", "1h30", "1h30m!", "1s1s", "1m2m"])
def test_refuses_what_is_not_a_duration(text):
    with pytest.raises(ValueError):
        parse_duration(text)
