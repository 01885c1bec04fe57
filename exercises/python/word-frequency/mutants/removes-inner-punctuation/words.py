import string

_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


def word_frequency(text):
    counts = {}
    for token in text.lower().split():
        word = token.translate(_NO_PUNCTUATION)
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text, n):
    if n < 0:
        raise ValueError("n must not be negative")
    counts = word_frequency(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
