from {{module}} import count_vowels


def test_empty_text_has_no_vowels():
    assert count_vowels("") == 0
