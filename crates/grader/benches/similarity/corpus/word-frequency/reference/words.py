import string


def word_frequency(text: str) -> dict[str, int]:
    """Return a dict mapping each lowercase word of text to its count.

    Words are separated by whitespace; punctuation (string.punctuation) is
    stripped from both ends of each word; empty leftovers are skipped.
    """
    counts: dict[str, int] = {}
    for token in text.split():
        word = token.strip(string.punctuation).lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """Return the n most common (word, count) pairs of text.

    Highest count first; equal counts in alphabetical order.
    Raises ValueError if n is negative.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    counts = word_frequency(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
