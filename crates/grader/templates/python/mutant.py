def count_vowels(text):
    """Counts lowercase vowels only: a known-wrong solution."""
    return sum(1 for letter in text if letter in "aeiou")
