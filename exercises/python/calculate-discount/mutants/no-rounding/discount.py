def calculate_discount(price, percent):
    """Return `price` reduced by `percent` percent."""
    for value in (price, percent):
        if not isinstance(value, (int, float)):
            raise TypeError("price and percent must be numbers")
    if price < 0:
        raise ValueError("price must not be negative")
    if percent < 0 or percent > 100:
        raise ValueError("percent must be between 0 and 100")
    return price - price * percent / 100
