"""Hidden tests: learners see only each test's name, status and points."""

from {{module}} import count_vowels


def test_uppercase_vowels_count():
    assert count_vowels("AEIOU are vowels") == 9
