from search import two_sum


def test_basic_pair():
    assert two_sum([2, 7, 11, 15], 9) == (0, 1)


def test_unsorted_input():
    assert two_sum([4, 9, 1, 6], 7) == (2, 3)


def test_no_pair_gives_none():
    assert two_sum([1, 2, 4], 100) is None


def test_returns_a_tuple():
    result = two_sum([5, 1, 3], 4)
    assert isinstance(result, tuple), f"expected a tuple, got {type(result).__name__}"
    assert result == (1, 2)
