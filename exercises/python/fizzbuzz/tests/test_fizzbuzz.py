import pytest

from fizzbuzz import fizzbuzz


def test_first_five():
    assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"]


@pytest.mark.parametrize(
    "number, expected",
    [(3, "Fizz"), (5, "Buzz"), (15, "FizzBuzz"), (7, "7")],
    ids=["three-is-fizz", "five-is-buzz", "fifteen-is-fizzbuzz", "seven-is-7"],
)
def test_single_value(number, expected):
    got = fizzbuzz(number)[number - 1]
    assert got == expected, f"number {number} should give {expected!r}, got {got!r}"


def test_length_matches_n():
    result = fizzbuzz(20)
    assert len(result) == 20, f"fizzbuzz(20) should have 20 elements, got {len(result)}"


def test_numbers_are_strings():
    result = fizzbuzz(4)
    assert result, "fizzbuzz(4) has four strings to give"
    assert all(isinstance(x, str) for x in result), f"every element must be a str, got {result!r}"
