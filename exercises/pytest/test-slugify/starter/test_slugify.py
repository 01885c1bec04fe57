from slugify import slugify


def test_a_single_word():
    assert slugify("hello") == "hello"
