import string


def word_frequency(text):
    freq = {}
    words = text.split()
    i = 0
    while i < len(words):
        w = words[i].strip(string.punctuation).lower()
        if w != "":
            if w not in freq:
                freq[w] = 0
            freq[w] += 1
        i += 1
    return freq


def top_words(text, n):
    if n < 0:
        raise ValueError("bad n")
    freq = word_frequency(text)
    items = [(w, c) for w, c in freq.items()]
    # insertion sort: count descending, then word ascending
    for a in range(1, len(items)):
        current = items[a]
        b = a - 1
        while b >= 0 and (items[b][1] < current[1] or (items[b][1] == current[1] and items[b][0] > current[0])):
            items[b + 1] = items[b]
            b -= 1
        items[b + 1] = current
    return items[:n]
