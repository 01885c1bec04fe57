def fizzbuzz(n: int) -> list[str]:
    if n < 0:
        raise ValueError(f"{n} is negative")
    return [say(k) for k in range(1, n + 1)]


def say(k: int) -> str:
    fizz = k % 3 == 0
    buzz = k % 5 == 0
    if fizz and buzz:
        return "FizzBuzz"
    if fizz:
        return "Fizz"
    if buzz:
        return "Buzz"
    return f"{k}"
