import pytest

from words import top_words


def test_n_zero_gives_empty_list():
    assert top_words("a b c", 0) == []


def test_negative_n_raises_value_error():
    with pytest.raises(ValueError):
        top_words("a b c", -1)


def test_empty_text():
    assert top_words("", 3) == []


def test_counts_are_case_insensitive():
    assert top_words("The cat. the DOG, THE end", 1) == [("the", 3)]


def test_ties_at_several_counts():
    result = top_words("b a c b a d e e e", 5)
    expected = [("e", 3), ("a", 2), ("b", 2), ("c", 1), ("d", 1)]
    assert result == expected, f"expected {expected!r}, got {result!r}"


def test_returns_list_of_tuples():
    result = top_words("x y x", 2)
    assert isinstance(result, list), f"expected a list, got {type(result).__name__}"
    assert result, "top_words('x y x', 2) has two words to give"
    assert all(isinstance(item, tuple) for item in result), f"every item must be a (word, count) tuple, got {result!r}"
