import pytest

from discount import calculate_discount


@pytest.mark.parametrize(
    "price, percent, expected",
    [(100, 20, 80.0), (50, 10, 45.0), (80, 25, 60.0)],
    ids=["100-minus-20pct", "50-minus-10pct", "80-minus-25pct"],
)
def test_basic_discounts(price, percent, expected):
    result = calculate_discount(price, percent)
    assert result == expected, f"calculate_discount({price}, {percent}) returned {result!r}, expected {expected!r}"


def test_zero_percent_keeps_price():
    assert calculate_discount(42.5, 0) == 42.5


def test_hundred_percent_is_free():
    assert calculate_discount(42.5, 100) == 0


def test_rounds_to_two_decimals():
    result = calculate_discount(19.99, 15)
    assert result == 16.99, f"19.99 minus 15% is 16.9915, which rounds to 16.99; got {result!r}"


def test_negative_price_raises():
    with pytest.raises(ValueError):
        calculate_discount(-10, 20)


def test_string_price_raises_type_error():
    with pytest.raises(TypeError):
        calculate_discount("100", 20)
