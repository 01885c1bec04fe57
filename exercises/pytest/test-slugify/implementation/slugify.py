import re


def slugify(text, max_length=None):
    """A URL slug of `text`: its ASCII letters and digits, lowercased,
    each run of them a word, the words joined by one `-`. With
    `max_length`, the slug is cut to at most that many characters, and a
    `-` left at its end by the cut is dropped."""
    lowered = text.lower()
    words = re.findall(r"[a-z0-9]+", lowered)
    slug = "-".join(words)
    if max_length is not None:
        slug = slug[:max_length].rstrip("-")
    return slug
