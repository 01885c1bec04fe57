def calculate_discount(price, percent):
    """Return `price` reduced by `percent` percent, rounded to 2 decimals."""
    if not isinstance(price, (int, float)) or not isinstance(percent, (int, float)):
        raise TypeError("price and percent must be numbers")
    if price < 0:
        raise ValueError("price must not be negative")
    if percent < 0:
        raise ValueError("percent must not be negative")
    return round(price * (100 - percent) / 100, 2)
