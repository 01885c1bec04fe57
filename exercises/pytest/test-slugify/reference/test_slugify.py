from slugify import slugify


def test_lowercases_and_joins_words():
    assert slugify("Hello World") == "hello-world"


def test_keeps_digits():
    assert slugify("Top 10 tips") == "top-10-tips"


def test_runs_of_other_characters_make_one_dash():
    assert slugify("rock -- & -- roll") == "rock-roll"


def test_no_dash_at_either_end():
    assert slugify("  !Hi there!  ") == "hi-there"


def test_empty_and_symbol_only_text_give_an_empty_slug():
    assert slugify("") == ""
    assert slugify("?!") == ""


def test_cut_to_max_length():
    assert slugify("abcdef", max_length=4) == "abcd"


def test_a_cut_drops_the_dash_it_leaves():
    assert slugify("ab cd", max_length=3) == "ab"
