import pytest

from search import binary_search

ITEMS = [1, 3, 5, 7, 9]


@pytest.mark.parametrize(
    "target, expected", [(1, 0), (5, 2), (9, 4)], ids=["first", "middle", "last"]
)
def test_finds_target(target, expected):
    got = binary_search(ITEMS, target)
    assert got == expected, f"binary_search({ITEMS}, {target}) returned {got}, expected {expected}"


@pytest.mark.parametrize("target", [0, 10, 4], ids=["below-all", "above-all", "in-a-gap"])
def test_missing_target_gives_minus_one(target):
    assert binary_search(ITEMS, target) == -1


def test_empty_list():
    assert binary_search([], 3) == -1


def test_duplicates_return_first_occurrence():
    got = binary_search([1, 2, 2, 2, 3], 2)
    assert got == 1, f"2 first appears at index 1, got {got}"
