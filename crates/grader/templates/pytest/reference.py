from {{module}} import count_vowels


def test_counts_lowercase_vowels():
    assert count_vowels("banana") == 3


def test_counts_uppercase_vowels():
    assert count_vowels("AEIOU") == 5


def test_y_is_not_a_vowel():
    assert count_vowels("rhythm") == 0
