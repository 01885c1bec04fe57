def fizzbuzz(n: int) -> list[str]:
    """Return the FizzBuzz sequence for the numbers 1..n as a list of strings.

    Multiples of 3 and 5 become "FizzBuzz", other multiples of 3 "Fizz",
    other multiples of 5 "Buzz", and every other number its own digits.
    fizzbuzz(0) is []. A negative n raises ValueError.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    result = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            result.append("FizzBuzz")
        elif i % 3 == 0:
            result.append("Fizz")
        elif i % 5 == 0:
            result.append("Buzz")
        else:
            result.append(str(i))
    return result
