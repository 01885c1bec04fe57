import string
from collections import Counter


def word_frequency(text):
    words = [token.strip(string.punctuation).lower() for token in text.split()]
    return dict(Counter(word for word in words if word))


def top_words(text, n):
    counts = word_frequency(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
