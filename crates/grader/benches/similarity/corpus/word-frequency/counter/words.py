from collections import Counter
from string import punctuation


def word_frequency(text):
    cleaned = (raw.strip(punctuation).lower() for raw in text.split())
    return dict(Counter(w for w in cleaned if w))


def top_words(text, n):
    if n < 0:
        raise ValueError("n must be >= 0")
    pairs = list(word_frequency(text).items())
    pairs.sort(key=lambda pair: pair[0])
    pairs.sort(key=lambda pair: pair[1], reverse=True)
    return pairs[:n]
