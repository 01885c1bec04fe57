import pytest

from words import word_frequency


def test_counts_words():
    assert word_frequency("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_case_insensitive():
    assert word_frequency("Go go GO") == {"go": 3}


def test_punctuation_stripped():
    result = word_frequency("Hello, world! Hello.")
    assert result == {"hello": 2, "world": 1}, f"punctuation around words must be removed, got {result!r}"


@pytest.mark.parametrize("text", ["", "   \n"], ids=["empty", "whitespace-only"])
def test_no_words(text):
    assert word_frequency(text) == {}
