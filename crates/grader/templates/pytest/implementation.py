def count_vowels(text):
    """How many letters of `text` are vowels, in either case."""
    return sum(1 for letter in text.lower() if letter in "aeiou")
