from words import top_words


def test_top_two():
    assert top_words("red blue red green red blue", 2) == [("red", 3), ("blue", 2)]


def test_ties_broken_alphabetically():
    result = top_words("pear apple pear apple fig", 3)
    expected = [("apple", 2), ("pear", 2), ("fig", 1)]
    assert result == expected, f"equal counts go in alphabetical order: expected {expected!r}, got {result!r}"


def test_n_larger_than_number_of_words():
    assert top_words("one two two", 10) == [("two", 2), ("one", 1)]
