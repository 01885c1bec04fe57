def fizzbuzz(n: int) -> list[str]:
    """Return the FizzBuzz sequence for the numbers 1..n as a list of strings.

    Multiples of 3 and 5 become "FizzBuzz", other multiples of 3 "Fizz",
    other multiples of 5 "Buzz", and every other number its own digits.
    fizzbuzz(0) is []. A negative n raises ValueError.
    """
    raise NotImplementedError
