import re
import string

EDGES = re.compile("^[" + re.escape(string.punctuation) + "]+|[" + re.escape(string.punctuation) + "]+$")


def word_frequency(text: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for chunk in re.split(r"\s+", text.strip()):
        word = EDGES.sub("", chunk).lower()
        if not word:
            continue
        result[word] = result[word] + 1 if word in result else 1
    return result


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    if n < 0:
        raise ValueError(n)
    table = word_frequency(text)
    order = sorted(table, key=lambda word: (-table[word], word))
    return [(word, table[word]) for word in order[:n]]
