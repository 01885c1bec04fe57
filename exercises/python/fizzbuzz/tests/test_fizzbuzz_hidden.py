import pytest

from fizzbuzz import fizzbuzz


def test_zero_gives_empty_list():
    assert fizzbuzz(0) == []


def test_one():
    assert fizzbuzz(1) == ["1"]


def test_negative_raises_value_error():
    with pytest.raises(ValueError):
        fizzbuzz(-3)


def test_first_fifteen():
    assert fizzbuzz(15) == [
        "1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8",
        "Fizz", "Buzz", "11", "Fizz", "13", "14", "FizzBuzz",
    ]


def test_every_multiple_of_15_is_fizzbuzz():
    result = fizzbuzz(100)
    wrong = [i for i in range(15, 101, 15) if result[i - 1] != "FizzBuzz"]
    assert not wrong, f"these multiples of 15 are not 'FizzBuzz': {wrong}"


@pytest.mark.parametrize(
    "number, expected",
    [(45, "FizzBuzz"), (98, "98"), (99, "Fizz"), (100, "Buzz")],
    ids=["45", "98", "99", "100"],
)
def test_up_to_one_hundred(number, expected):
    result = fizzbuzz(100)
    assert len(result) == 100, f"fizzbuzz(100) should have 100 elements, got {len(result)}"
    assert result[number - 1] == expected, f"number {number} should give {expected!r}, got {result[number - 1]!r}"
