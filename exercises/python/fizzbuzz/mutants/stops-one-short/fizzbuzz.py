def fizzbuzz(n: int) -> list[str]:
    """FizzBuzz, but range(1, n) leaves out n itself."""
    if n < 0:
        raise ValueError("n must not be negative")
    result = []
    for i in range(1, n):
        if i % 15 == 0:
            result.append("FizzBuzz")
        elif i % 3 == 0:
            result.append("Fizz")
        elif i % 5 == 0:
            result.append("Buzz")
        else:
            result.append(str(i))
    return result
