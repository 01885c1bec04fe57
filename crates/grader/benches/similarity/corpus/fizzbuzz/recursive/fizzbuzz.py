def fizzbuzz(n):
    """Builds the list from the end, one call per number."""
    if n < 0:
        raise ValueError("n < 0")
    if n == 0:
        return []
    head = fizzbuzz(n - 1)
    label = ""
    if not n % 3:
        label += "Fizz"
    if not n % 5:
        label += "Buzz"
    return head + [label if label else str(n)]
