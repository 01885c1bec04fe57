from words import word_frequency


def test_inner_apostrophes_and_hyphens_are_kept():
    result = word_frequency("Don't stop. It's well-known!")
    expected = {"don't": 1, "stop": 1, "it's": 1, "well-known": 1}
    assert result == expected, f"punctuation inside a word stays: expected {expected!r}, got {result!r}"


def test_punctuation_only_tokens_are_skipped():
    result = word_frequency("wait -- what ?!")
    assert result == {"wait": 1, "what": 1}, f"'--' and '?!' are not words, got {result!r}"


def test_any_whitespace_separates_words():
    assert word_frequency("a\n\tb   a") == {"a": 2, "b": 1}


def test_quotes_and_brackets_are_stripped():
    result = word_frequency('"Quoted" (parens) [brackets]')
    assert result == {"quoted": 1, "parens": 1, "brackets": 1}, f"got {result!r}"


def test_numbers_count_as_words():
    assert word_frequency("Room 101, room 101!") == {"room": 2, "101": 2}
