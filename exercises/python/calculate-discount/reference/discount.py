def calculate_discount(price, percent):
    """Return `price` reduced by `percent` percent, rounded to 2 decimals.

    price:   the original price, an int or float >= 0.
    percent: the discount in percent, an int or float from 0 to 100.

    Raises TypeError if price or percent is not a number, and ValueError
    if price is negative or percent is outside 0..100.
    """
    for name, value in (("price", price), ("percent", percent)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if price < 0:
        raise ValueError(f"price must not be negative, got {price}")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100, got {percent}")
    return round(price * (100 - percent) / 100, 2)
