import string


def word_frequency(text: str) -> dict[str, int]:
    """Return a dict mapping each lowercase word of text to its count.

    Words are separated by whitespace; punctuation (string.punctuation) is
    stripped from both ends of each word; empty leftovers are skipped.
    """
    raise NotImplementedError


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """Return the n most common (word, count) pairs of text.

    Highest count first; equal counts in alphabetical order.
    Raises ValueError if n is negative.
    """
    raise NotImplementedError
