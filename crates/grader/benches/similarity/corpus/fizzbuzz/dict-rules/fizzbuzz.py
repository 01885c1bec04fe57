RULES = ((3, "Fizz"), (5, "Buzz"))


def fizzbuzz(n):
    if n < 0:
        raise ValueError("negative")
    lines = []
    for number in range(1, n + 1):
        word = "".join(text for divisor, text in RULES if number % divisor == 0)
        lines.append(word or str(number))
    return lines
