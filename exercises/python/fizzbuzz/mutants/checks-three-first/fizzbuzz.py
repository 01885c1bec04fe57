def fizzbuzz(n: int) -> list[str]:
    """FizzBuzz, but the test for 3 comes before the test for 15."""
    if n < 0:
        raise ValueError("n must not be negative")
    result = []
    for i in range(1, n + 1):
        if i % 3 == 0:
            result.append("Fizz")
        elif i % 5 == 0:
            result.append("Buzz")
        elif i % 15 == 0:
            result.append("FizzBuzz")
        else:
            result.append(str(i))
    return result
