import pytest

from discount import calculate_discount


@pytest.mark.parametrize("percent", [0, 50, 100], ids=["0pct", "50pct", "100pct"])
def test_zero_price_any_percent(percent):
    result = calculate_discount(0, percent)
    assert result == 0, f"a price of 0 stays 0 whatever the discount; got {result!r} for {percent}%"


@pytest.mark.parametrize(
    "percent", [-1, 100.5, 150], ids=["minus-one", "just-over-100", "150"]
)
def test_percent_out_of_range_raises(percent):
    with pytest.raises(ValueError):
        calculate_discount(100, percent)


@pytest.mark.parametrize(
    "price, percent",
    [(100, "10"), (None, 10), (100, None)],
    ids=["string-percent", "none-price", "none-percent"],
)
def test_non_numbers_raise_type_error(price, percent):
    with pytest.raises(TypeError):
        calculate_discount(price, percent)


def test_float_percent():
    assert calculate_discount(200, 12.5) == 175.0


@pytest.mark.parametrize(
    "price, percent, expected",
    [(9.99, 33, 6.69), (33.33, 10, 30.0), (0.2, 10, 0.18)],
    ids=["9.99-minus-33pct", "33.33-minus-10pct", "small-price"],
)
def test_result_is_rounded(price, percent, expected):
    result = calculate_discount(price, percent)
    assert result == expected, f"calculate_discount({price}, {percent}) returned {result!r}, expected {expected!r} (rounded to 2 decimals)"
